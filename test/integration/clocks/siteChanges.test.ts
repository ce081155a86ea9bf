// A site changed (PATCH, PUT) or retired (DELETE) while its cases are open: the open clocks take its new settings at
// once, as the judgement of the case's end does (services/ingest reads the site as stored when it judges). GET
// /clocks, the live `clocks` push and the snapshot show the new deadlines, the timer fires at-risk and breach at the
// new instants, and a stop at the deadline shown is judged as the clock said. Real server, injected clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { startTestServer, type TestServer } from '../support/testServer';
import { testClock, type TestClock } from '../support/testClock';
import { clockUpdates, COMPLAINT_STANDARDS, connected, postJson, postMilestones, recentEvent, sendJson, type LiveClient } from './support';

const MONDAY_3PM = Date.parse('2026-06-01T15:00:00Z');
const MONDAY_8PM = Date.parse('2026-06-01T20:00:00Z');
const TUESDAY_10AM = Date.parse('2026-06-02T10:00:00Z');
const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']]));
const ACK = 'complaint-ack-4bh';
const GREET = 'visit-greet-30s';
const RINGS = 'call-answer-2-rings';
const iso = (ms: number) => new Date(ms).toISOString();
let server: TestServer;
let clock: TestClock;
let client: LiveClient;

async function startAt(nowMs: number, ...standards: unknown[]): Promise<void> {
  clock = testClock(nowMs);
  server = await startTestServer({ clock });
  for (const s of standards) expect((await postJson(server, '/api/v1/standards', s)).status).toBe(201);
  expect((await postJson(server, '/api/v1/sites', { id: 'harbour', timeZone: 'UTC', hours: weekdays })).status).toBe(201);
  client = (await connected(server)).client;
}

afterEach(async () => {
  client.close();
  await server.close();
});

const milestone = (type: string, caseId: string, name: string, atMs: number) => ({ type, site: 'harbour', caseId, milestone: name, at: iso(atMs) });

/** Posts milestones (stored, or the test fails there) and waits for the looks they asked for. */
async function post(...milestones: unknown[]): Promise<void> {
  expect((await postMilestones(server, { milestones })).status).toBe(201);
  await server.testApi.clocksIdle();
}

/** Posts the start of a case and waits until it is pushed open; answers the updates the client received. */
async function opened(type: string, caseId: string, startName: string, atMs: number) {
  const updates = clockUpdates(client);
  await post(milestone(type, caseId, startName, atMs));
  await updates.until((u) => u.changed.some((c) => c.caseId === caseId));
  return updates;
}

/** Changes the harbour site through the API and waits for the open clocks to take it. */
async function changeSite(method: 'PUT' | 'PATCH', body: unknown): Promise<void> {
  expect((await sendJson(server, method, '/api/v1/sites/harbour', body)).status).toBe(200);
  await server.testApi.clocksIdle();
}

/** Moves the server's clock on by `ms` (firing the timers due at their instants) and waits for the looks. */
async function advance(ms: number): Promise<void> {
  await clock.advance(ms);
  await server.testApi.clocksIdle();
}

/** Moves the server's clock to `atMs` (firing the timers due) and waits for the looks they asked for. */
async function skipTo(atMs: number): Promise<void> {
  await clock.skipTo(atMs);
  await server.testApi.clocksIdle();
}

/** Expects `caseId`'s `standardId` breached and missed at its deadline now, on GET /clocks and as a pushed breach. */
async function expectBreached(updates: ReturnType<typeof clockUpdates>, caseId: string, standardId: string, deadline: string): Promise<void> {
  expect(await listed(caseId, standardId)).toMatchObject({ state: 'breached', deadline, judged: { met: false, reason: 'deadline' } });
  const breach = await updates.until((u) => u.breaches.some((b) => b.caseId === caseId));
  expect(breach).toMatchObject({ serverTime: iso(clock.now()), breaches: [{ caseId, standardId, deadline, missed: true }] });
}

/** The standing of `standardId` on the open case `caseId`, as GET /clocks lists it now. */
async function listed(caseId: string, standardId: string) {
  const clocks = (await server.getJson('/api/v1/clocks')).body.clocks as Array<{ caseId: string; standards: Array<{ standardId: string }> }>;
  return clocks.find((c) => c.caseId === caseId)?.standards.find((s) => s.standardId === standardId);
}

