// Whatever the range, zone and bucket, a report read as splitRange says (rollup spans of several grains nested
// towards the ends, raw edges, the trailing cell) counts every judgement once and in its own bucket: each standard's
// figure, each site's and each series bucket equal a recount of the raw judgements of the same range. Random ranges
// (off every grid, on the minute, quarter-hour, hour and day grids) in whole-hour, half-hour, 45-minute and DST zones,
// over a real store (SQLite; PostgreSQL in the integration-postgres project), corrections included; and the compliance
// export's sums per version equal the same range recounted.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportQuery } from '../../../server/src/services/compliance';
import { rawRows } from '../../../server/src/services/rangeReads';
import { openTestCore, type TestCore } from '../support/core';
import { databaseUrlOf, removeDir, tempDataDir } from '../support/testServer';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// Three days around Berlin's 25-hour day (25 October 2026); St John's (-3:30), Kolkata (+5:30), Kathmandu (+5:45)
// and Lord Howe (+11, half-hour DST) put hour and day boundaries off the whole hour.
const START = Date.parse('2026-10-24T00:00:00Z');
const END = START + 3 * DAY;
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe'];

let core: TestCore;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  core = await openTestCore(dataDir, { now: () => END + DAY, databaseUrl: await databaseUrlOf(dataDir) });
  const events = Array.from({ length: 1500 }, (_, i) => {
    const at = START + ((i * 7_919_177 + i * i * 13) % (3 * DAY));
    const site = ['north', 'south', 'east'][i % 3]!;
    const occurredAt = new Date(at).toISOString();
    return i % 4 === 3
      ? { id: `v${i}`, type: 'visit', site, occurredAt, outcome: i % 7 === 0 ? 'left' : 'greeted', greetSeconds: ((i * 37) % 600) / 10 }
      : { id: `c${i}`, type: 'call', site, occurredAt, outcome: i % 11 === 0 ? 'abandoned' : 'answered', rings: 1 + (i % 4) };
  });
  for (let i = 0; i < events.length; i += 500) expect((await core.ingest.ingest(events.slice(i, i + 500))).kind).toBe('stored');
  for (let i = 0; i < 1500; i += 37) await core.corrections.correct(i % 4 === 3 ? `v${i}` : `c${i}`, { action: 'void', reason: 'test' }, 'test');
  for (let i = 5; i < 1500; i += 41) {
    if (i % 37 === 0) continue;
    if (i % 4 === 3) await core.corrections.correct(`v${i}`, { action: 'amend', reason: 'camera', changes: { greetSeconds: 44.5 } }, 'test');
    else await core.corrections.correct(`c${i}`, { action: 'amend', reason: 'log', changes: { outcome: i % 2 ? 'abandoned' : 'answered' } }, 'test');
  }
}, 120_000);

afterAll(async () => {
  await core?.close();
  if (dataDir) removeDir(dataDir);
});

/** Counted and met per site of the raw judgements of [fromMs, toMs). */
async function recount(standardId: string, fromMs: number, toMs: number): Promise<Map<string, [number, number]>> {
  const bySite = new Map<string, [number, number]>();
  if (fromMs >= toMs) return bySite;
  for (const r of await rawRows(core.store.reads, { standardIds: [standardId], sites: [], fromMs, toMs, byInstant: false }, false)) {
    const [total, met] = bySite.get(r.site) ?? [0, 0];
    bySite.set(r.site, [total + r.counted, met + r.met]);
  }
  return bySite;
}
const added = (m: Map<string, [number, number]>) => [...m.values()].reduce(([t, n], [a, b]) => [t + a, n + b], [0, 0]);

/** An instant inside the events' days: off every grid, or on the minute, quarter-hour, hour or UTC-day grid. */
const instant = fc.tuple(fc.integer({ min: START - HOUR, max: END + HOUR }), fc.constantFrom(1, MINUTE, 15 * MINUTE, HOUR, DAY)).map(([t, g]) => t - (t % g));

describe('a range read as splitRange says', () => {
  it('counts every judgement once, in its own bucket, as a recount of the raw judgements does', async () => {
    await fc.assert(
      fc.asyncProperty(instant, instant, fc.constantFrom(...ZONES), fc.constantFrom<ReportQuery['bucket']>(null, 'minute', 'hour', 'day'), fc.boolean(), async (a, b, timeZone, bucket0, trailing) => {
        const [fromMs, toMs] = a <= b ? [a, b + MINUTE] : [b, a];
        // Minute buckets only for a few hours (a series of thousands of points is slow to check).
        const bucket = bucket0 === 'minute' && toMs - fromMs > 3 * HOUR ? 'hour' : bucket0;
        const report = await core.compliance.report({ fromMs, toMs, site: null, standardId: null, bucket, timeZone, groupBy: 'site', ...(trailing ? { nowMs: toMs } : {}) });
        for (const figure of report.standards) {
          const sites = await recount(figure.standardId, fromMs, toMs);
          expect([figure.denominator, figure.numerator]).toEqual(added(sites));
          expect(figure.groups!.filter((g) => (g.total ?? 0) > 0).map((g) => [g.key, g.total, g.met])).toEqual([...sites].filter(([, [t]]) => t > 0).sort(([x], [y]) => x.localeCompare(y)).map(([k, [t, m]]) => [k, t, m]));
          for (const point of figure.series ?? []) {
            const part = added(await recount(figure.standardId, Math.max(fromMs, Date.parse(point.start)), Math.min(toMs, Date.parse(point.end!))));
            expect([timeZone, bucket, point.start, point.total, point.met]).toEqual([timeZone, bucket, point.start, ...part]);
          }
        }
        // The compliance export's rows (versionSums): from the rollup spans and raw edges as from every judgement raw.
        const range = { standardIds: report.standards.map((s) => s.standardId), sites: [], fromMs, toMs };
        const [read, recounted] = await Promise.all([core.compliance.versionSums(range, null), core.compliance.versionSums(range, null, true)]);
        expect(read.rows).toEqual(recounted.rows);
      }),
      { numRuns: 100, seed: 20261208 },
    );
  }, 240_000);
});
