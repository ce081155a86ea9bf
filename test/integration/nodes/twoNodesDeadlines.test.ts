// Two Ringside nodes on one PostgreSQL database, sharing one (fake) clock: both watch the same open case (it was open
// when node B started), both timers fire at its deadline, and the breach is pushed once in all (by the node whose
// claim the store took first) and its miss recorded once; the case then closes once, its finished event judged by
// that miss. Without Redis, each node pushes to its own clients only, so the two clients together see each push once.
// A case opened or closed through one node reaches the other at once: the commit notifies it (LISTEN/NOTIFY).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClocksUpdate } from '../../../server/src/protocol/eventTypes';
import { callMilestone, clockUpdates, connected, postMilestones, recentEvent, type LiveClient } from '../clocks/support';
import { testDatabases } from '../support/postgres';
import { testClock, type TestClock } from '../support/testClock';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const CALLS = 'call-answer-2-rings'; // ≤ 2 rings at 6 s a ring: breached at 12 s
const databases = testDatabases('ringside_nodes_deadlines');
let databaseUrl: string;
let clock: TestClock;
let a: TestServer;
let b: TestServer;
const clients: LiveClient[] = [];
let updates: Array<ReturnType<typeof clockUpdates>> = [];

beforeAll(async () => {
  databaseUrl = await databases.create();
  clock = testClock(T0);
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock });
  expect((await postMilestones(a, callMilestone('r1', 'started', T0))).status).toBe(201);
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock }); // loads the case open in the store
});
afterAll(async () => {
  for (const c of clients) c.close();
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

/** Resolves once every push the node sent this client before now has arrived (a reply comes after them on one socket). */
const caughtUp = (client: LiveClient) => new Promise<unknown>((resolve) => client.emit('replay', {}, resolve));

async function count(sql: string): Promise<number> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return Number((await db.query(sql)).rows[0].n);
  } finally {
    await db.end();
  }
}

it('both nodes watch the case; at its deadline the breach is pushed once and the miss recorded once', async () => {
  const onA = await connected(a);
  const onB = await connected(b);
  clients.push(onA.client, onB.client);
  for (const { snapshot } of [onA, onB]) expect(snapshot.openClocks?.map((c) => c.caseId)).toEqual(['r1']);
  updates = [clockUpdates(onA.client), clockUpdates(onB.client)];

  await clock.advance(12_000); // both nodes' timers fire at the deadline
  await Promise.all([a.testApi.clocksIdle(), b.testApi.clocksIdle()]);
  await Promise.all([caughtUp(onA.client), caughtUp(onB.client)]);

  const breaches = updates.flatMap((u) => u.seen.flatMap((s: ClocksUpdate) => s.breaches));
  expect(breaches).toEqual([{ type: 'call', site: 'north', caseId: 'r1', standardId: CALLS, standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: new Date(T0 + 12_000).toISOString(), missed: true }]);
  expect(await count('SELECT COUNT(*) AS n FROM case_breaches')).toBe(1);
  expect(await count("SELECT COUNT(*) AS n FROM case_judgements WHERE reason = 'deadline'")).toBe(1);
  // Both still list it, breached.
  for (const server of [a, b]) expect((await server.getJson('/api/v1/clocks?state=breached')).body.clocks.map((c: { caseId: string }) => c.caseId)).toEqual(['r1']);

  // A later look (another deadline elsewhere, a restart) does not announce it again.
  await clock.advance(1_000);
  await Promise.all([a.testApi.clocksIdle(), b.testApi.clocksIdle(), caughtUp(onA.client), caughtUp(onB.client)]);
  expect(updates.flatMap((u) => u.seen.flatMap((s: ClocksUpdate) => s.breaches))).toHaveLength(1);
});

it('the case expires once, on both nodes at the same instant: one finished event, judged by the recorded miss', async () => {
  await clock.skipTo(T0 + 2 * 3_600_000);
  await Promise.all([a.testApi.clocksIdle(), b.testApi.clocksIdle()]);
  expect(await count("SELECT COUNT(*) AS n FROM events WHERE id = 'case:call:north:r1'")).toBe(1);
  expect(await count("SELECT COUNT(*) AS n FROM cases WHERE state = 'closed'")).toBe(1);
  const judged = await recentEvent(b, 'case:call:north:r1');
  expect(judged!.judgements).toEqual([expect.objectContaining({ standardId: CALLS, met: false, counted: true, reason: 'deadline' })]);
  // The node that did not close it finds it closed in the store, stops listing it and tells its clients.
  for (const server of [a, b]) expect((await server.getJson('/api/v1/clocks')).body.clocks).toEqual([]);
  for (const u of updates) await u.until((s) => s.closed.some((k) => k.caseId === 'r1'));
});

it('a case opened through node A is watched by node B at once (A\'s commit notifies it), and dropped when A ends it', async () => {
  const onB = await connected(b);
  clients.push(onB.client);
  const seen = clockUpdates(onB.client);
  expect((await postMilestones(a, callMilestone('r2', 'started', clock.now()))).status).toBe(201);
  await seen.until((u) => u.changed.some((c) => c.caseId === 'r2')); // no clock moved: the notification did it
  expect((await b.getJson('/api/v1/clocks')).body.clocks.map((c: { caseId: string }) => c.caseId)).toEqual(['r2']);
  // Answered through node A: node B drops it as soon as A's commit is heard.
  expect((await postMilestones(a, callMilestone('r2', 'answered', clock.now()))).status).toBe(201);
  await seen.until((u) => u.closed.some((k) => k.caseId === 'r2'));
  expect((await b.getJson('/api/v1/clocks')).body.clocks).toEqual([]);
  expect(await count('SELECT COUNT(*) AS n FROM case_breaches')).toBe(1);
});
