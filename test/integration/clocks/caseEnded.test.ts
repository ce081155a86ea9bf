// POST /api/v1/milestones refuses a stop that contradicts how its case ended (an `abandoned` after the `answered` that
// closed the call, or after the event that closed it): 409 case-ended naming `milestone` and the ending stop, nothing
// of the request stored. A repeat of the ending stop is a duplicate, and a later stop named like the ending one (an
// answered call's handle time) is still taken.
import { describe, expect, it } from 'vitest';
import { chainHead, useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postJson, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-06-01T18:31:00Z');
const at = (hhmmss: string) => Date.parse(`2026-06-01T${hhmmss}Z`);
const desk = (caseId: string, milestone: string, hhmmss: string, extra: Record<string, unknown> = {}) => callMilestone(caseId, milestone, at(hhmmss), { site: 'desk', ...extra });

const server = useTestServer({ clock: testClock(T0) });

const head = () => chainHead(server());

describe('a stop for a case that already ended', () => {
  it('refuses another stop after the stop that closed the case (409 case-ended naming both), and takes a repeat as a duplicate', async () => {
    expect((await postMilestones(server(), { milestones: [desk('e-1', 'started', '18:29:00'), desk('e-1', 'answered', '18:29:30')] })).status).toBe(201);
    const before = await head();
    const contradicting = await postMilestones(server(), desk('e-1', 'abandoned', '18:30:00'));
    const message = 'cannot end call "e-1" at "desk": it already ended with its "answered" stop (stored, at 2026-06-01T18:29:30.000Z); a case ends once';
    expect(contradicting).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-ended$/), title: 'Case already ended', errors: [{ path: 'milestone', message }] } });
    expect(await head()).toEqual(before);
    expect(await recentEvent(server(), 'case:call:desk:e-1')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 30 } });
    expect((await postMilestones(server(), desk('e-1', 'answered', '18:29:30'))).status).toBe(200);
  });

  it('refuses the later of two different stops of one case in a request', async () => {
    const batch = { milestones: [desk('e-2', 'started', '18:29:00'), desk('e-2', 'answered', '18:29:30'), desk('e-2', 'abandoned', '18:29:40')] };
    const res = await postMilestones(server(), batch);
    expect(res).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-ended$/) } });
    expect(res.body.errors).toEqual([{ path: 'milestones.2.milestone', message: 'cannot end call "e-2" at "desk": it already ended with its "answered" stop (milestones.1 of this request, at 2026-06-01T18:29:30.000Z); a case ends once' }]);
  });

  it('refuses a stop other than the outcome of the event that closed the case, and keeps taking the stop named like it (a handle time)', async () => {
    expect((await postMilestones(server(), desk('e-3', 'started', '18:29:00'))).status).toBe(201);
    const event = { id: 'ev-e-3', type: 'call', site: 'desk', caseId: 'e-3', occurredAt: '2026-06-01T18:29:00Z', outcome: 'answered', answerSeconds: 12 };
    expect((await postJson(server(), '/api/v1/events', event)).status).toBe(201);
    const contradicting = await postMilestones(server(), desk('e-3', 'abandoned', '18:30:00'));
    expect(contradicting).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-ended$/), errors: [{ path: 'milestone', message: expect.stringMatching(/^cannot end call "e-3" at "desk": it already ended with its "answered" stop \(event "ev-e-3", seq \d+\); a case ends once$/) }] } });
    expect((await postMilestones(server(), desk('e-3', 'answered', '18:29:12', { handleSeconds: 240 }))).status).toBe(201);
  });

  it('refuses an event whose outcome contradicts the stop stored for its case (409 case-ended naming outcome), the same answer as in the other order', async () => {
    expect((await postMilestones(server(), desk('e-4', 'answered', '18:30:50'))).status).toBe(201);
    const before = await head();
    const event = { id: 'ev-e-4', type: 'call', site: 'desk', caseId: 'e-4', occurredAt: '2026-06-01T18:30:00Z', outcome: 'abandoned', answerSeconds: 50 };
    const contradicting = await postJson(server(), '/api/v1/events', event);
    const message = 'cannot end call "e-4" at "desk" as "abandoned": it already ended with its "answered" stop (stored, at 2026-06-01T18:30:50.000Z); a case ends once';
    expect(contradicting).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-ended$/), title: 'Case already ended', errors: [{ path: 'outcome', message }] } });
    expect(await head()).toEqual(before);
    expect((await postJson(server(), '/api/v1/events', { ...event, outcome: 'answered' })).status).toBe(201);
    expect(await recentEvent(server(), 'ev-e-4')).toMatchObject({ event: { outcome: 'answered', answerSeconds: 50 } });
  });
});
