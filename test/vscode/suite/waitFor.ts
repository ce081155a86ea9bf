// Live data arrives asynchronously (server → socket → extension host → webview → summary back). A wait does not
// sleep and look again: it checks its condition now and again each time one of `events` fires (the test API's
// onDidChange: the extension's own change events), and fails, naming what it waited for, after a deadline.
import type { Event } from 'vscode';

export type WaitFor = <T>(what: string, probe: () => T | undefined | null | false, timeoutMs?: number) => Promise<T>;

export function conditionWaiter(events: ReadonlyArray<Event<unknown>>): WaitFor {
  return <T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000) => {
    let last: unknown;
    let subscriptions: Array<{ dispose(): unknown }> = [];
    const met = new Promise<T>((resolve) => {
      const check = () => {
        try {
          const value = probe();
          if (value !== undefined && value !== null && value !== false) resolve(value);
        } catch (error) {
          last = error;
        }
      };
      subscriptions = events.map((event) => event(check));
      check();
    });
    const described = () => `${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`;
    return withDeadline(described, met, timeoutMs).finally(() => {
      for (const subscription of subscriptions) subscription.dispose();
    });
  };
}

/** `promise`, or a failure naming what it was for once `timeoutMs` have passed without it settling. */
export function withDeadline<T>(what: string | (() => string), promise: Promise<T>, timeoutMs = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
