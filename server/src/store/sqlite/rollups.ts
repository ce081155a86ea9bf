// Rollup rows and value-histogram cells, written by the store in the transaction of the judgements they sum (the
// batch writer, corrections, the rebuild). The arithmetic is domain/rollups.ts: this file only keys, reads and
// writes rows.
//
// Contributions are collected per row over one write and each row is written once, at the end: the row's stored
// counters are read once, then every contribution is folded into them in the order given (IEEE doubles, so Σ value
// has the bits a row-by-row upsert would give), and the result is written back.
import type Database from 'better-sqlite3';
import { bucketStart, contribution, fold, QUARTER_GRAIN_MS, ROLLUP_GRAINS, VALUE_GRAINS, valueContribution, type JudgementFacts, type RollupGrain, type Sign, type Sums, type ValueGrain } from '../../domain/rollups';

const SUM_COLUMNS = 'judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';
/**
 * Rows of a rollup table added up: counters summed, the longest wait the largest (every read and the rebuild's hour).
 * `sumReal`: the backend's order-independent SUM of a double (FiguresDialect.sumReal).
 */
export const rollupSums = (sumReal: (expr: string) => string): string =>
  `SUM(judged) AS judged, SUM(counted) AS counted, SUM(met) AS met, SUM(considered) AS considered,
  SUM(abandoned) AS abandoned, SUM(value_n) AS value_n, ${sumReal('value_sum')} AS value_sum, MAX(wait_max) AS wait_max`;

export const ROLLUP_TABLE = { minute: 'rollup_minute', quarter: 'rollup_15m', hour: 'rollup_hour' } as const satisfies Record<RollupGrain['name'], string>;
/**
 * The grains whose table has a covering site-first index (rollup_15m_by_site, rollup_hour_by_site): a read of every
 * site's totals goes site by site through it. The minute table has none (its reads are short ranges of all sites).
 */
export const ROLLUP_BY_SITE: ReadonlySet<RollupGrain['name']> = new Set(['quarter', 'hour']);
export const VALUE_TABLE = { day: 'value_hist_day', quarter: 'value_hist_15m' } as const satisfies Record<ValueGrain['name'], string>;

/**
 * What a rebuild from `fromMs` (the retention cutoff: a quarter hour, not always a whole hour) does to the rollup
 * tables, on either backend. `clear`, before the rebuild: every row from the start of the row holding `fromMs` on.
 * `straddling`, after it: a row of a grain coarser than the quarter hour that holds `fromMs` inside it also holds
 * events before the cutoff, which are pruned; it is made the sum of its quarter-hour rows (those kept from before the
 * cutoff and those just rebuilt), as the day histogram is of its quarter hours. The rebuild wrote into it only the
 * events from `fromMs` on, so without this the hour would lose its pruned part.
 */
export function rollupRebuild(fromMs: number, sumReal: (expr: string) => string): { clear: Array<{ sql: string; args: number[] }>; straddling: Array<{ sql: string; args: number[] }> } {
  const clear = ROLLUP_GRAINS.map((g) => ({ sql: `DELETE FROM ${ROLLUP_TABLE[g.name]} WHERE bucket_ms >= ?`, args: [fromMs === Number.MIN_SAFE_INTEGER ? fromMs : bucketStart(fromMs, g.ms)] }));
  const straddling = ROLLUP_GRAINS.filter((g) => g.ms > QUARTER_GRAIN_MS && fromMs !== Number.MIN_SAFE_INTEGER && fromMs % g.ms !== 0).map((g) => {
    const start = bucketStart(fromMs, g.ms);
    return {
      sql: `INSERT INTO ${ROLLUP_TABLE[g.name]} (bucket_ms, standard_id, standard_version, site, ${SUM_COLUMNS})
        SELECT CAST(? AS BIGINT), standard_id, standard_version, site, ${rollupSums(sumReal)}
        FROM ${ROLLUP_TABLE.quarter} WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY standard_id, standard_version, site
        ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET judged = excluded.judged, counted = excluded.counted,
          met = excluded.met, considered = excluded.considered, abandoned = excluded.abandoned, value_n = excluded.value_n,
          value_sum = excluded.value_sum, wait_max = excluded.wait_max`,
      args: [start, start, start + g.ms],
    };
  });
  return { clear, straddling };
}

/** Where a judgement's contributions go: its event's site and instant, its standard version. */
export interface RollupPlace {
  site: string;
  occurredAtMs: number;
  standardId: string;
  standardVersion: number;
}

type RollupKey = [standardId: string, bucketMs: number, site: string, version: number];
type CellKey = [site: string, standardId: string, bucketMs: number, version: number, value: number];

