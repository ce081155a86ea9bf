// Every view of the same judged events shows the same figures, corrections included: the live snapshot (a real
// socket.io-client), GET /api/v1/compliance, the alert evaluation's window counts, the CSV compliance export; and,
// for an event whose amendment changed its outcome, the companions and the distribution whether the range is read
// from the rollups or from raw judgements (one rule: the amended outcome).
import { parse } from 'csv-parse/sync';
import { io, type Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, IncidentUpdate, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { nextPeriodStart, periodStart, serverTimeZone } from '../../../server/src/domain/zonedTime';
import { testClock } from '../support/testClock';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';

const CALLS = 'call-answer-2-rings';
const VISITS = 'visit-greet-30s';
const MINUTE = 60_000;

const zone = serverTimeZone();
// The server's time stands still at `now`: 09:37:23.456 in the server's zone (whatever the machine's is) on its day
// that holds noon UTC of 18 November 2026, a day without a clock change, so today began hours before the last hour
// whenever the test runs (with the real clock, just after midnight the events were dated ahead of now).
const todayFrom = periodStart(Date.parse('2026-11-18T12:00:00Z'), zone, 'day');
const now = todayFrom + 9 * 3_600_000 + 37 * MINUTE + 23_456;
const todayTo = nextPeriodStart(now, zone, 'day');
// Every event at one instant of today and of the last hour, a few seconds into a minute: a range of a few seconds
// around it is read from raw judgements only, today from the rollups.
const at = Math.floor((now - 20 * MINUTE) / MINUTE) * MINUTE + 5_000;
const occurredAt = new Date(at).toISOString();

const post = (path: string, body: unknown) =>
  fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });

