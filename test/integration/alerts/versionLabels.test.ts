// Words name the version that judged: after a standard's threshold changes, an incident over calls the old version
// judged names the old threshold (several versions: one wording, "within 20 s / 25 s"), and an open case timed by
// the old version carries that version's label and number with its deadline. A real server on a test clock, real
// HTTP, on SQLite and on PostgreSQL (the integration-postgres project).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentWithChanges, OpenClock } from '../../../server/src/protocol';
import { callMilestone, postMilestones, sendJson } from '../clocks/support';
import { BANDS_ONLY, MINUTE, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { useTestServer } from '../support/testServer';

const SALES = {
  id: 'sales-20s',
  name: 'Sales calls answered within 20 s',
  eventType: 'call',
  measure: 'answerSeconds',
  operator: '<=',
  threshold: 20,
  target: 0.8,
  scope: { sites: ['hq', 'lobby'] },
};
/** When the threshold becomes 25 s (version 2). */
const PATCHED = T0 + 15 * MINUTE;

const clock = testClock(T0);
const server = useTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY } });
let seq = 0;
/** `n` lobby calls answered after `answerSeconds`, at `atMs`. */
const calls = (n: number, answerSeconds: number, atMs: number) =>
  Array.from({ length: n }, () => ({ type: 'call', id: `v-${++seq}`, site: 'lobby', occurredAt: new Date(atMs).toISOString(), outcome: 'answered', answerSeconds }));
const post = async (events: unknown[]) => expect((await server().postEvents({ events })).status).toBe(201);
const salesIncident = async (): Promise<IncidentWithChanges> => {
  const list = (await server().getJson('/api/v1/incidents')).body.incidents as Incident[];
  const mine = list.filter((i) => i.standardId === SALES.id);
  expect(mine.map((i) => i.site)).toEqual(['lobby']);
  return (await server().getJson(`/api/v1/incidents/${mine[0]!.id}`)).body as IncidentWithChanges;
};

beforeAll(async () => {
  expect((await sendJson(server(), 'POST', '/api/v1/standards', SALES)).status).toBe(201);
  await clock.skipTo(PATCHED - 5_000);
  // A call ringing at hq since just before the change: timed by version 1.
  expect((await postMilestones(server(), { ...callMilestone('1772.4@support', 'started', PATCHED - 5_000), site: 'hq' })).status).toBe(201);
  await clock.skipTo(PATCHED);
  const patched = await sendJson(server(), 'PATCH', `/api/v1/standards/${SALES.id}`, { threshold: 25 });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect(patched.body).toMatchObject({ version: 2, threshold: 25 });
});

describe('labels and summaries name the version that judged', () => {
  it('an open case timed by version 1 carries its label and version with its deadline', async () => {
    await clock.skipTo(PATCHED + 12_000); // at risk from 16 s of 20 s
    await server().testApi.clocksIdle();
    const res = await server().getJson('/api/v1/clocks?state=at-risk');
    expect(res.status).toBe(200);
    const clocks = res.body.clocks as OpenClock[];
    expect(clocks.map((c) => [c.site, c.caseId])).toEqual([['hq', '1772.4@support']]);
    const standing = clocks[0]!.standards.find((s) => s.standardId === SALES.id);
    // The deadline is the start + 20 s (version 1's threshold); so is the label.
    expect(standing).toMatchObject({ standardVersion: 1, standardLabel: 'Calls ≤ 20 s', deadline: new Date(PATCHED - 5_000 + 20_000).toISOString(), state: 'at-risk' });
  });

  it('an incident over calls version 1 judged names 20 s, not the 25 s in force', async () => {
    // 10 answered within 20 s, 20 after 22 s (missed by version 1; version 2 would have met them), all before the change.
    await post([...calls(10, 10, PATCHED - 10 * MINUTE), ...calls(20, 22, PATCHED - 3 * MINUTE)]);
    await server().testApi.evaluateAlerts();
    const compliance = await server().getJson(`/api/v1/compliance?standard=${SALES.id}&site=lobby&window=1h`);
    expect(compliance.body.standards[0].versions).toMatchObject([{ version: 1, threshold: 20, numerator: 10, denominator: 30 }]);
    const incident = await salesIncident();
    expect(incident).toMatchObject({
      state: 'open',
      standardVersion: 1,
      standardLabel: 'Calls ≤ 20 s',
      target: 0.8,
      summary: 'lobby calls: 33.3 % answered within 20 s in the last hour — target 80 %',
    });
    expect(incident.detail.band.window.versions).toEqual([1]);
    expect(incident.changes.map((c) => c.summary)).toEqual([incident.summary]);
  });

  it('a window both versions judged names both thresholds, in one wording', async () => {
    // 300 answered after 22 s since the change: met by version 2. 310 of 330 met: back on target.
    await clock.skipTo(PATCHED + 2 * MINUTE);
    await post(calls(300, 22, PATCHED + MINUTE));
    await server().testApi.evaluateAlerts();
    const incident = await salesIncident();
    expect(incident).toMatchObject({
      state: 'recovered',
      standardVersion: 2,
      standardLabel: 'Calls ≤ 20 s / 25 s',
      summary: 'lobby calls back on target: 93.9 % answered within 20 s / 25 s in the last hour — target 80 %',
    });
    expect(incident.detail.band.window.versions).toEqual([1, 2]);
  });

});