/** The judgement of `standardId` on the finished event of the closed case `caseId`. */
async function judged(type: string, caseId: string, standardId: string) {
  return (await recentEvent(server, `case:${type}:harbour:${caseId}`))?.judgements.find((j) => j.standardId === standardId);
}

describe('a business-clock deadline when the site’s hours change', () => {
  it('moves on GET /clocks, the live push and the snapshot, fires at the new instants, and is the deadline the judgement uses', async () => {
    await startAt(MONDAY_3PM, ...COMPLAINT_STANDARDS);
    const updates = await opened('complaint', 'K-1', 'received', MONDAY_3PM);
    await post(milestone('complaint', 'K-2', 'received', MONDAY_3PM));
    // 4 business hours from Monday 15:00 on 09:00–17:00: Monday 15–17, Tuesday 09–11.
    expect(await listed('K-1', ACK)).toMatchObject({ deadline: '2026-06-02T11:00:00.000Z', atRiskAt: '2026-06-02T10:12:00.000Z' });

    const snapshot = new Promise<Snapshot>((resolve) => client.once('snapshot', resolve));
    await changeSite('PATCH', { hours: { mon: ['09:00-19:00'] } });
    // Open until 19:00 on Mondays: the 4 business hours are Monday 15–19.
    const moved = { standardId: ACK, standardVersion: 1, standardLabel: 'Complaints ≤ 4 h', deadline: '2026-06-01T19:00:00.000Z', atRiskAt: '2026-06-01T18:12:00.000Z', state: 'running' };
    expect(await listed('K-1', ACK)).toEqual(moved);
    const pushed = await updates.until((u) => u.changed.some((c) => c.caseId === 'K-1' && c.standards[0]!.deadline === moved.deadline));
    expect(pushed.changed.find((c) => c.caseId === 'K-1')!.standards[0]).toEqual(moved);
    expect((await snapshot).openClocks?.find((c) => c.caseId === 'K-1')?.standards[0]).toEqual(moved);

    await skipTo(Date.parse(moved.atRiskAt));
    expect(await listed('K-1', ACK)).toMatchObject({ state: 'at-risk' });
    const atRisk = await updates.until((u) => u.changed.some((c) => c.caseId === 'K-1' && c.standards[0]!.state === 'at-risk'));
    expect(atRisk.serverTime).toBe(moved.atRiskAt);

    // A stop at the deadline shown meets: exactly the threshold in business seconds, by the settings the clock used.
    await skipTo(Date.parse(moved.deadline));
    await post(milestone('complaint', 'K-2', 'acknowledged', Date.parse(moved.deadline)));
    expect(await listed('K-2', ACK)).toBeUndefined();

    // The site is closed from 19:00: the first instant past 4 business hours is Tuesday 09:00:00.001.
    const firstMiss = Date.parse('2026-06-02T09:00:00.001Z');
    await skipTo(firstMiss - 1);
    expect(await listed('K-1', ACK)).toMatchObject({ state: 'at-risk' });
    await skipTo(firstMiss);
    await expectBreached(updates, 'K-1', ACK, moved.deadline);

    for (const m of ['resolved', 'followedUp']) await post(milestone('complaint', 'K-2', m, firstMiss));
    await skipTo(TUESDAY_10AM);
    await post(...['acknowledged', 'resolved', 'followedUp'].map((m) => milestone('complaint', 'K-1', m, TUESDAY_10AM)));
    expect(await judged('complaint', 'K-2', ACK)).toMatchObject({ value: 14_400, met: true, counted: true, reason: null });
    expect(await judged('complaint', 'K-1', ACK)).toMatchObject({ value: 18_000, met: false, counted: true, reason: 'deadline' });
  });

  it('moves to the defaults when the site is retired: open around the clock, as its end is then judged', async () => {
    await startAt(MONDAY_3PM, ...COMPLAINT_STANDARDS);
    await opened('complaint', 'K-3', 'received', MONDAY_3PM);
    expect((await sendJson(server, 'DELETE', '/api/v1/sites/harbour')).status).toBe(200);
    await server.testApi.clocksIdle();
    const deadline = MONDAY_3PM + 4 * 3_600_000;
    expect(await listed('K-3', ACK)).toEqual({ standardId: ACK, standardVersion: 1, standardLabel: 'Complaints ≤ 4 h', deadline: iso(deadline), atRiskAt: iso(MONDAY_3PM + 3.2 * 3_600_000), state: 'running' });

    await skipTo(deadline);
    await post(...['acknowledged', 'resolved', 'followedUp'].map((m) => milestone('complaint', 'K-3', m, deadline)));
    expect(await judged('complaint', 'K-3', ACK)).toMatchObject({ value: 14_400, met: true, counted: true });
  });
});

