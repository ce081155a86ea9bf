// A 409 for an id (or a milestone's pairing key) reused with other content names each field that differs: an
// integrator whose "retry" was refused sees whether a value changed or the same instant was written another way, on
// both stores. A stored content's values are not shown (a key that may write need not be one that may read); two
// items of one request are shown with both values.
import { describe, expect, it } from 'vitest';
import { call, useTestServer, visit } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones } from '../clocks/support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const server = useTestServer({ clock: testClock(T0) });

describe('409 answers name what differs', () => {
  it('an event id stored before: each differing field, a field left out too, and none of the stored values', async () => {
    const first = call({ id: 'diff-1', occurredAt: '2026-06-01T09:00:00+00:00', answerSeconds: 9, rings: undefined, agent: 'ana' });
    expect((await server().postEvents(first)).status).toBe(201);
    const res = await server().postEvents({ ...first, occurredAt: '2026-06-01T09:00:00Z', answerSeconds: 10, queue: 'support' });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{
      path: 'id',
      message: expect.stringMatching(/^id "diff-1" was already used for a different event \(seq \d+\): answerSeconds, occurredAt, queue differ$/),
    }]);
  });

  it('one id twice in a batch: the field, labelled by the two items', async () => {
    const res = await server().postEvents({ events: [visit({ id: 'diff-2', occurredAt: '2026-06-01T09:00:00Z', greetSeconds: 1 }), visit({ id: 'diff-2', occurredAt: '2026-06-01T09:00:00Z', greetSeconds: 2 })] });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{ path: 'events.1.id', message: 'events.0.id and events.1.id are the same id ("diff-2") with different content: greetSeconds differs (events.0 1, events.1 2)' }]);
  });

  it('a milestone posted again with another agent, and a milestone id used for another milestone', async () => {
    expect((await postMilestones(server(), callMilestone('d1', 'started', T0 - 5000, { id: 'ms-d1' }))).status).toBe(201);
    const key = await postMilestones(server(), callMilestone('d1', 'started', T0 - 5000, { id: 'ms-d1', agent: 'bo' }));
    expect(key.status).toBe(409);
    expect(key.body.errors).toEqual([{ path: 'milestone', message: expect.stringMatching(/^call "d1" at "north" already has a different "started" milestone \(seq \d+\): agent differs; a milestone is posted once$/) }]);
    const id = await postMilestones(server(), callMilestone('d2', 'started', T0 - 5000, { id: 'ms-d1' }));
    expect(id.status).toBe(409);
    expect(id.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "ms-d1" was already used for a different milestone \(seq \d+\): caseId differs$/) }]);
  });

  it('one milestone twice in a request: the field, labelled by the two items', async () => {
    const res = await postMilestones(server(), { milestones: [callMilestone('d3', 'started', T0 - 5000), callMilestone('d3', 'started', T0 - 4000)] });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{
      path: 'milestones.1.milestone',
      message: 'milestones.0 and milestones.1 are the same milestone of one case with different content: at differs (milestones.0 "2026-06-01T09:59:55.000Z", milestones.1 "2026-06-01T09:59:56.000Z")',
    }]);
  });
});
