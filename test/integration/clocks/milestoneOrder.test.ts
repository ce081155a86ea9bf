// POST /api/v1/milestones refuses a milestone that would time a stop before its case's start (or a measure's end
// before its beginning), in either arrival order and within a batch: 409 naming `at` and the other milestone's time,
// nothing of the request stored, the chain as it was. A negative wait is never measured as 0 and judged met.
import { describe, expect, it } from 'vitest';
import { chainHead, useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-06-01T18:31:00Z');
const at = (hhmmss: string) => Date.parse(`2026-06-01T${hhmmss}Z`);
const lobby = (caseId: string, milestone: string, hhmmss: string) => callMilestone(caseId, milestone, at(hhmmss), { site: 'lobby' });

const server = useTestServer({ clock: testClock(T0) });

const head = () => chainHead(server());
const intact = async () => expect((await server().getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true, problems: [] });

describe('milestones timed out of order', () => {
  it('refuses a start timed after its case’s stored stop (409 naming at and the stop’s time), stores nothing, then takes the right start', async () => {
    expect((await postMilestones(server(), lobby('c-3', 'answered', '18:29:30'))).status).toBe(201);
    const before = await head();
    const late = await postMilestones(server(), lobby('c-3', 'started', '18:30:00'));
    expect(late.status).toBe(409);
    expect(late.contentType).toMatch(/application\/problem\+json/);
    const message = 'is after the case\'s "answered" milestone (stored, at 2026-06-01T18:29:30.000Z): a call\'s "answered" cannot be timed before its "started"';
    expect(late.body).toMatchObject({ status: 409, type: expect.stringMatching(/\/milestone-order$/), title: 'Milestone out of order with its case', errors: [{ path: 'at', message }] });
    expect(late.body.detail).toBe(`${message}; nothing from this request was stored`);
    expect(await head()).toEqual(before);
    expect(await recentEvent(server(), 'case:call:lobby:c-3')).toBeUndefined();
    await intact();

    expect((await postMilestones(server(), lobby('c-3', 'started', '18:29:00'))).status).toBe(201);
    expect(await recentEvent(server(), 'case:call:lobby:c-3')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 30, occurredAt: '2026-06-01T18:29:00.000Z' } });
  });

  it('refuses a stop timed before its case’s stored start, an abandonment as much as an answer', async () => {
    expect((await postMilestones(server(), lobby('c-4', 'started', '18:30:00'))).status).toBe(201);
    const before = await head();
    for (const stop of ['answered', 'abandoned']) {
      const early = await postMilestones(server(), lobby('c-4', stop, '18:29:59'));
      expect(early.status).toBe(409);
      expect(early.body.errors).toEqual([{ path: 'at', message: `is before the case's "started" milestone (stored, at 2026-06-01T18:30:00.000Z): a call's "${stop}" cannot be timed before its "started"` }]);
    }
    expect(await head()).toEqual(before);
    await intact();
    // The same instant is an answer on the first ring, not an inversion.
    expect((await postMilestones(server(), lobby('c-4', 'answered', '18:30:00'))).status).toBe(201);
    expect(await recentEvent(server(), 'case:call:lobby:c-4')).toMatchObject({ event: { answerSeconds: 0, rings: 1 } });
  });

  it('names the batch item and the other item it contradicts, and stores nothing of the batch', async () => {
    const before = await head();
    const batch = { milestones: [lobby('c-5', 'started', '18:20:00'), lobby('c-6', 'answered', '18:29:30'), lobby('c-5', 'answered', '18:20:10'), lobby('c-6', 'started', '18:30:00')] };
    const res = await postMilestones(server(), batch);
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([
      { path: 'milestones.3.at', message: 'is after the case\'s "answered" milestone (milestones.1 of this request, at 2026-06-01T18:29:30.000Z): a call\'s "answered" cannot be timed before its "started"' },
    ]);
    expect(await head()).toEqual(before);
    expect(await recentEvent(server(), 'case:call:lobby:c-5')).toBeUndefined();
    await intact();
  });

  it('takes a retried stored milestone as the duplicate it is', async () => {
    expect((await postMilestones(server(), lobby('c-3', 'answered', '18:29:30'))).status).toBe(200);
  });
});
