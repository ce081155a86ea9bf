// Shared by the alert tests: a clock origin, scripted calls and a webhook receiver.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Incident, IncidentWebhookBody } from '../../../server/src/protocol';
import { call } from './testServer';

export const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Receiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: IncidentWebhookBody; answered: number }>;
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
      requests.push({ headers: req.headers, body: JSON.parse(text) as IncidentWebhookBody, answered });
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

/** Where the alert tests start their server's clock: a whole minute, four days back, so nothing they post is
 *  ahead of the wall clock either. */
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

/** No hold times: an incident opens, changes and recovers on the evaluation that wants it. */
export const NO_HOLDS = { openAfterMs: 0, escalateAfterMs: 0, deescalateAfterMs: 0, recoverAfterMs: 0 };
/** Band conditions only (burn-rate rules off) and no hold times, to keep a test about something else small. */
export const BANDS_ONLY = { burnRules: [], ...NO_HOLDS };
export const state = (i: Incident) => [i.id, i.site, i.state, i.severity];
