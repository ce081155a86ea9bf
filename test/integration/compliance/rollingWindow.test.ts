// A range that ends now (the dashboard's 1 h, 7 d and 30 d windows) reads its trailing edge from the whole rollup
// cell and value histogram it lies in when nothing is stored dated after now: the report must be the one the raw
// edge gives, figure for figure (corrections, fractional waits, breakdowns by site included), and with an event
// dated ahead of now the edge is read raw again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportQuery } from '../../../server/src/services/compliance';
import type { RawQuery } from '../../../server/src/store/port';
import { rawRows } from '../../../server/src/services/rangeReads';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const DAY = 86_400_000;
// The store's time, fixed so every run reads the same ranges: 7 min 20.5 s into a quarter hour (off the minute grid
// too), so every rolling window has a trailing edge; 00:37 on 1 November in Berlin (the report's zone), so the last
// hour crosses its midnight and the start of its month, and the 7 and 30 days its 25-hour day (25 October).
const now = Date.parse('2026-11-01T00:37:20.500+01:00');
const quarterStart = Math.floor(now / QUARTER) * QUARTER;

let core: TestCore;
let dataDir: string;
/** Every raw read of the reader's store: [from, to) of each. */
const rawReads: Array<[number, number]> = [];

function event(i: number, occurredAtMs: number): Record<string, unknown> {
  const site = ['north', 'south', 'east'][i % 3]!;
  const occurredAt = new Date(occurredAtMs).toISOString();
  return i % 4 === 3
    ? { id: `v${i}`, type: 'visit', site, occurredAt, outcome: i % 7 === 0 ? 'left' : 'greeted', greetSeconds: (i * 37 % 600) / 10 }
    : { id: `c${i}`, type: 'call', site, occurredAt, outcome: i % 11 === 0 ? 'abandoned' : 'answered', rings: 1 + (i % 4), answerSeconds: (i * 13 % 250) / 10, queue: `q${i % 2}` };
}

beforeAll(async () => {
  dataDir = tempDataDir();
  core = await openTestCore(dataDir, { now: () => now });
  const events = [
    // The trailing quarter so far, thick; the hours before, thinner; a few days back, from the 25-hour day on.
    ...Array.from({ length: 600 }, (_, i) => event(i, quarterStart + ((i * 7919) % (now - quarterStart)))),
    ...Array.from({ length: 600 }, (_, i) => event(600 + i, now - 3 * 3_600_000 + i * 17_000)),
    ...Array.from({ length: 100 }, (_, i) => event(1200 + i, now - 7 * DAY + 3_600_000 + i * 3_000_000)),
  ];
  for (let i = 0; i < events.length; i += 400) expect((await core.ingest.ingest(events.slice(i, i + 400))).kind).toBe('stored');
  // Corrections in the trailing edge: the cell carries their deltas, the raw edge their effective state.
  await core.corrections.correct('c1', { action: 'void', reason: 'test call' }, 'test');
  await core.corrections.correct('c2', { action: 'amend', reason: 'hung up', changes: { outcome: 'abandoned' } }, 'test');
  await core.corrections.correct('v3', { action: 'amend', reason: 'camera', changes: { greetSeconds: 44.4 } }, 'test');
  const figures = core.store.reads.figures;
  for (const name of ['rawGroups', 'rawValues'] as const) {
    const read = figures[name].bind(figures) as (q: RawQuery) => Promise<unknown[]>;
    (figures as unknown as Record<string, (q: RawQuery) => Promise<unknown[]>>)[name] = (q) => {
      rawReads.push([q.fromMs, q.toMs]);
      return read(q);
    };
  }
});

afterAll(async () => {
  await core?.close();
  removeDir(dataDir);
});

const windows: Array<[string, number, ReportQuery['bucket']]> = [
  ['1h by minute', now - 3_600_000, 'minute'],
  ['7d by hour', now - 7 * DAY, 'hour'],
  ['30d by day', now - 30 * DAY, 'day'],
  ['30d, totals only', now - 30 * DAY, null],
];

/**
 * The report with every fraction to 12 significant digits: an average is Σ values / n, and a sum read from a rollup
 * cell (added in the order events were stored, corrections as deltas) may differ from the same values added from raw
 * rows in its last bits, as for any range read from the rollups. Every count, rate, band and p90 must be equal.
 */
function settled(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(settled);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, settled(v)]));
  return value;
}

const query = (fromMs: number, bucket: ReportQuery['bucket'], extra: Partial<ReportQuery> = {}): ReportQuery =>
  ({ fromMs, toMs: now, site: null, standardId: null, bucket, timeZone: 'Europe/Berlin', groupBy: null, ...extra });

