// The rollup-backed ComplianceSource alerts read must give exactly the raw scan's figures, for any window.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopedCounts } from '../../server/src/domain/alerts/counts';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';
import { createIngestService } from '../../server/src/ingest/ingestService';
import { openDatabase } from '../../server/src/store/sqlite/database';
import { createRawComplianceSource, createRollupComplianceSource, decompose } from '../../server/src/store/alertStore';
import { openStore, type Store } from '../../server/src/store/store';
import { removeDir, tempDataDir } from './support/testServer';

const MINUTE = 60_000;
const DAY = 86_400_000;
const GRAINS = [
  { table: 'rollup_minute', ms: MINUTE },
  { table: 'rollup_15m', ms: 15 * MINUTE },
];

describe('decompose', () => {
  it('covers [from, to) exactly with disjoint pieces aligned to their grain, coarsest inside', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * DAY }), fc.integer({ min: 0, max: 4 * DAY }), (a, len) => {
        const from = 1_700_000_000_000 + a;
        const pieces = decompose(from, from + len, GRAINS);
        let cursor = from;
        for (const p of pieces) {
          expect(p.fromMs).toBe(cursor);
          expect(p.toMs).toBeGreaterThan(p.fromMs);
          const grain = GRAINS.find((g) => g.table === p.table);
          if (grain) {
            expect(p.fromMs % grain.ms).toBe(0);
            expect(p.toMs % grain.ms).toBe(0);
          } else {
            expect(p.toMs - p.fromMs).toBeLessThan(MINUTE); // raw only for partial minutes
          }
          cursor = p.toMs;
        }
        expect(cursor).toBe(from + len);
        expect(pieces.filter((p) => p.table === null).length).toBeLessThanOrEqual(2);
      }),
    );
    expect(decompose(90_000, 91_000, GRAINS)).toEqual([{ table: null, fromMs: 90_000, toMs: 91_000 }]);
  });
});

describe('rollup ComplianceSource', () => {
  let store: Store;
  let dataDir: string;
  const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE + 1234;

  beforeAll(() => {
    dataDir = tempDataDir();
    store = openStore({ dataDir, defaultStandards: DEFAULT_STANDARDS });
    const ingest = createIngestService({ store });
    // 3000 events over 4 days, some exactly on minute and quarter-hour boundaries.
    const rand = fc.sample(
      fc.record({
        offset: fc.oneof(fc.integer({ min: 0, max: 4 * DAY }), fc.integer({ min: 0, max: 400 }).map((k) => k * 15 * MINUTE), fc.integer({ min: 0, max: 5000 }).map((k) => k * MINUTE)),
        visit: fc.boolean(),
        site: fc.constantFrom('a', 'b', 'c'),
        rings: fc.integer({ min: 0, max: 6 }),
        outcome: fc.constantFrom('ok', 'ok', 'ok', 'gave-up'),
        wait: fc.integer({ min: 0, max: 60 }),
      }),
      { numRuns: 3000, seed: 42 },
    );
    const events = rand.map((r) => {
      const occurredAt = new Date(base - r.offset).toISOString();
      return r.visit
        ? { type: 'visit', site: r.site, occurredAt, outcome: r.outcome === 'ok' ? 'greeted' : 'left', greetSeconds: r.wait }
        : { type: 'call', site: r.site, occurredAt, outcome: r.outcome === 'ok' ? 'answered' : 'abandoned', rings: r.rings };
    });
    for (let i = 0; i < events.length; i += 500) expect(ingest.ingest(events.slice(i, i + 500)).kind).toBe('stored');
  });
  afterAll(() => {
    store?.close();
    removeDir(dataDir);
  });

  const normalise = (rows: ScopedCounts[]) =>
    rows
      .filter((r) => r.counts.some((c) => c.counted > 0 || c.met > 0))
      .sort((x, y) => (x.standardId + x.site).localeCompare(y.standardId + y.site));

  it('equals the raw scan for random windows (aligned or not), per standard and site', () => {
    const db = openDatabase(dataDir);
    try {
      const raw = createRawComplianceSource(db);
      const rollup = createRollupComplianceSource(db);
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min: 0, max: 2 * DAY }), fc.integer({ min: 0, max: 200 }).map((k) => k * 15 * MINUTE)),
          fc.array(fc.oneof(fc.integer({ min: 1, max: 3 * DAY }), fc.constantFrom(5 * MINUTE, 30 * MINUTE, 3_600_000, 6 * 3_600_000, DAY, 3 * DAY)), { minLength: 1, maxLength: 8 }),
          (back, durations) => {
            const to = base + MINUTE - back;
            const windows = [...durations, 3 * DAY].map((d) => ({ fromMs: to - d, toMs: to })); // the 3-day one is never empty
            const expected = normalise(raw.counts(windows));
            expect(expected.length).toBeGreaterThan(0);
            expect(normalise(rollup.counts(windows))).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      db.close();
    }
  });

  it('is the source the store hands to alerts', () => {
    const windows = [{ fromMs: base - 3 * DAY, toMs: base + 1 }];
    expect(normalise(store.alerts.compliance.counts(windows))).toEqual(normalise(createRawComplianceSource(openDatabase(dataDir)).counts(windows)));
  });
});
