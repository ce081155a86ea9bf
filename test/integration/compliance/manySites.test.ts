// A month of many sites: the value histograms answer one row per standard, site and distinct value, which for 180
// sites, ten standards and waits posted to a tenth of a second is hundreds of thousands of rows. GET /compliance
// over 30 days (the dashboard's *30 days*, with its per-site bars) and GET /distribution read them all; spread into
// one push's arguments they overflowed the call stack ("Maximum call stack size exceeded", a 500 on every tile).
// The store here answers its real rows plus 150,000 more of other sites, as such a store does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightedP90 } from '../../../server/src/domain/figures';
import { ComplianceReader } from '../../../server/src/services/compliance';
import type { HistogramCount, HistogramQuery } from '../../../server/src/store/port';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

const DAY = 86_400_000;
const now = Date.parse('2026-12-07T12:07:00.000Z');
const CALLS = 'call-answer-2-rings';
/** More rows than one call's arguments can hold (about 125,000 on Node's default stack). */
const EXTRA_ROWS = 150_000;
const EXTRA_SITES = 180;

let core: TestCore;
let dataDir: string;
let reader: ComplianceReader;
/** Every histogram row the reader was given, per standard. */
const answered: HistogramCount[] = [];

beforeAll(async () => {
  dataDir = tempDataDir();
  core = await openTestCore(dataDir, { now: () => now });
  const events = Array.from({ length: 60 }, (_, i) => ({
    id: `c${i}`,
    type: 'call',
    site: i % 2 === 0 ? 'north' : 'south',
    occurredAt: new Date(now - 29 * DAY + i * 11 * 3_600_000).toISOString(),
    outcome: 'answered',
    answerSeconds: (i * 7) % 40,
  }));
  expect((await core.ingest.ingest(events)).kind).toBe('stored');
  const figures = core.store.reads.figures;
  const histogram = figures.histogram.bind(figures);
  const reads = {
    ...core.store.reads,
    figures: {
      ...figures,
      histogram: async (q: HistogramQuery): Promise<HistogramCount[]> => {
        const rows = await histogram(q);
        // The whole days of the month: the other sites' rows, each a distinct wait of one of them.
        if (q.grain !== 'day' || !q.standardIds.includes(CALLS)) return rows;
        const extra = Array.from({ length: EXTRA_ROWS }, (_, i) => ({ standardId: CALLS, site: `far-${i % EXTRA_SITES}`, value: 1 + Math.floor(i / EXTRA_SITES) / 10, n: 1, met: 1 }));
        for (const row of [...rows, ...extra]) answered.push(row);
        return [...rows, ...extra];
      },
    },
  };
  reader = new ComplianceReader(reads, core.standards);
});

afterAll(async () => {
  await core?.close();
  if (dataDir) removeDir(dataDir);
});

describe('a month of many sites', () => {
  it('answers 30 days by site, with the p90 of every value', async () => {
    answered.length = 0;
    const report = await reader.report({ fromMs: now - 30 * DAY, toMs: now, site: null, standardId: CALLS, bucket: null, window: '30d', timeZone: 'UTC', groupBy: 'site', nowMs: now });
    const calls = report.standards[0]!;
    expect(answered.length).toBeGreaterThan(EXTRA_ROWS);
    expect(calls.companions?.p90).toBe(weightedP90(answered));
    expect(calls.groups!.map((g) => g.key)).toEqual(expect.arrayContaining(['north', 'south', 'far-0', `far-${EXTRA_SITES - 1}`]));
  });

  it('answers the distribution of 30 days', async () => {
    // The distribution reads the same rows, for one standard at a time, and took them in the same way. Here the rows
    // that stand for other sites have no rollups behind them, so the distribution (which checks one against the
    // other) reads the range raw: its bins count the 60 calls stored.
    const d = await reader.distribution({ fromMs: now - 30 * DAY, toMs: now, site: null, standardId: CALLS, timeZone: 'UTC', nowMs: now });
    expect(d.standards[0]!.bins.reduce((n, b) => n + b.count, 0)).toBe(60);
  });

});
