// Helpers for tests that drive our own live clients (the page's socket transport, the extension's connection)
// against a real server, with event-driven waits.
import type { CatchUp, RingsideConnection } from '../../../extension/src/connection';
import type { DashboardMessage } from '../../../server/src/protocol';

/** What socketTransport needs of a browser page, for running it in Node. */
export const browserPage = { location: { search: '', pathname: '/', hash: '' }, history: { pushState: () => undefined, replaceState: () => undefined, state: null } };

/** Collects a transport's messages (pass `deliver` to start()) and waits for the next one that matches. */
export function dashboardMessages() {
  const messages: DashboardMessage[] = [];
  let waiters: Array<{ match: (m: DashboardMessage) => boolean; resolve: (m: DashboardMessage) => void }> = [];
  return {
    messages,
    deliver: (message: DashboardMessage) => {
      messages.push(message);
      const matched = waiters.filter((w) => w.match(message));
      waiters = waiters.filter((w) => !w.match(message));
      for (const waiter of matched) waiter.resolve(message);
    },
    next: (match: (m: DashboardMessage) => boolean) => new Promise<DashboardMessage>((resolve) => waiters.push({ match, resolve })),
    connectionStates: () => messages.flatMap((m) => (m.type === 'connection' ? [m.state] : [])),
  };
}

export function nextCatchUp(connection: RingsideConnection): Promise<CatchUp> {
  return new Promise((resolve) => {
    const subscription = connection.onCatchUp((result) => {
      subscription.dispose();
      resolve(result);
    });
  });
}
