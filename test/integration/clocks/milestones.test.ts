// POST /api/v1/milestones against a real server: validation, idempotency per pairing key, all-or-nothing batches,
// pairing out of order into the finished event, and POST /events with a caseId closing an open case.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const clock = testClock(T0);
const server = useTestServer({ clock });

describe('POST /api/v1/milestones', () => {
  it('stores a start (201), answers the same again as a duplicate (200) and other content with 409', async () => {
    const first = await postMilestones(server(), callMilestone('a1', 'started', T0 - 5000, { queue: 'sales' }));
    expect(first.status).toBe(201);
    expect(first.body.results).toEqual([expect.objectContaining({ duplicate: false, milestone: expect.objectContaining({ type: 'call', site: 'north', caseId: 'a1', milestone: 'started', queue: 'sales' }) })]);
    const again = await postMilestones(server(), callMilestone('a1', 'started', T0 - 5000, { queue: 'sales' }));
    expect(again.status).toBe(200);
    expect(again.body.results[0]).toEqual({ ...first.body.results[0], duplicate: true });
    const other = await postMilestones(server(), callMilestone('a1', 'started', T0 - 4000, { queue: 'sales' }));
    expect(other.status).toBe(409);
    expect(other.contentType).toMatch(/application\/problem\+json/);
    expect(other.body.errors).toEqual([{ path: 'milestone', message: expect.stringMatching(/already has a different "started" milestone/) }]);
  });

  it('stores nothing of a batch refused with 409, not even the milestones before the one in conflict', async () => {
    const stored = await postMilestones(server(), callMilestone('k1', 'started', T0 - 5000));
    expect(stored.status).toBe(201);
    const refused = await postMilestones(server(), { milestones: [callMilestone('k2', 'started', T0 - 3000), callMilestone('k1', 'started', T0 - 4000)] });
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([{ path: 'milestones.1.milestone', message: expect.stringMatching(/already has a different "started" milestone/) }]);
    // Had the refused batch kept its first item, this would be its duplicate (200) and k2's clock would be running.
    const k2 = await postMilestones(server(), callMilestone('k2', 'started', T0 - 3000));
    expect(k2.status).toBe(201);
    expect(k2.body.results[0].duplicate).toBe(false);
  });

  it('names every bad field with its path, and stores nothing of a batch with one bad item', async () => {
    const res = await postMilestones(server(), { milestones: [callMilestone('b1', 'started', T0 - 1000), { type: 'call', site: 'north', caseId: 'b2', milestone: 'rung', at: 'yesterday' }, callMilestone('b3', 'answered', T0 + 3_600_000)] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'milestones.1.milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "rung")' },
      { path: 'milestones.1.at', message: expect.stringMatching(/RFC 3339/) },
      { path: 'milestones.2.at', message: expect.stringMatching(/in the future/) },
    ]);
    const unknown = await postMilestones(server(), { type: 'parcel', site: 'north', caseId: 'x', milestone: 'started', at: new Date(T0).toISOString() });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ path: 'type', message: 'must be one of call, visit, complaint (got "parcel")' }]);
    const notOfType = await postMilestones(server(), callMilestone('b4', 'greeted', T0));
    expect(notOfType.body.errors).toEqual([{ path: 'milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "greeted")' }]);
    const tooLong = await postMilestones(server(), callMilestone('b5', 'answered', T0, { handleSeconds: 90_000 }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([{ path: 'handleSeconds', message: 'must be at most 86400 (one day)' }]);
  });

  it('refuses a batch over the limit with 413, and an empty one with 400', async () => {
    const many = Array.from({ length: 5001 }, (_, i) => callMilestone(`m${i}`, 'started', T0));
    expect((await postMilestones(server(), { milestones: many })).status).toBe(413);
    expect((await postMilestones(server(), { milestones: [] })).status).toBe(400);
  });

  it('pairs a stop posted before its start into the finished event, judged as POST /events judges it', async () => {
    const stop = await postMilestones(server(), callMilestone('c1', 'answered', T0 - 2000, { agent: 'ana', handleSeconds: 184 }));
    expect(stop.status).toBe(201);
    const start = await postMilestones(server(), callMilestone('c1', 'started', T0 - 15_000, { queue: 'sales' }));
    expect(start.status).toBe(201);
    const posted = await server().postEvents({ id: 'c1-posted', type: 'call', site: 'north', occurredAt: new Date(T0 - 15_000).toISOString(), outcome: 'answered', answerSeconds: 13, queue: 'sales', agent: 'ana' });
    const fromCase = (await recentEvent(server(), 'case:call:north:c1'))!;
    // The stop's handling time is the finished event's.
    expect(fromCase.event).toMatchObject({ type: 'call', outcome: 'answered', answerSeconds: 13, rings: 3, queue: 'sales', agent: 'ana', handleSeconds: 184 });
    expect(fromCase.judgements).toEqual(posted.body.results[0].judgements);
  });

  it('closes an open case with a posted event that names it, and refuses a second event for it (409)', async () => {
    await postMilestones(server(), callMilestone('d1', 'started', T0 - 3000));
    const event = { type: 'call', site: 'north', occurredAt: new Date(T0 - 3000).toISOString(), outcome: 'answered', rings: 1, caseId: 'd1' };
    const first = await server().postEvents({ ...event, id: 'd1-event' });
    expect(first.status).toBe(201);
    expect((await server().postEvents({ ...event, id: 'd1-event' })).status).toBe(200);
    const second = await server().postEvents({ ...event, id: 'd1-other' });
    expect(second.status).toBe(409);
    expect(second.body.errors).toEqual([{ path: 'caseId', message: expect.stringMatching(/has already ended \(by event "d1-event"/) }]);
    // A stop posted afterwards is stored, and makes no second event.
    expect((await postMilestones(server(), callMilestone('d1', 'answered', T0 - 1000))).status).toBe(201);
    expect(await recentEvent(server(), 'case:call:north:d1')).toBeUndefined();
  });

  it('refuses the later of two events for one case in a request (409, as in a request after it), stores nothing of it, and takes the same event twice as one', async () => {
    await postMilestones(server(), callMilestone('d2', 'started', T0 - 3000));
    const event = { type: 'call', site: 'north', occurredAt: new Date(T0 - 3000).toISOString(), outcome: 'answered', rings: 1, caseId: 'd2' };
    const both = await server().postEvents({ events: [{ ...event, id: 'd2-a' }, { ...event, id: 'd2-b' }] });
    expect(both).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-ended$/) } });
    expect(both.body.errors).toEqual([{ path: 'events.1.caseId', message: 'call "d2" at "north" has already ended (by events.0 of this request); a case is one event' }]);
    expect(await recentEvent(server(), 'd2-a')).toBeUndefined();
    // A case never seen before is one event too.
    const unseen = await server().postEvents({ events: [{ ...event, caseId: 'd3', id: 'd3-a' }, { ...event, caseId: 'd3' }] });
    expect(unseen.body.errors).toEqual([{ path: 'events.1.caseId', message: 'call "d3" at "north" has already ended (by events.0 of this request); a case is one event' }]);
    const twice = await server().postEvents({ events: [{ ...event, id: 'd2-a' }, { ...event, id: 'd2-a' }] });
    expect(twice.status).toBe(201);
    expect(twice.body.results.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([false, true]);
  });
});
