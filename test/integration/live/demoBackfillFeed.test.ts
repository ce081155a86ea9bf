// A fresh demo's history is received when its source would have posted it, not at the start second: the live feed's
// newest rows (the snapshot's `recent`, ordered by when each was received) are the history's last seconds of calls and
// visits, each at its own time. Stored all at once, every backfilled record was received at the start, and the
// complaints closed in the history (stored last) were the feed's newest rows, some forty "Complaint · followed up"
// at the start second. A record that arrives now stays news however old it is: a late event is received now.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { Snapshot } from '../../../server/src/protocol';
import { captureLog } from '../support/serverLog';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/testServer';

const START = Date.parse('2026-03-04T15:00:00Z');
const clock = testClock(START);
let server: TestServer;
let client: Socket | undefined;

beforeAll(async () => {
  const log = captureLog();
  try {
    server = await startTestServer({ clock, demo: true, demoSeed: 5, logLevel: 'info' });
    await vi.waitFor(() => expect(log.lines().some((l) => l.msg === 'demo traffic started')).toBe(true), { timeout: 60_000, interval: 50 });
  } finally {
    log.stop();
  }
}, 90_000);
afterAll(async () => {
  client?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

it("fills the feed's newest rows with the history's last calls and visits, each received at its own time", async () => {
  client = io(server.url, { forceNew: true, reconnection: false, auth: { token: TEST_ADMIN_KEY } });
  const snapshot = await new Promise<Snapshot>((resolve, reject) => {
    client!.once('snapshot', resolve);
    client!.once('connect_error', reject);
  });
  const rows = snapshot.recent.map(({ event }) => ({ type: event.type, receivedMs: Date.parse(event.receivedAt), occurredMs: Date.parse(event.occurredAt) }));
  expect(rows).toHaveLength(50);
  expect(rows.filter((r) => r.type === 'complaint').length).toBeLessThanOrEqual(1);
  for (const r of rows) {
    expect(r.receivedMs).toBeLessThanOrEqual(START);
    expect(r.receivedMs).toBeGreaterThanOrEqual(r.occurredMs);
  }
  // Newest first and spread over the history's last half minute or so (about two a second): not one instant.
  expect(rows.map((r) => r.receivedMs)).toEqual([...rows.map((r) => r.receivedMs)].sort((a, b) => b - a));
  expect(new Set(rows.map((r) => r.receivedMs)).size).toBeGreaterThan(15);
  expect(rows.filter((r) => r.receivedMs === START).length).toBeLessThanOrEqual(5);
  // The history's complaints were stored too: the week holds every closed one, received when it was followed up.
  const exported = (await server.getJson(`/api/v1/export/events?format=json&from=${new Date(START - 8 * 86_400_000).toISOString()}&to=${new Date(START).toISOString()}`)).body.rows as Array<{ type: string; received_at_ms: number }>;
  const week = exported.filter((r) => r.type === 'complaint');
  expect(week.length).toBeGreaterThan(10);
  expect(week.filter((r) => r.received_at_ms === START)).toEqual([]);
});

it('still takes a late event as received now: it arrived now, and the live feed shows it when it came', async () => {
  const occurredAt = new Date(clock.now() - 3 * 3_600_000).toISOString();
  const res = await fetch(`${server.url}/api/v1/events`, {
    method: 'POST',
    headers: { ...adminHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'call', site: 'harbour', occurredAt, outcome: 'answered', rings: 1 }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { results: Array<{ event: { receivedAt: string; occurredAt: string } }> };
  expect(Date.parse(body.results[0]!.event.receivedAt)).toBe(clock.now());
});
