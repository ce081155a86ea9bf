// The window counts alerts read (the compliance reader: whole rollup buckets, raw edges) must give exactly the
// figures of a raw scan of the judgements, for any window.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopedCounts, WindowRange } from '../../../server/src/domain/alerts/counts';
import { decompose } from '../../../server/src/domain/ranges';
import { openTestCore, type TestCore } from '../support/core';
import { readFile } from '../support/database';
import { removeDir, tempDataDir } from '../support/testServer';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * counted/met per standard × site over each window, and the versions that judged what it counts, scanning the stored
 * judgements (corrections would be ignored: none here).
 */
function rawScan(dataDir: string, windows: readonly WindowRange[]): ScopedCounts[] {
  const db = readFile(dataDir);
  try {
    const rows = db
      .prepare('SELECT j.standard_id AS standardId, j.standard_version AS version, e.site AS site, e.occurred_at_ms AS ms, j.counted AS counted, j.met AS met FROM judgements j JOIN events e ON e.seq = j.event_seq')
      .all() as Array<{ standardId: string; version: number; site: string; ms: number; counted: number; met: number }>;
    const scoped = new Map<string, { standardId: string; site: string; counts: Array<{ counted: number; met: number; versions: Set<number> }> }>();
    for (const r of rows) {
      const key = `${r.standardId}|${r.site}`;
      if (!scoped.has(key)) scoped.set(key, { standardId: r.standardId, site: r.site, counts: windows.map(() => ({ counted: 0, met: 0, versions: new Set<number>() })) });
      windows.forEach((w, i) => {
        if (r.ms < w.fromMs || r.ms >= w.toMs) return;
        const c = scoped.get(key)!.counts[i]!;
        c.counted += r.counted;
        c.met += r.met * r.counted;
        if (r.counted) c.versions.add(r.version);
      });
    }
    return [...scoped.values()].map((s) => ({ ...s, counts: s.counts.map((c) => ({ ...c, versions: [...c.versions].sort((a, b) => a - b) })) }));
  } finally {
    db.close();
  }
}

describe('decompose', () => {
  it('covers [from, to) exactly with disjoint pieces aligned to their grain, coarsest inside', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * DAY }), fc.integer({ min: 0, max: 4 * DAY }), (a, len) => {
        const from = 1_700_000_000_000 + a;
        const pieces = decompose(from, from + len);
        let cursor = from;
        for (const p of pieces) {
          expect(p.fromMs).toBe(cursor);
          expect(p.toMs).toBeGreaterThan(p.fromMs);
          const grain = p.grain;
          if (grain) {
            expect(p.fromMs % grain.ms).toBe(0);
            expect(p.toMs % grain.ms).toBe(0);
          } else {
            // raw only where no whole minute fits (it may still span up to two partial minutes)
            const firstWholeMinute = Math.ceil(p.fromMs / MINUTE) * MINUTE;
            expect(firstWholeMinute + MINUTE).toBeGreaterThan(p.toMs);
          }
          cursor = p.toMs;
        }
        expect(cursor).toBe(from + len);
        expect(pieces.filter((p) => p.grain === null).length).toBeLessThanOrEqual(2);
      }),
    );
    expect(decompose(90_000, 91_000)).toEqual([{ grain: null, fromMs: 90_000, toMs: 91_000 }]);
    // 60 s that straddle a minute boundary hold no whole minute: read raw as one piece
    expect(decompose(90_000, 150_000)).toEqual([{ grain: null, fromMs: 90_000, toMs: 150_000 }]);
  });
});

describe('window counts of alert evaluation', () => {
  let core: TestCore;
  let dataDir: string;
  // The store's time, fixed so every run counts the same windows: 00:14 on 1 March 2026 (UTC). The latest events
  // are at 00:04:01.234, so the four days of events, and the windows ending up to two days before them, cross
  // midnights and the end of February.
  const now = Date.parse('2026-03-01T00:14:00Z');
  const base = now - 10 * MINUTE + 1234;

  beforeAll(async () => {
    dataDir = tempDataDir();
    core = await openTestCore(dataDir, { now: () => now });
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
    for (let i = 0; i < events.length; i += 500) expect((await core.ingest.ingest(events.slice(i, i + 500))).kind).toBe('stored');
  });
  afterAll(async () => {
    await core?.close();
    removeDir(dataDir);
  });

  const normalise = (rows: ScopedCounts[]) =>
    rows
      .filter((r) => r.counts.some((c) => c.counted > 0 || c.met > 0))
      .sort((x, y) => (x.standardId + x.site).localeCompare(y.standardId + y.site));

  it('equals the raw scan for random windows (aligned or not), per standard and site', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 0, max: 2 * DAY }), fc.integer({ min: 0, max: 200 }).map((k) => k * 15 * MINUTE)),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 3 * DAY }), fc.constantFrom(5 * MINUTE, 30 * MINUTE, 3_600_000, 6 * 3_600_000, DAY, 3 * DAY)), { minLength: 1, maxLength: 8 }),
        async (back, durations) => {
          const to = base + MINUTE - back;
          const windows = [...durations, 3 * DAY].map((d) => ({ fromMs: to - d, toMs: to })); // the 3-day one is never empty
          const expected = normalise(rawScan(dataDir, windows));
          expect(expected.length).toBeGreaterThan(0);
          expect(normalise(await core.compliance.windowCounts(windows))).toEqual(expected);
          // As alert evaluation reads them, ending now: the last partial minute from its rollup cell when nothing is
          // stored ahead of `to`, raw when something is (both happen here: events are stored up to `base`).
          expect(normalise(await core.compliance.windowCounts(windows, to))).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same figures for a window ending now whether events are dated ahead of now or not', async () => {
    // `to` 1.5 s into the minute of the latest events: nearly all of that minute's events lie ahead of it.
    const minute = Math.floor(base / MINUTE) * MINUTE;
    for (const to of [minute + 1500, base, base + 1, minute + MINUTE - 1]) {
      const windows = [{ fromMs: to - 10 * MINUTE, toMs: to }, { fromMs: to - 3 * DAY, toMs: to }];
      expect(normalise(await core.compliance.windowCounts(windows, to))).toEqual(normalise(rawScan(dataDir, windows)));
    }
  });

  it('covers an off-grid window at both ends', async () => {
    const windows = [{ fromMs: base - 3 * DAY, toMs: base + 1 }];
    expect(normalise(await core.compliance.windowCounts(windows))).toEqual(normalise(rawScan(dataDir, windows)));
  });
});
