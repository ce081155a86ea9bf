// A visit that starts while its site is closed is not counted by a wall-clock standard (countOutsideHours: false),
// so its open clock has no deadline: GET /clocks, the live `clocks` push and the breaches agree with the judgement
// the case gets when it ends (not counted, reason outside-hours). A visit that starts in hours keeps its deadline,
// and a standard that counts outside hours keeps it too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';
import { testClock, type TestClock } from '../support/testClock';
import { clockUpdates, connected, postJson, postMilestones, recentEvent, type LiveClient } from './support';

const MONDAY_8PM = Date.parse('2026-06-01T20:00:00Z');
const TUESDAY_10AM = Date.parse('2026-06-02T10:00:00Z');
const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']]));
const GREET = 'visit-greet-30s';
let server: TestServer;
let clock: TestClock;
let client: LiveClient;

const visit = (caseId: string, milestone: string, atMs: number) => ({ type: 'visit', site: 'harbour', caseId, milestone, at: new Date(atMs).toISOString() });

async function startAt(nowMs: number): Promise<void> {
  clock = testClock(nowMs);
  server = await startTestServer({ clock });
  expect((await postJson(server, '/api/v1/sites', { id: 'harbour', name: 'Harbour desk', timeZone: 'UTC', hours: weekdays })).status).toBe(201);
  client = (await connected(server)).client;
}

afterEach(async () => {
  client.close();
  try {
    await server.close();
  } finally {
    removeDir(server.dataDir);
  }
});

describe('an open visit that started while its site was closed', () => {
  beforeEach(() => startAt(MONDAY_8PM));

  it('has no deadline, never turns at-risk or breached, and is judged not counted when it ends', async () => {
    const updates = clockUpdates(client);
    expect((await postMilestones(server, visit('v1', 'arrived', MONDAY_8PM))).status).toBe(201);
    const opened = await updates.until((u) => u.changed.some((c) => c.caseId === 'v1'));
    const uncounted = { standardId: GREET, standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: null, atRiskAt: null, state: 'running', notCounted: 'outside-hours' };
    expect(opened.changed[0]!.standards).toEqual([uncounted]);

    await clock.advance(31_000);
    const listed = await server.getJson('/api/v1/clocks?type=visit');
    expect(listed.body.clocks).toEqual([expect.objectContaining({ caseId: 'v1', elapsedSeconds: 31, standards: [uncounted] })]);
    expect((await server.getJson('/api/v1/clocks?state=breached')).body.clocks).toEqual([]);
    expect((await server.getJson('/api/v1/clocks?state=at-risk')).body.clocks).toEqual([]);

    await postMilestones(server, visit('v1', 'greeted', MONDAY_8PM + 31_000));
    await updates.until((u) => u.closed.some((k) => k.caseId === 'v1'));
    expect(updates.seen.flatMap((u) => u.breaches)).toEqual([]);
    expect((await recentEvent(server, 'case:visit:harbour:v1'))!.judgements).toEqual([expect.objectContaining({ standardId: GREET, counted: false, met: false, reason: 'outside-hours' })]);
  });

  it('keeps its deadline under a standard that counts outside hours', async () => {
    const counting = { id: 'visit-greet-any-hour', name: 'Visitors greeted within 30 s at any hour', eventType: 'visit', measure: 'greetSeconds', threshold: 30, target: 0.9, countOutsideHours: true };
    expect((await postJson(server, '/api/v1/standards', counting)).status).toBe(201);
    const updates = clockUpdates(client);
    await postMilestones(server, visit('v2', 'arrived', MONDAY_8PM));
    const opened = await updates.until((u) => u.changed.some((c) => c.caseId === 'v2'));
    expect(opened.changed[0]!.standards).toEqual([
      expect.objectContaining({ standardId: GREET, deadline: null, notCounted: 'outside-hours' }),
      { standardId: counting.id, standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: new Date(MONDAY_8PM + 30_000).toISOString(), atRiskAt: new Date(MONDAY_8PM + 24_000).toISOString(), state: 'running' },
    ]);
    await clock.advance(31_000);
    const breach = await updates.until((u) => u.breaches.length > 0);
    expect(breach.breaches.map((b) => b.standardId)).toEqual([counting.id]);
  });
});

describe('an open visit that started in hours', () => {
  beforeEach(() => startAt(TUESDAY_10AM));

  it('keeps its deadline and breaches at it', async () => {
    const updates = clockUpdates(client);
    await postMilestones(server, visit('v3', 'arrived', TUESDAY_10AM));
    const opened = await updates.until((u) => u.changed.some((c) => c.caseId === 'v3'));
    expect(opened.changed[0]!.standards).toEqual([{ standardId: GREET, standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: new Date(TUESDAY_10AM + 30_000).toISOString(), atRiskAt: new Date(TUESDAY_10AM + 24_000).toISOString(), state: 'running' }]);
    await clock.advance(30_001);
    const breach = await updates.until((u) => u.breaches.length > 0);
    expect(breach.breaches).toEqual([expect.objectContaining({ caseId: 'v3', standardId: GREET, missed: true })]);
  });
});
