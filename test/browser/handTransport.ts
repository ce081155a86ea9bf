// What a socket transport talks to, played by hand in browser tests: a socket whose events the test fires, and a
// fetch answering the dashboard's queries as the server would, recording what was asked.
import type { DashboardSocket } from '../../webview/src/transport/socket';
import { complianceReport } from './fixtures';

/** A socket whose events the test fires by hand, counting how often it was opened. */
export function handSocket() {
  const handlers = new Map<string, (...args: unknown[]) => void>();
  let opened = 0;
  const socket = {
    on: (event: string, handler: (...args: unknown[]) => void) => (handlers.set(event, handler), socket),
    io: { on: () => undefined, removeAllListeners: () => undefined },
    removeAllListeners: () => socket,
    disconnect: () => socket,
  };
  return {
    connect: () => ((opened += 1), socket as unknown as DashboardSocket),
    opened: () => opened,
    fire: (event: string, ...args: unknown[]) => handlers.get(event)!(...args),
  };
}

/** A fetch answering every query as the server would, counting what is asked. */
export function countingFetch() {
  const asked: string[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    asked.push(`${url.pathname}${url.search}`);
    const body = url.pathname.endsWith('/distribution') ? { from: 'f', to: 't', site: null, standards: [] } : complianceReport();
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { asked, fetch };
}
