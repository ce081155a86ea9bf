// Deadlines on the server's injected clock: a call ringing turns at-risk at 80 % of its limit and breaches at its
// deadline with no further request (pushed live at once, the miss recorded with reason 'deadline'); a late stop
// records its real measure without changing the recorded verdict, unless it was timed before the deadline (held on
// its way): then the case is judged by its own times; a case left open past maxOpen expires.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';
import { testClock, type TestClock } from '../support/testClock';
import { callMilestone, clockUpdates, connected, postMilestones, recentEvent, type LiveClient } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const CALLS = 'call-answer-2-rings'; // ≤ 2 rings at 6 s a ring: a miss from 12 s on
let server: TestServer;
let clock: TestClock;
let client: LiveClient;

beforeEach(async () => {
  clock = testClock(T0);
  server = await startTestServer({ clock });
  client = (await connected(server)).client;
});
afterEach(async () => {
  client.close();
  try {
    await server.close();
  } finally {
    removeDir(server.dataDir);
  }
});

describe('deadlines on the server clock', () => {
  it('lists a ringing call, turns it at-risk, breaches it at its deadline with no request, and judges it missed then', async () => {
    const updates = clockUpdates(client);
    expect((await postMilestones(server, callMilestone('r1', 'started', T0))).status).toBe(201);
    const opened = await updates.until((u) => u.changed.some((c) => c.caseId === 'r1'));
    expect(opened.changed[0]).toMatchObject({ type: 'call', site: 'north', caseId: 'r1', startedAt: new Date(T0).toISOString(), standards: [{ standardId: CALLS, state: 'running', deadline: new Date(T0 + 12_000).toISOString(), atRiskAt: new Date(T0 + 9_600).toISOString() }] });
    const listed = await server.getJson('/api/v1/clocks?type=call');
    expect(listed.body.clocks).toEqual([expect.objectContaining({ caseId: 'r1', elapsedSeconds: 0 })]);

    await clock.advance(9_600);
    await updates.until((u) => u.changed.some((c) => c.caseId === 'r1' && c.standards[0]!.state === 'at-risk'));
    expect((await server.getJson('/api/v1/clocks?state=at-risk')).body.clocks.map((c: { caseId: string }) => c.caseId)).toEqual(['r1']);

    await clock.advance(2_400);
    const breach = await updates.until((u) => u.breaches.length > 0);
    expect(breach.breaches).toEqual([{ type: 'call', site: 'north', caseId: 'r1', standardId: CALLS, standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: new Date(T0 + 12_000).toISOString(), missed: true }]);
    expect(breach.serverTime).toBe(new Date(T0 + 12_000).toISOString());
    const breached = await server.getJson('/api/v1/clocks?state=breached');
    expect(breached.body.clocks).toEqual([expect.objectContaining({ caseId: 'r1', elapsedSeconds: 12, standards: [expect.objectContaining({ state: 'breached' })] })]);

    // Answered late: the event carries the real measure (4th ring), the verdict stays the deadline's.
    await clock.advance(8_000);
    await postMilestones(server, callMilestone('r1', 'answered', T0 + 20_000));
    await updates.until((u) => u.closed.some((k) => k.caseId === 'r1'));
    const judged = await recentEvent(server, 'case:call:north:r1');
    expect(judged!.event).toMatchObject({ outcome: 'answered', answerSeconds: 20, rings: 4 });
    expect(judged!.judgements).toEqual([{ standardId: CALLS, standardVersion: 1, measure: 'rings', value: 4, threshold: 2, met: false, counted: true, reason: 'deadline' }]);
    expect((await server.getJson('/api/v1/clocks')).body.clocks).toEqual([]);
  });

  it('judges by its own time a stop timed before the deadline that arrives after it (held on the way): met, though the breach was pushed and the miss recorded', async () => {
    const updates = clockUpdates(client);
    await postMilestones(server, callMilestone('h1', 'started', T0));
    await clock.advance(12_000);
    expect((await updates.until((u) => u.breaches.length > 0)).breaches).toEqual([expect.objectContaining({ caseId: 'h1', missed: true })]);
    expect((await server.getJson('/api/v1/clocks?state=breached')).body.clocks[0].standards[0]).toMatchObject({ judged: { met: false, reason: 'deadline' } });

    // Answered on the first ring (5 s), the milestone delivered 25 s later.
    await clock.advance(18_000);
    expect((await postMilestones(server, callMilestone('h1', 'answered', T0 + 5_000))).status).toBe(201);
    await updates.until((u) => u.closed.some((k) => k.caseId === 'h1'));
    const judged = await recentEvent(server, 'case:call:north:h1');
    expect(judged!.event).toMatchObject({ outcome: 'answered', answerSeconds: 5, rings: 1 });
    expect(judged!.judgements).toEqual([{ standardId: CALLS, standardVersion: 1, measure: 'rings', value: 1, threshold: 2, met: true, counted: true, reason: null }]);
    const figures = await server.getJson(`/api/v1/compliance?standard=${CALLS}&site=north&from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`);
    expect(figures.body.standards[0]).toMatchObject({ met: 1, total: 1, ratio: 1 });
  });

  it('judges a stop inside the limit met when it arrives, and pushes the case closed', async () => {
    const updates = clockUpdates(client);
    await postMilestones(server, callMilestone('q1', 'started', T0 - 5_000));
    await postMilestones(server, callMilestone('q1', 'answered', T0 - 1_000));
    await updates.until((u) => u.closed.some((k) => k.caseId === 'q1'));
    expect((await recentEvent(server, 'case:call:north:q1'))!.judgements).toEqual([expect.objectContaining({ value: 1, met: true, counted: true, reason: null })]);
    expect(updates.seen.flatMap((u) => u.breaches)).toEqual([]);
  });

  it('closes a call left ringing past maxOpen (2 h) as expired: abandoned at the expiry, the miss its deadline recorded kept', async () => {
    const updates = clockUpdates(client);
    await postMilestones(server, callMilestone('x1', 'started', T0));
    await clock.skipTo(T0 + 2 * 3_600_000);
    await updates.until((u) => u.closed.some((k) => k.caseId === 'x1'));
    const judged = await recentEvent(server, 'case:call:north:x1');
    expect(judged!.event).toMatchObject({ outcome: 'abandoned', answerSeconds: 7200 });
    expect(judged!.judgements).toEqual([expect.objectContaining({ standardId: CALLS, met: false, counted: true, reason: 'deadline' })]);
    expect((await server.getJson('/api/v1/clocks')).body.clocks).toEqual([]);
  });

  it('validates the query of GET /clocks with problem+json', async () => {
    const bad = await server.getJson('/api/v1/clocks?state=late&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.contentType).toMatch(/application\/problem\+json/);
    expect(bad.body.errors).toEqual(expect.arrayContaining([{ path: 'state', message: 'must be one of open, at-risk, breached (got "late")' }, { path: 'colour', message: 'is not a known parameter (known: type, site, state)' }]));
    const unknownType = await server.getJson('/api/v1/clocks?type=parcel');
    expect(unknownType.body.errors).toEqual([{ path: 'type', message: 'must be one of call, visit, complaint (got "parcel")' }]);
  });

  it('lists the event types with their milestones and measures', async () => {
    const res = await server.getJson('/api/v1/event-types');
    expect(res.status).toBe(200);
    expect(res.body.eventTypes.map((t: { id: string }) => t.id)).toEqual(['call', 'visit', 'complaint']);
    expect(res.body.eventTypes[2]).toMatchObject({ measures: [{ id: 'acknowledgeSeconds', from: 'received', to: 'acknowledged' }, { id: 'resolveSeconds', from: 'received', to: 'resolved' }, { id: 'followUpSeconds', from: 'resolved', to: 'followedUp' }], maxOpenSeconds: 90 * 86_400 });
  });
});