describe('a range that ends now', () => {
  it('crosses what the fixed time puts in it: a 25-hour local day with events, a local midnight and a month', async () => {
    const series = async (fromMs: number, bucket: ReportQuery['bucket']) =>
      (await core.compliance.report(query(fromMs, bucket, { nowMs: now }))).standards[0]!.series!.map((p) => ({ start: p.start, hours: (Date.parse(p.end!) - Date.parse(p.start)) / 3_600_000, total: p.total }));
    const days = await series(now - 30 * DAY, 'day');
    const [long, lastOfOctober, firstOfNovember] = [days.find((d) => d.hours === 25), days.at(-2), days.at(-1)];
    expect(long).toMatchObject({ start: '2026-10-24T22:00:00.000Z' }); // Sunday 25 October
    expect(lastOfOctober).toMatchObject({ start: '2026-10-30T23:00:00.000Z', hours: 24 }); // its last hour in the last hour
    expect(firstOfNovember).toMatchObject({ start: '2026-10-31T23:00:00.000Z', hours: 24 }); // 37 minutes of it so far
    for (const day of [long, lastOfOctober, firstOfNovember]) expect(day!.total).toBeGreaterThan(0);
  });

  for (const [name, fromMs, bucket] of windows) {
    for (const groupBy of [null, 'site'] as const) {
      it(`${name}${groupBy ? ', by site' : ''}: the same report from the trailing cell as from the raw edge`, async () => {
        const fromRaw = await core.compliance.report(query(fromMs, bucket, { groupBy }));
        rawReads.length = 0;
        const fromCell = await core.compliance.report(query(fromMs, bucket, { groupBy, nowMs: now }));
        expect(settled(fromCell)).toEqual(settled(fromRaw));
        expect(JSON.stringify(fromCell)).toContain('"numerator"');
        // Nothing of the trailing quarter so far was read raw (only the empty check of what lies ahead of now).
        expect(rawReads.filter(([a, b]) => a < now && b > quarterStart && b - a > 1)).toEqual([]);
      });
    }
  }

  it('counts every judgement of a rolling window once, read from hours, quarter hours and raw edges: each site and each bucket as a recount of its judgements', async () => {
    const figures = core.store.reads.figures;
    const readsByGrain = new Map<string, number>();
    const rollupSums = figures.rollupSums.bind(figures);
    figures.rollupSums = (q) => {
      readsByGrain.set(q.grain, (readsByGrain.get(q.grain) ?? 0) + 1);
      return rollupSums(q);
    };
    try {
      const recount = async (standardId: string, fromMs: number, toMs: number) => {
        const bySite = new Map<string, { total: number; met: number }>();
        for (const r of await rawRows(core.store.reads, { standardIds: [standardId], sites: [], fromMs, toMs, byInstant: false }, false)) {
          const c = bySite.get(r.site) ?? { total: 0, met: 0 };
          bySite.set(r.site, { total: c.total + r.counted, met: c.met + r.met });
        }
        return bySite;
      };
      for (const [fromMs, bucket] of [[now - 7 * DAY, 'hour'], [now - 30 * DAY, 'day']] as const) {
        const report = await core.compliance.report(query(fromMs, bucket, { groupBy: 'site', nowMs: now }));
        for (const figure of report.standards) {
          const sites = await recount(figure.standardId, fromMs, now);
          expect(figure.groups!.map((g) => [g.key, g.total, g.met])).toEqual([...sites].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => [k, c.total, c.met]));
          for (const point of figure.series!) {
            const counted = [...(await recount(figure.standardId, Math.max(fromMs, Date.parse(point.start)), Math.min(now, Date.parse(point.end!)))).values()];
            expect([point.start, point.total, point.met]).toEqual([point.start, counted.reduce((a, c) => a + c.total, 0), counted.reduce((a, c) => a + c.met, 0)]);
          }
        }
      }
      // The month's interior came from whole hours, its ends from quarter hours.
      expect(readsByGrain.get('hour')).toBeGreaterThan(0);
      expect(readsByGrain.get('quarter')).toBeGreaterThan(0);
    } finally {
      figures.rollupSums = rollupSums;
    }
  });

  it('reads the edge raw again when an event is dated ahead of now, and leaves that event out', async () => {
    const before = await core.compliance.report(query(now - 7 * DAY, 'hour', { nowMs: now }));
    expect((await core.ingest.ingest([event(5000, now + 30_000)])).kind).toBe('stored');
    rawReads.length = 0;
    const after = await core.compliance.report(query(now - 7 * DAY, 'hour', { nowMs: now }));
    expect(settled(after)).toEqual(settled(before));
    // Read raw again, so exactly the raw edge's report.
    expect(after).toEqual(await core.compliance.report(query(now - 7 * DAY, 'hour')));
    expect(rawReads.some(([a, b]) => a <= quarterStart + MINUTE && b === now)).toBe(true);
  });
});
