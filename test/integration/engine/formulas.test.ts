// Hand-computed figures for F1–F5 through the real server, boundary values, and events exactly on
// bucket and day boundaries (including a DST day).
import { beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { useEngineServer } from './support';

// The server's time stands still at NOW, so the windows below are exact whenever and however slowly the test runs.
// NOW is 01:40 on Wednesday 2 December 2026 in New York (EST, UTC−5) and 06:40 in UTC: the local day and month
// began at hours the UTC ones did not, so an event in the last few hours can be in the UTC day or month and not
// in the site's. Every event the other tests post is over 30 days and an hour and a half earlier.
const NOW = Date.parse('2026-12-02T06:40:12.345Z');

// Site "ff" (UTC, 6 s cadence). Threshold: rings ≤ 2. A = answered, Ab = abandoned (seconds until hang-up).
//  #1 answered 3 s  → ring 1   A≤T
//  #2 answered 8 s  → ring 2   A≤T
//  #3 answered 13 s → ring 3   A>T
//  #4 abandoned 3 s → ring 1   Ab≤T, short (≤ 5 s)
//  #5 abandoned 5 s → ring 1   Ab≤T, short: exactly on the short-abandon threshold
//  #6 abandoned 7 s → ring 2   Ab≤T, not short
//  #7 abandoned 20 s → ring 4  Ab>T
// A = 3, A≤T = 2, Ab = 4, Ab≤T = 3, Ab>T = 1, short abandons (≤ 5 s) = 2.
const EVENTS = [
  ['answered', 3],
  ['answered', 8],
  ['answered', 13],
  ['abandoned', 3],
  ['abandoned', 5],
  ['abandoned', 7],
  ['abandoned', 20],
].map(([outcome, s], i) => ({ type: 'call', site: 'ff', occurredAt: `2026-03-02T10:0${i}:00Z`, outcome, answerSeconds: s, queue: i % 2 ? 'sales' : 'support', agent: i < 3 ? `a${i}` : undefined }));

const variant = (id: string, formula: string, shortAbandonSeconds?: number) => ({
  id,
  name: id,
  eventType: 'call',
  measure: 'rings',
  threshold: 2,
  target: 0.8,
  formula,
  ...(shortAbandonSeconds !== undefined ? { shortAbandonSeconds } : {}),
  scope: { sites: ['ff'] },
});

const TABLE: Array<[string, string, number | undefined, number, number]> = [
  // id, formula, shortAbandonSeconds, numerator, denominator
  ['t-f1', 'F1', undefined, 5, 7], // (A≤T + Ab≤T) / (A + Ab) = (2 + 3) / (3 + 4)
  ['t-f2', 'F2', undefined, 2, 3], // A≤T / A
  ['t-f3', 'F3', undefined, 2, 7], // A≤T / (A + Ab)
  ['t-f4', 'F4', undefined, 2, 4], // A≤T / (A + Ab>T) = 2 / (3 + 1)
  ['t-f5', 'F5', 5, 2, 5], // A≤T / (A + Ab>S) = 2 / (3 + 2): #4 and #5 (exactly 5 s) are short
  ['t-f5-default', 'F5', undefined, 2, 5], // F5 without a threshold uses 5 s (stored explicitly)
  ['t-f5-edge', 'F5', 4.999, 2, 6], // #5 waited 5 s > 4.999 s: counted as a miss
  ['t-f1-short', 'F1', 5, 3, 5], // F1 after excluding short abandons: (2 + 1) / (3 + 2)
  ['t-f4-short', 'F4', 5, 2, 4], // F4 with S: shorts excluded, #6 excluded as Ab≤T anyway
];

const server = useEngineServer({ clock: testClock(NOW) });
beforeAll(async () => {
  expect((await server().send('POST', '/api/v1/sites', { id: 'ff', timeZone: 'UTC', ringCycleSeconds: 6 })).status).toBe(201);
  for (const [id, formula, s] of TABLE) expect((await server().send('POST', '/api/v1/standards', variant(id, formula, s))).status).toBe(201);
  expect((await server().postEvents({ events: EVENTS })).status).toBe(201);
});

const RANGE = 'from=2026-03-02T10:00:00Z&to=2026-03-02T11:00:00Z';

describe('formula variants, hand-computed', () => {
  it.each(TABLE)('%s (%s, S=%s) = %i / %i', async (id, formula, _s, numerator, denominator) => {
    const res = await server().getJson(`/api/v1/compliance?standard=${id}&${RANGE}`);
    expect(res.status).toBe(200);
    const fig = res.body.standards[0];
    expect(fig).toMatchObject({ standardId: id, formula, numerator, denominator, met: numerator, total: denominator, missed: denominator - numerator, ratio: numerator / denominator });
    expect(fig.versions).toHaveLength(1);
  });

  it('records why each event was or was not counted (F5, S = 5 s)', async () => {
    const res = await server().postEvents({ events: EVENTS.map((e, i) => ({ ...e, id: `again-${i}`, occurredAt: `2026-03-03T10:0${i}:00Z` })) });
    const f5 = res.body.results.map((r: any) => r.judgements.find((j: any) => j.standardId === 't-f5'));
    expect(f5.map((j: any) => [j.met, j.counted, j.reason])).toEqual([
      [true, true, null],
      [true, true, null],
      [false, true, null],
      [false, false, 'short-abandon'],
      [false, false, 'short-abandon'],
      [false, true, 'abandoned'],
      [false, true, 'abandoned'],
    ]);
  });

  it('companions: average and p90 of the measure over answered calls, abandon rate, longest wait', async () => {
    const fig = (await server().getJson(`/api/v1/compliance?standard=t-f3&${RANGE}`)).body.standards[0];
    // Answered rings 1, 2, 3: mean 2, p90 by nearest rank = 3. Abandons 4 of 7. Longest wait 20 s (an abandon).
    expect(fig.companions).toEqual({ measure: 'rings', considered: 7, abandoned: 4, abandonRate: 4 / 7, average: 2, p90: 3, longestWaitSeconds: 20 });
  });

  it('breaks down by queue and agent (raw) and by site (rollups)', async () => {
    const byQueue = (await server().getJson(`/api/v1/compliance?standard=t-f3&${RANGE}&groupBy=queue`)).body.standards[0].groups;
    // support: #1 (met), #3, #5, #7 → 1/4; sales: #2 (met), #4, #6 → 1/3
    expect(byQueue.map((g: any) => [g.key, g.numerator, g.denominator])).toEqual([
      ['sales', 1, 3],
      ['support', 1, 4],
    ]);
    const byAgent = (await server().getJson(`/api/v1/compliance?standard=t-f3&${RANGE}&groupBy=agent`)).body.standards[0].groups;
    expect(byAgent.map((g: any) => [g.key, g.numerator, g.denominator])).toEqual([
      ['a0', 1, 1],
      ['a1', 1, 1],
      ['a2', 0, 1],
      [null, 0, 4],
    ]);
    expect(byAgent[0].companions).toMatchObject({ average: 1, p90: 1, abandonRate: 0 });
    const bySite = (await server().getJson(`/api/v1/compliance?standard=t-f3&${RANGE}&groupBy=site`)).body.standards[0].groups;
    expect(bySite.map((g: any) => [g.key, g.numerator, g.denominator])).toEqual([['ff', 2, 7]]);
  });
});

describe('groups', () => {
  it("carry met, total, missed and band like the figure, the band from the standard's own bands", async () => {
    const created = await server().send('POST', '/api/v1/standards', { ...variant('t-bands', 'F3'), bands: { green: 0.5, amber: 0.25 }, scope: { sites: ['gb'] } });
    expect(created.status).toBe(201);
    expect((await server().postEvents({ events: EVENTS.map((e, i) => ({ ...e, site: 'gb', occurredAt: `2026-03-05T10:0${i}:00Z` })) })).status).toBe(201);
    const range = 'from=2026-03-05T10:00:00Z&to=2026-03-05T11:00:00Z';
    const fields = (g: any) => ({ key: g.key, numerator: g.numerator, denominator: g.denominator, met: g.met, total: g.total, missed: g.missed, ratio: g.ratio, band: g.band });
    const byAgent = (await server().getJson(`/api/v1/compliance?standard=t-bands&${range}&groupBy=agent`)).body.standards[0].groups;
    expect(byAgent.map(fields)).toEqual([
      { key: 'a0', numerator: 1, denominator: 1, met: 1, total: 1, missed: 0, ratio: 1, band: 'green' },
      { key: 'a1', numerator: 1, denominator: 1, met: 1, total: 1, missed: 0, ratio: 1, band: 'green' },
      { key: 'a2', numerator: 0, denominator: 1, met: 0, total: 1, missed: 1, ratio: 0, band: 'red' },
      { key: null, numerator: 0, denominator: 4, met: 0, total: 4, missed: 4, ratio: 0, band: 'red' },
    ]);
    // 1/3 and 1/4: amber with these bands (green ≥ 50 %, amber ≥ 25 %); the default bands would say red.
    const byQueue = (await server().getJson(`/api/v1/compliance?standard=t-bands&${range}&groupBy=queue`)).body.standards[0].groups;
    expect(byQueue.map((g: any) => [g.key, g.met, g.total, g.missed, g.band])).toEqual([
      ['sales', 1, 3, 2, 'amber'],
      ['support', 1, 4, 3, 'amber'],
    ]);
    const bySite = (await server().getJson(`/api/v1/compliance?standard=t-bands&${range}&groupBy=site`)).body.standards[0];
    expect(bySite.groups.map(fields)).toEqual([{ key: 'gb', numerator: 2, denominator: 7, met: 2, total: 7, missed: 5, ratio: 2 / 7, band: bySite.band }]);
    expect(bySite.band).toBe('amber');
  });
});

describe('boundary values', () => {
  it('exactly 2 rings meets "<= 2" but not "< 2"; exactly 30 s meets "<= 30"; just over misses', async () => {
    await server().send('POST', '/api/v1/standards', { ...variant('b-lt', 'F3'), operator: '<', scope: { sites: ['bnd'] } });
    await server().send('POST', '/api/v1/standards', { ...variant('b-le', 'F3'), scope: { sites: ['bnd'] } });
    const res = await server().postEvents({
      events: [
        { type: 'call', site: 'bnd', occurredAt: '2026-03-04T10:00:00Z', outcome: 'answered', rings: 2 },
        { type: 'visit', site: 'bnd', occurredAt: '2026-03-04T10:00:00Z', outcome: 'greeted', greetSeconds: 30 },
        { type: 'visit', site: 'bnd', occurredAt: '2026-03-04T10:00:00Z', outcome: 'greeted', greetSeconds: 30.001 },
      ],
    });
    const [c, v30, v31] = res.body.results.map((r: any) => Object.fromEntries(r.judgements.map((j: any) => [j.standardId, j.met])));
    expect(c).toMatchObject({ 'b-le': true, 'b-lt': false, 'call-answer-2-rings': true });
    expect(v30['visit-greet-30s']).toBe(true);
    expect(v31['visit-greet-30s']).toBe(false);
  });

  it('events exactly on bucket and local-day boundaries fall in the later bucket (New York, spring-forward day)', async () => {
    await server().send('POST', '/api/v1/sites', { id: 'ny', timeZone: 'America/New_York' });
    await server().send('POST', '/api/v1/standards', { ...variant('b-ny', 'F3'), scope: { sites: ['ny'] } });
    const at = (iso: string) => ({ type: 'call', site: 'ny', occurredAt: iso, outcome: 'answered', rings: 1 });
    await server().postEvents({
      events: [
        at('2026-03-07T23:59:59.999-05:00'), // Saturday, last millisecond
        at('2026-03-08T00:00:00-05:00'), // Sunday (23-hour day) starts
        at('2026-03-08T01:59:59-05:00'), // last second before the clocks jump
        at('2026-03-08T03:00:00-04:00'), // the same instant + 1 s: 03:00 EDT
        at('2026-03-09T00:00:00-04:00'), // Monday starts 23 hours after Sunday did
      ],
    });
    const days = (await server().getJson('/api/v1/compliance?standard=b-ny&site=ny&bucket=day&from=2026-03-07T05:00:00Z&to=2026-03-10T04:00:00Z')).body;
    expect(days.timeZone).toBe('America/New_York');
    expect(days.standards[0].series.map((p: any) => [p.start, p.end, p.total])).toEqual([
      ['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', 1],
      ['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', 3],
      ['2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z', 1],
    ]);
    const hours = (await server().getJson('/api/v1/compliance?standard=b-ny&site=ny&bucket=hour&from=2026-03-08T05:00:00Z&to=2026-03-08T09:00:00Z')).body;
    // 00:00, 01:00, then 03:00 EDT: the 02:00 hour does not exist that day.
    expect(hours.standards[0].series.map((p: any) => [p.start, p.total])).toEqual([
      ['2026-03-08T05:00:00.000Z', 1],
      ['2026-03-08T06:00:00.000Z', 1],
      ['2026-03-08T07:00:00.000Z', 1],
      ['2026-03-08T08:00:00.000Z', 0],
    ]);
    // tz= overrides the site's zone: in UTC the first two events share 2026-03-08.
    const utc = (await server().getJson('/api/v1/compliance?standard=b-ny&bucket=day&tz=UTC&from=2026-03-07T00:00:00Z&to=2026-03-10T00:00:00Z')).body;
    expect(utc.standards[0].series.map((p: any) => p.total)).toEqual([0, 4, 1]);
  });

  it('a fall-back day has 25 hours and two 01:00 hours', async () => {
    const at = (iso: string) => ({ type: 'call', site: 'ny', occurredAt: iso, outcome: 'answered', rings: 3 });
    await server().postEvents({ events: [at('2026-11-01T01:30:00-04:00'), at('2026-11-01T01:30:00-05:00'), at('2026-11-01T23:59:00-05:00')] });
    const day = (await server().getJson('/api/v1/compliance?standard=b-ny&site=ny&bucket=day&from=2026-11-01T04:00:00Z&to=2026-11-02T05:00:00Z')).body;
    expect(day.standards[0].series.map((p: any) => [p.start, p.end, p.total, p.met])).toEqual([['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 3, 0]]);
    const hours = (await server().getJson('/api/v1/compliance?standard=b-ny&site=ny&bucket=hour&from=2026-11-01T05:00:00Z&to=2026-11-01T07:00:00Z')).body;
    expect(hours.standards[0].series.map((p: any) => [p.start, p.total])).toEqual([
      ['2026-11-01T05:00:00.000Z', 1],
      ['2026-11-01T06:00:00.000Z', 1],
    ]);
  });
});

describe('windows', () => {
  it('rolling windows end now; today and month are whole local periods of the site (or of tz=); bad values are named', async () => {
    const ago = (ms: number) => new Date(NOW - ms).toISOString();
    const events = [
      ago(10 * 60_000), // 01:30 today: every window
      ago(50 * 60_000), // 00:50 today: not the last 15 minutes
      ago(2 * 3_600_000), // 23:40 on 1 December: the site's month, not its day (in UTC it is 2 December, 04:40)
      ago(26 * 3_600_000), // 23:40 on 30 November: the last 7 days, not the site's month (in UTC, 1 December)
      ago(20 * 86_400_000), // 12 November: the last 30 days only
    ];
    expect((await server().postEvents({ events: events.map((occurredAt) => ({ type: 'call', site: 'ny', occurredAt, outcome: 'answered', rings: 1 })) })).status).toBe(201);
    const window = async (w: string, tz = '') => {
      const body = (await server().getJson(`/api/v1/compliance?standard=b-ny&window=${w}&site=ny${tz}`)).body;
      return { window: body.window, from: body.from, to: body.to, total: body.standards[0].denominator };
    };
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = iso(NOW);
    expect(await window('15m')).toEqual({ window: '15m', from: iso(NOW - 15 * 60_000), to: now, total: 1 });
    expect(await window('1h')).toEqual({ window: '1h', from: iso(NOW - 3_600_000), to: now, total: 2 });
    // New York's day and month: from its midnight (05:00 UTC) to the next one.
    expect(await window('today')).toEqual({ window: 'today', from: '2026-12-02T05:00:00.000Z', to: '2026-12-03T05:00:00.000Z', total: 2 });
    expect(await window('month')).toEqual({ window: 'month', from: '2026-12-01T05:00:00.000Z', to: '2027-01-01T05:00:00.000Z', total: 3 });
    // tz= names the zone instead: UTC's day and month hold one event more each.
    expect(await window('today', '&tz=UTC')).toEqual({ window: 'today', from: '2026-12-02T00:00:00.000Z', to: '2026-12-03T00:00:00.000Z', total: 3 });
    expect(await window('month', '&tz=UTC')).toEqual({ window: 'month', from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', total: 4 });
    expect(await window('7d')).toEqual({ window: '7d', from: iso(NOW - 7 * 86_400_000), to: now, total: 4 });
    expect(await window('30d')).toEqual({ window: '30d', from: iso(NOW - 30 * 86_400_000), to: now, total: 5 });
    const bad = await server().getJson('/api/v1/compliance?window=fortnight&from=2026-01-01T00:00:00Z&tz=Nowhere/City&groupBy=colour');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['from', 'groupBy', 'tz', 'window']);
  });
});