describe('a wall-clock standard without countOutsideHours when the site’s hours change', () => {
  it('counts a visit that arrived while closed once the hours say the site was open then: deadline, breach, verdict', async () => {
    await startAt(MONDAY_8PM);
    const updates = await opened('visit', 'v1', 'arrived', MONDAY_8PM);
    expect(await listed('v1', GREET)).toMatchObject({ deadline: null, notCounted: 'outside-hours' });

    await changeSite('PATCH', { hours: { mon: ['09:00-24:00'] } });
    expect(await listed('v1', GREET)).toEqual({ standardId: GREET, standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: iso(MONDAY_8PM + 30_000), atRiskAt: iso(MONDAY_8PM + 24_000), state: 'running' });

    await advance(30_001);
    await expectBreached(updates, 'v1', GREET, iso(MONDAY_8PM + 30_000));
    await post(milestone('visit', 'v1', 'greeted', MONDAY_8PM + 31_000));
    expect(await judged('visit', 'v1', GREET)).toMatchObject({ counted: true, met: false, reason: 'deadline' });
  });

  it('no longer counts a visit once the hours say the site was closed when it arrived: no deadline, no breach, not counted', async () => {
    await startAt(TUESDAY_10AM);
    const updates = await opened('visit', 'v2', 'arrived', TUESDAY_10AM);
    expect(await listed('v2', GREET)).toMatchObject({ deadline: iso(TUESDAY_10AM + 30_000) });

    await changeSite('PATCH', { hours: { tue: null } });
    const uncounted = { standardId: GREET, standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: null, atRiskAt: null, state: 'running', notCounted: 'outside-hours' };
    expect(await listed('v2', GREET)).toEqual(uncounted);

    await advance(40_000);
    expect(await listed('v2', GREET)).toEqual(uncounted);
    await post(milestone('visit', 'v2', 'greeted', TUESDAY_10AM + 40_000));
    await updates.until((u) => u.closed.some((k) => k.caseId === 'v2'));
    expect(updates.seen.flatMap((u) => u.breaches)).toEqual([]);
    expect(await judged('visit', 'v2', GREET)).toMatchObject({ counted: false, reason: 'outside-hours' });
  });
});

describe('a rings deadline when the site’s ring cycle changes (PUT)', () => {
  it('moves to the new cycle and breaches there; the answer is judged in rings of that cycle', async () => {
    await startAt(TUESDAY_10AM);
    const updates = await opened('call', 'c1', 'started', TUESDAY_10AM);
    expect(await listed('c1', RINGS)).toMatchObject({ deadline: iso(TUESDAY_10AM + 12_000) });

    await changeSite('PUT', { id: 'harbour', name: 'harbour', timeZone: 'UTC', ringCycleSeconds: 3, hours: weekdays, holidays: [] });
    // Two rings of 3 s: an answer before 6 s meets.
    expect(await listed('c1', RINGS)).toEqual({ standardId: RINGS, standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: iso(TUESDAY_10AM + 6_000), atRiskAt: iso(TUESDAY_10AM + 4_800), state: 'running' });

    await advance(6_000);
    await expectBreached(updates, 'c1', RINGS, iso(TUESDAY_10AM + 6_000));
    await post(milestone('call', 'c1', 'answered', TUESDAY_10AM + 7_000));
    expect(await judged('call', 'c1', RINGS)).toMatchObject({ value: 3, met: false, reason: 'deadline' });
  });
});
