// Shared by the alert tests: a clock origin, scripted calls, a webhook receiver and a polling helper.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, AlertWebhookBody } from '../../../server/src/protocol';
import { call } from './testServer';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Receiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: AlertWebhookBody; answered: number }>;
  close(): Promise<void>;
}

/** A webhook receiver answering 500 to its first `failFirst` requests, then 204. */
export async function startReceiver(failFirst = 0): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const answered = requests.length < failFirst ? 500 : 204;
      requests.push({ headers: req.headers, body: JSON.parse(text) as AlertWebhookBody, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ringside`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Four days back, on a whole minute: every window (up to 3 days) fits, and nothing is "in the future". */
export const T0 = Math.floor((Date.now() - 4 * DAY) / MINUTE) * MINUTE;
let seq = 0;
/** `good` calls answered on ring 1 and `bad` on ring 5, all occurring at `atMs`. */
export function calls(good: number, bad: number, atMs: number, site = 'downtown') {
  const at = new Date(atMs).toISOString();
  return [
    ...Array.from({ length: good }, () => call({ id: `c-${++seq}`, site, occurredAt: at, rings: 1 })),
    ...Array.from({ length: bad }, () => call({ id: `c-${++seq}`, site, occurredAt: at, rings: 5 })),
  ];
}

/** Band alerts for all sites together only (burn-rate rules off), to keep a test about something else small. */
export const BANDS_ONLY = { perSite: false, burnRules: [] };
export const summary = (a: Alert) => [a.id, a.kind, a.severity, a.state, a.previousId];
