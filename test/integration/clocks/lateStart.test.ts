// A stop posted before its start and dated longer ago than its type's maxOpenSeconds (a backfill, a webhook replayed
// late) closes its case by expiry on arrival: without the start there is nothing to judge, so no event. The start,
// posted later in a request of its own, still makes the case its finished event, judged, counted and chained; so
// does a finished event posted for it. Before, both were acknowledged and the call was never counted. Runs on SQLite
// and (integration-postgres) on PostgreSQL.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postJson, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-06-01T18:00:00Z');
const HOUR = 3_600_000;
const CALLS = 'call-answer-2-rings';
const server = useTestServer({ clock: testClock(T0) });

// Each test at a site of its own, so that its figures are its own.
const late = (caseId: string, milestone: string, atMs: number, site = 'late') => callMilestone(caseId, milestone, atMs, { site });
const figures = async (site = 'late') => {
  const range = `from=${new Date(T0 - 6 * HOUR).toISOString()}&to=${new Date(T0).toISOString()}`;
  return (await server().getJson(`/api/v1/compliance?standard=${CALLS}&site=${site}&${range}`)).body.standards[0];
};

describe('a case whose stop came alone, older than its expiry', () => {
  it('becomes its finished event once its start arrives in a later request: judged, counted, chained', async () => {
    const started = T0 - 3 * HOUR;
    expect((await postMilestones(server(), late('l-1', 'answered', started + 5_000))).status).toBe(201);
    expect(await recentEvent(server(), 'case:call:late:l-1')).toBeUndefined();
    // A re-post of the lone stop is its duplicate, and the case stays as expiry left it.
    expect((await postMilestones(server(), late('l-1', 'answered', started + 5_000))).status).toBe(200);
    expect(await recentEvent(server(), 'case:call:late:l-1')).toBeUndefined();

    expect((await postMilestones(server(), late('l-1', 'started', started))).status).toBe(201);
    const judged = await recentEvent(server(), 'case:call:late:l-1');
    expect(judged?.event).toMatchObject({ outcome: 'answered', answerSeconds: 5, rings: 1, occurredAt: new Date(started).toISOString() });
    expect(judged?.judgements).toEqual([expect.objectContaining({ standardId: CALLS, value: 1, met: true, counted: true, reason: null })]);
    expect(await figures()).toMatchObject({ total: 1, met: 1 });
    expect((await server().getJson('/api/v1/clocks')).body.clocks).toEqual([]);
    expect((await server().getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true, problems: [] });
  });

  it('takes a finished event posted for it as its event, where it was refused as ended by expiry', async () => {
    const started = T0 - 4 * HOUR;
    expect((await postMilestones(server(), late('l-2', 'answered', started + 30_000, 'late-2'))).status).toBe(201);
    const event = { id: 'ev-l-2', type: 'call', site: 'late-2', caseId: 'l-2', occurredAt: new Date(started).toISOString(), outcome: 'answered', answerSeconds: 30 };
    const res = await postJson(server(), '/api/v1/events', event);
    expect(res.status).toBe(201);
    expect(res.body.results[0].judgements).toEqual([expect.objectContaining({ standardId: CALLS, value: 6, met: false, counted: true })]);
    expect(await figures('late-2')).toMatchObject({ total: 1, met: 0 });
    // Now it ended with that event: a second one is refused, and its start, arriving last, changes nothing.
    expect((await postJson(server(), '/api/v1/events', { ...event, id: 'ev-l-2b' })).status).toBe(409);
    expect((await postMilestones(server(), late('l-2', 'started', started, 'late-2'))).status).toBe(201);
    expect(await figures('late-2')).toMatchObject({ total: 1, met: 0 });
    expect((await server().getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true, problems: [] });
  });
});