/** Collects contributions of one write and writes every touched row once (`flush`). */
export class RollupWriter {
  private readonly rollups;
  private readonly cells;

  constructor(db: Database.Database) {
    this.rollups = ROLLUP_GRAINS.map((g) => ({
      ms: g.ms,
      read: db.prepare(`SELECT ${SUM_COLUMNS} FROM ${ROLLUP_TABLE[g.name]} WHERE standard_id = ? AND bucket_ms = ? AND site = ? AND standard_version = ?`).raw(),
      write: db.prepare(`INSERT INTO ${ROLLUP_TABLE[g.name]} (standard_id, bucket_ms, site, standard_version, ${SUM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET judged = excluded.judged, counted = excluded.counted,
          met = excluded.met, considered = excluded.considered, abandoned = excluded.abandoned, value_n = excluded.value_n,
          value_sum = excluded.value_sum, wait_max = excluded.wait_max`),
      rows: new Map<string, { key: RollupKey; sums: Sums }>(),
    }));
    this.cells = VALUE_GRAINS.map((g) => {
      const table = VALUE_TABLE[g.name];
      const where = 'site = ? AND standard_id = ? AND bucket_ms = ? AND standard_version = ? AND value = ?';
      return {
        ms: g.ms,
        read: db.prepare(`SELECT n, met FROM ${table} WHERE ${where}`).raw(),
        write: db.prepare(`INSERT INTO ${table} (site, standard_id, bucket_ms, standard_version, value, n, met) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = excluded.n, met = excluded.met`),
        remove: db.prepare(`DELETE FROM ${table} WHERE ${where}`),
        counts: new Map<string, { key: CellKey; n: number; met: number }>(),
      };
    });
  }

  /** Adds (sign 1) or takes back (sign −1) a judgement's part in every rollup grain and value histogram. */
  add(place: RollupPlace, facts: JudgementFacts, sign: Sign = 1): void {
    const c = contribution(facts, sign); // never mutated: fold() writes into the row's own sums
    for (const g of this.rollups) {
      const key: RollupKey = [place.standardId, bucketStart(place.occurredAtMs, g.ms), place.site, place.standardVersion];
      const id = key.join('\u0000');
      const row = g.rows.get(id);
      if (row) fold(row.sums, c);
      else g.rows.set(id, { key, sums: fold(this.stored(g.read, key), c) });
    }
    const v = valueContribution(facts, sign);
    if (!v) return;
    for (const g of this.cells) {
      const key: CellKey = [place.site, place.standardId, bucketStart(place.occurredAtMs, g.ms), place.standardVersion, v.value];
      const id = key.join('\u0000');
      let cell = g.counts.get(id);
      if (!cell) {
        const stored = g.read.get(...key) as [number, number] | undefined;
        g.counts.set(id, (cell = { key, n: stored?.[0] ?? 0, met: stored?.[1] ?? 0 }));
      }
      cell.n += v.n;
      cell.met += v.met;
    }
  }

  /** Writes the collected rows (inside the write's transaction); a cell taken back to nothing is deleted. */
  flush(): void {
    for (const g of this.rollups) {
      for (const { key, sums: s } of g.rows.values()) g.write.run(...key, s.judged, s.counted, s.met, s.considered, s.abandoned, s.valueN, s.valueSum, s.waitMax);
      g.rows.clear();
    }
    for (const g of this.cells) {
      for (const c of g.counts.values()) {
        if (c.n === 0) g.remove.run(...c.key);
        else g.write.run(...c.key, c.n, c.met);
      }
      g.counts.clear();
    }
  }

  /** Forgets collected rows (the write failed and rolls back). */
  discard(): void {
    this.rollups.forEach((g) => g.rows.clear());
    this.cells.forEach((g) => g.counts.clear());
  }

  private stored(read: Database.Statement, key: RollupKey): Sums {
    const row = read.get(...key) as [number, number, number, number, number, number, number, number | null] | undefined;
    if (!row) return { judged: 0, counted: 0, met: 0, considered: 0, abandoned: 0, valueN: 0, valueSum: 0, waitMax: null };
    const [judged, counted, met, considered, abandoned, valueN, valueSum, waitMax] = row;
    return { judged, counted, met, considered, abandoned, valueN, valueSum, waitMax };
  }
}

/**
 * SQL for the start of the `ms`-long bucket that `column` (epoch ms) falls in, as domain/rollups.ts `bucketStart`
 * computes it (also before 1970, where `%` is negative); on both backends.
 */
export const bucketStartSql = (column: string, ms: number): string => `${column} - (((${column} % ${ms}) + ${ms}) % ${ms})`;