// Incidents on the band of the last hour only, from one counted event on, without hold times: each incident's
// detail says what evaluation counted at its site. The server's clock stands at `now`, so its "today" is the one
// worked out above.
const server = useTestServer({ clock: testClock(now), alerts: { intervalMs: 0, policy: { minSample: 1, burnRules: [], openAfterMs: 0, recoverAfterMs: 0, deescalateAfterMs: 0 } } });
beforeAll(async () => {
  const events = [
    ...['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((id) => call({ id, site: 'alpha', occurredAt, rings: 1 })),
    ...['b1', 'b2', 'b3', 'b4'].map((id) => call({ id, site: 'beta', occurredAt, rings: 2 })),
    ...['v1', 'v2', 'v3'].map((id) => visit({ id, site: 'beta', occurredAt, greetSeconds: 10 })),
  ];
  expect((await server().postEvents({ events })).status).toBe(201);
  expect(await server().testApi.evaluateAlerts()).toEqual([]); // everything met: green, nothing to record
  const corrections: Array<[string, string, Record<string, unknown>]> = [
    ['a1', 'void', { reason: 'test call' }],
    ['b1', 'void', { reason: 'duplicate' }],
    ['a2', 'amend', { reason: 'caller hung up', changes: { outcome: 'abandoned' } }],
    ['a3', 'amend', { reason: 'PBX log', changes: { rings: 5 } }],
    ['b2', 'amend', { reason: 'caller hung up', changes: { outcome: 'abandoned' } }],
    ['v1', 'amend', { reason: 'camera', changes: { greetSeconds: 45 } }],
    ['v2', 'amend', { reason: 'camera', changes: { outcome: 'left' } }],
  ];
  for (const [id, action, body] of corrections) expect((await post(`/events/${id}/${action}`, body)).status).toBe(201);
});

/** What the corrected events come to, worked out by hand: voids out, amendments re-judged. */
const EXPECTED = {
  [CALLS]: { numerator: 5, denominator: 8 }, // 10 calls, 2 voided; a2 and b2 now abandoned, a3 on ring 5
  [VISITS]: { numerator: 1, denominator: 3 }, // v1 greeted after 45 s, v2 left
};

const counts = (figures: Array<{ standardId: string; numerator?: number; denominator?: number }>) =>
  Object.fromEntries(figures.filter((f) => f.standardId in EXPECTED).map((f) => [f.standardId, { numerator: f.numerator, denominator: f.denominator }]));

describe('one figure, whoever asks', () => {
  it('the live snapshot, GET /compliance, the alert evaluation and the CSV export agree to the event', async () => {
    const client: Socket<ServerToClientEvents, ClientToServerEvents> = io(server().url, { forceNew: true, reconnection: false, auth: { token: server().apiKey } });
    const snapshot = await new Promise<Snapshot>((resolve, reject) => {
      client.once('snapshot', resolve);
      client.once('connect_error', reject);
    }).finally(() => client.close());
    expect(counts(snapshot.today)).toEqual(EXPECTED);

    const report = (await server().getJson('/api/v1/compliance?window=today')).body;
    expect(report.timeZone).toBe(zone);
    expect(counts(report.standards)).toEqual(EXPECTED);

    // Every site misses now (60 %, 67 %, 33 %): one incident per standard and site, whose counts add up per standard.
    const opened: IncidentUpdate[] = await server().testApi.evaluateAlerts();
    const evaluated: Record<string, { numerator: number; denominator: number }> = {};
    for (const { incident } of opened) {
      const sum = (evaluated[incident.standardId] ??= { numerator: 0, denominator: 0 });
      sum.numerator += incident.detail.band.window.met;
      sum.denominator += incident.detail.band.window.counted;
    }
    expect(opened.map((u) => u.incident.site).sort()).toEqual(['alpha', 'beta', 'beta']);
    expect(evaluated).toEqual(EXPECTED);

    const csv = await (await fetch(`${server().url}/api/v1/export/compliance?from=${new Date(todayFrom).toISOString()}&to=${new Date(todayTo).toISOString()}&tz=${encodeURIComponent(zone)}&format=csv`, { headers: adminHeaders(server().apiKey) })).text();
    const rows = parse<{ site: string; standard_id: string; numerator: number; denominator: number; voided: number; amended: number }>(csv, { columns: true, comment: '#', cast: (v, c) => (['numerator', 'denominator', 'voided', 'amended'].includes(String(c.column)) ? Number(v) : v) });
    const exported: Record<string, { numerator: number; denominator: number }> = {};
    for (const r of rows) {
      const sum = (exported[r.standard_id] ??= { numerator: 0, denominator: 0 });
      sum.numerator += r.numerator;
      sum.denominator += r.denominator;
    }
    expect(exported).toEqual(EXPECTED);
    expect(rows.reduce((n, r) => n + r.voided, 0)).toBe(2);
    expect(rows.reduce((n, r) => n + r.amended, 0)).toBe(5);
  });

  it('an amended outcome counts the same from the rollups and from raw judgements: companions and distribution', async () => {
    const fig = async (query: string) => (await server().getJson(`/api/v1/compliance?standard=${CALLS}&${query}`)).body.standards[0];
    const rollups = await fig('window=today');
    const raw = await fig(`from=${new Date(at - 1).toISOString()}&to=${new Date(at + 2_000).toISOString()}`);
    expect([rollups.numerator, rollups.denominator]).toEqual([5, 8]);
    expect([raw.numerator, raw.denominator]).toEqual([5, 8]);
    // a2 and b2 were answered and are now abandoned: considered 8 (voids out), 2 of them abandoned.
    expect(rollups.companions).toMatchObject({ considered: 8, abandoned: 2 });
    expect(raw.companions).toEqual(rollups.companions);
    const distribution = (await server().getJson(`/api/v1/distribution?standard=${CALLS}&window=today`)).body.standards[0];
    expect(distribution.bins.find((b: { kind: string }) => b.kind === 'abandoned')).toMatchObject({ count: 2, met: 0 });
    expect(distribution.total).toBe(8);
  });
});
