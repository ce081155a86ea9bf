// Helpers of the open-clock tests: posting milestones to a real server.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JudgedEvent, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import type { ClocksUpdate } from '../../../server/src/protocol/eventTypes';
import { adminHeaders, type TestServer } from '../support/testServer';

export async function postMilestones(server: Pick<TestServer, 'url' | 'apiKey'>, body: unknown): Promise<{ status: number; contentType: string | null; body: any }> {
  const res = await fetch(`${server.url}/api/v1/milestones`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

/** A milestone of a call at `site` (default "north"), `at` an instant in ms. */
export const callMilestone = (caseId: string, milestone: string, atMs: number, extra: Record<string, unknown> = {}) => ({
  type: 'call', site: 'north', caseId, milestone, at: new Date(atMs).toISOString(), ...extra,
});

export type LiveClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real Socket.IO client of the server, with the admin key. */
function connect(server: Pick<TestServer, 'url' | 'apiKey'>): LiveClient {
  return io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
}

/** The snapshot a fresh connection receives (then disconnects). */
export async function snapshotOf(server: Pick<TestServer, 'url' | 'apiKey'>): Promise<Snapshot> {
  const client = connect(server);
  try {
    return await new Promise<Snapshot>((resolve, reject) => {
      client.once('snapshot', resolve);
      client.once('connect_error', reject);
    });
  } finally {
    client.close();
  }
}

/** The judged event of an id among the server's most recent events. */
export async function recentEvent(server: Pick<TestServer, 'url' | 'apiKey'>, id: string): Promise<JudgedEvent | undefined> {
  return (await snapshotOf(server)).recent.find((e) => e.event.id === id);
}

/** Collects every `clocks` update a client receives; `until` resolves with the first (past or future) that matches. */
export function clockUpdates(client: LiveClient) {
  const seen: ClocksUpdate[] = [];
  const waiting: Array<{ match: (u: ClocksUpdate) => boolean; resolve: (u: ClocksUpdate) => void }> = [];
  client.on('clocks', (update) => {
    seen.push(update);
    for (const w of [...waiting]) {
      if (!w.match(update)) continue;
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(update);
    }
  });
  return {
    seen,
    until: (match: (u: ClocksUpdate) => boolean): Promise<ClocksUpdate> => {
      const found = seen.find(match);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

/** Connects and waits for the snapshot, so nothing pushed afterwards is missed. */
export async function connected(server: Pick<TestServer, 'url' | 'apiKey'>): Promise<{ client: LiveClient; snapshot: Snapshot }> {
  const client = connect(server);
  const snapshot = await new Promise<Snapshot>((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  });
  return { client, snapshot };
}

/** POST JSON with the admin key. */
export function postJson(server: Pick<TestServer, 'url' | 'apiKey'>, path: string, body: unknown): Promise<{ status: number; body: any }> {
  return sendJson(server, 'POST', path, body);
}

/** A request with the admin key, its body (if any) as JSON. */
export async function sendJson(server: Pick<TestServer, 'url' | 'apiKey'>, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const json = body === undefined ? {} : { headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify(body) };
  const res = await fetch(`${server.url}${path}`, { method, headers: adminHeaders(server.apiKey), ...json });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The ready-to-paste complaint standards of docs/standards.md. */
export const COMPLAINT_STANDARDS = [
  { id: 'complaint-ack-4bh', name: 'Complaints acknowledged within 4 business hours', eventType: 'complaint', measure: 'acknowledgeSeconds', threshold: 14_400, target: 0.95, clock: 'business' },
  { id: 'complaint-resolve-3bd', name: 'Complaints resolved within 3 business days', eventType: 'complaint', measure: 'resolveSeconds', threshold: 86_400, target: 0.9, clock: 'business' },
  { id: 'complaint-follow-up-2d', name: 'Followed up within 2 days of resolution', eventType: 'complaint', measure: 'followUpSeconds', threshold: 172_800, target: 0.9 },
];
