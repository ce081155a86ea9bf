// Read side of the engine: aggregated contributions from rollups (when the range is aligned to their
// grain) or from raw events, raw reads for queue/agent breakdowns, and the p90's values from the value histograms.
import type Database from 'better-sqlite3';
import { contributionsSql } from './rollupSql';
import { ROLLUP_GRAINS, VALUE_GRAINS } from '../domain/rollups';
import { ROLLUP_TABLE, VALUE_TABLE } from './sqlite/rollups';
import { rebuildRollups } from './sqlite/rebuild';
import { retentionHorizon } from '../audit/retention';
// Raw reads filter standards with a unary plus (`+j.standard_id IN …`): without it SQLite drives the join from
// the standard's index (every judgement of the standard, ever) instead of the events' time or site+time index,
// which made a 15-minute all-site edge of a rolling window cost as much as the whole history (issue #7).
// Raw-path reads go through effective_judgements: judgements with their event's effective state (voided events
// out, amendments re-judged, with the amended outcome and waits).

/** Sums over judgements sharing (t, version, site[, group]); t is the grain bucket start or occurredAt. */
export interface AggRow {
  t: number;
  standardId: string;
  version: number;
  site: string;
  group?: string | null;
  judged: number;
  counted: number;
  met: number;
  considered: number;
  abandoned: number;
  valueN: number;
  valueSum: number;
  waitMax: number | null;
}

export type AggSource = 'rollup_15m' | 'rollup_minute' | 'raw';

export interface AggQuery {
  standardIds: readonly string[];
  fromMs: number;
  toMs: number;
  site: string | null;
  source: AggSource;
  /** Raw source only: also group by this event column. */
  groupBy?: 'queue' | 'agent';
  /**
   * Rollup sources only (issue #7: a long range returned thousands of per-bucket rows to JavaScript):
   * 'totals' sums the range per (standard, version, site), t = its first bucket; 'series' sums per (standard,
   * cell of `cellMs`, a multiple of the grain, version), all sites together (site ''). Default 'detail': one row
   * per stored key.
   */
  shape?: 'detail' | 'totals' | 'series';
  cellMs?: number;
}

export interface ValueCount {
  standardId: string;
  value: number;
  site: string;
  queue: string | null;
  agent: string | null;
  n: number;
}

export type ValueSource = 'value_hist_day' | 'value_hist_15m' | 'raw';

export interface EngineQueries {
  aggregate(q: AggQuery): AggRow[];
  /**
   * Measured values of considered answered/greeted judgements: rows of (standard, value, site[, queue | agent])
   * with `n`, how many judgements have it; a value may come in several rows (one per source read), so callers
   * add the counts up (issue #7). queue/agent are only filled when `groupBy` asks for them, else null.
   */
  values(q: Omit<AggQuery, 'source'>): ValueCount[];
  /**
   * Recomputes every rollup table (and value histogram) from raw events, judgements and corrections; after
   * retention pruning, from the cutoff on (docs/audit.md "Retention").
   */
  rebuildRollups(): void;
  /** Rollup or histogram rows as stored (for audits and the rebuild test). */
  dumpRollups(table: 'rollup_minute' | 'rollup_15m' | 'value_hist_day' | 'value_hist_15m'): unknown[];
}

/**
 * Splits [from, to) into the pieces the p90's values are read from: whole UTC days from `value_hist_day`, the
 * quarter hours of partial days from `value_hist_15m`, and the sub-quarter-hour edges from raw judgements.
 */
export function valuePieces(fromMs: number, toMs: number): Array<{ source: ValueSource; fromMs: number; toMs: number }> {
  const [dayGrain, quarterGrain] = VALUE_GRAINS;
  const day = { ms: dayGrain.ms, table: VALUE_TABLE.day } as const;
  const quarter = { ms: quarterGrain.ms, table: VALUE_TABLE.quarter } as const;
  const q0 = Math.ceil(fromMs / quarter.ms) * quarter.ms;
  const q1 = Math.floor(toMs / quarter.ms) * quarter.ms;
  if (q0 >= q1) return [{ source: 'raw', fromMs, toMs }];
  const d0 = Math.ceil(fromMs / day.ms) * day.ms;
  const d1 = Math.floor(toMs / day.ms) * day.ms;
  const middle: Array<{ source: ValueSource; fromMs: number; toMs: number }> =
    d0 < d1
      ? [{ source: quarter.table, fromMs: q0, toMs: d0 }, { source: day.table, fromMs: d0, toMs: d1 }, { source: quarter.table, fromMs: d1, toMs: q1 }]
      : [{ source: quarter.table, fromMs: q0, toMs: q1 }];
  return [{ source: 'raw' as const, fromMs, toMs: q0 }, ...middle, { source: 'raw' as const, fromMs: q1, toMs }].filter((p) => p.fromMs < p.toMs);
}

/** The coarsest source whose grain every boundary is aligned to. */
export function sourceFor(boundaries: readonly number[]): AggSource {
  for (const g of [...ROLLUP_GRAINS].sort((a, b) => b.ms - a.ms)) {
    if (boundaries.every((b) => mod(b, g.ms) === 0)) return ROLLUP_TABLE[g.name] as AggSource;
  }
  return 'raw';
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/** A range read as one rollup span plus raw pieces (each under one grain long) off the span's grid. */
export interface RangeSplit {
  raw: Array<{ fromMs: number; toMs: number }>;
  rollup: { source: Exclude<AggSource, 'raw'>; fromMs: number; toMs: number } | null;
}

/**
 * Issue #7: a rolling window ("30 days until now") starts and ends off the rollup grid, which used to send the whole
 * range to raw judgements. When only the two ends are off-grid (every other boundary is aligned), the aligned
 * interior is read from the rollups and just the two partial edges from raw rows. Shared by the compliance
 * figures and the compliance export, so both read the same events for the same range (also after pruning, when
 * a raw edge in the pruned past is empty and both say so).
 */
export function splitRange(fromMs: number, toMs: number, boundaries: readonly number[]): RangeSplit {
  const source = sourceFor(boundaries);
  if (source !== 'raw') return { raw: [], rollup: { source, fromMs, toMs } };
  const inner = boundaries.filter((b) => b > fromMs && b < toMs);
  for (const grain of [{ ms: 900_000, source: 'rollup_15m' as const }, { ms: 60_000, source: 'rollup_minute' as const }]) {
    const a = Math.ceil(fromMs / grain.ms) * grain.ms;
    const b = Math.floor(toMs / grain.ms) * grain.ms;
    if (a >= b || !inner.every((x) => x % grain.ms === 0)) continue;
    return { raw: [{ fromMs, toMs: a }, { fromMs: b, toMs }].filter((r) => r.fromMs < r.toMs), rollup: { source: grain.source, fromMs: a, toMs: b } };
  }
  return { raw: [{ fromMs, toMs }], rollup: null };
}

/** Selected columns of a rollup read of the given shape (see AggQuery.shape). */
function rollupShape(q: AggQuery): string {
  if (q.shape === 'totals') return `MIN(bucket_ms) AS t, standard_id AS standardId, standard_version AS version, site, ${SUMS}`;
  if (q.shape !== 'series') return `bucket_ms AS t, standard_id AS standardId, standard_version AS version, site, ${SUMS}`;
  const c = q.cellMs ?? 0;
  if (!Number.isSafeInteger(c) || c <= 0) throw new Error('a series read needs a positive whole cellMs');
  return `bucket_ms - (((bucket_ms % ${c}) + ${c}) % ${c}) AS t, standard_id AS standardId, standard_version AS version, '' AS site, ${SUMS}`;
}

/** A rollup read's row as an array, in the column order of rollupShape + SUMS. */
type RollupTuple = [number, string, number, string, number, number, number, number, number, number, number, number | null];

const aggRowOf = (r: RollupTuple): AggRow => ({
  t: r[0],
  standardId: r[1],
  version: r[2],
  site: r[3],
  judged: r[4],
  counted: r[5],
  met: r[6],
  considered: r[7],
  abandoned: r[8],
  valueN: r[9],
  valueSum: r[10],
  waitMax: r[11],
});

const SUMS = `SUM(judged) AS judged, SUM(counted) AS counted, SUM(met) AS met, SUM(considered) AS considered,
  SUM(abandoned) AS abandoned, SUM(value_n) AS valueN, SUM(value_sum) AS valueSum, MAX(wait_max) AS waitMax`;

/**
 * Per-site totals of every site (the dashboard's site bars): read site by site from the covering
 * `rollup_15m_by_site` (every event's site is in `sites`), not the standard-first key with every site's rows
 * interleaved: ~115,000 rows for a month of 20 sites, 112 → 68 ms at 300 k events (issue #7). Ordered as the
 * standard-first read was, so the sums in JavaScript add up in the same order (same floating-point bits).
 */
function allSiteTotalsSql(ids: string): string {
  return `SELECT ${rollupShape({ shape: 'totals' } as AggQuery)} FROM rollup_15m
    WHERE site IN (SELECT name FROM sites) AND standard_id IN ${ids} AND bucket_ms >= ? AND bucket_ms < ?
    GROUP BY site, standard_id, standard_version ORDER BY standard_id, standard_version, site`;
}

export function createEngineQueries(db: Database.Database): EngineQueries {
  const cache = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  // Rollup reads return rows as arrays (column order of rollupShape) turned into AggRows here: better-sqlite3's
  // own row objects cost ~2.3 ms of a one-site month's 1,440 hourly rows, 30 % of the read (issue #7).
  const rawCache = new Map<string, Database.Statement>();
  const rollupRows = (sql: string, args: unknown[]): AggRow[] => {
    let s = rawCache.get(sql);
    if (!s) rawCache.set(sql, (s = db.prepare(sql).raw(true)));
    return (s.all(...args) as RollupTuple[]).map(aggRowOf);
  };
  const idList = (ids: readonly string[]) => `(${ids.map(() => '?').join(', ')})`;
  const siteArgs = (site: string | null) => (site === null ? [] : [site]);

  /** Raw read of the values (through the corrected view), counted per value in SQL. */
  const rawValues = (q: Omit<AggQuery, 'source'>): ValueCount[] => {
    const queue = q.groupBy === 'queue' ? 'e.queue' : 'NULL';
    const agent = q.groupBy === 'agent' ? 'e.agent' : 'NULL';
    const extra = q.groupBy === 'queue' ? ', e.queue' : q.groupBy === 'agent' ? ', e.agent' : '';
    const sql = `SELECT j.standard_id AS standardId, j.value AS value, e.site AS site, ${queue} AS queue, ${agent} AS agent, COUNT(*) AS n
      FROM effective_judgements j JOIN events e ON e.seq = j.event_seq
      WHERE +j.standard_id IN ${idList(q.standardIds)} AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${q.site === null ? '' : 'AND e.site = ?'}
        AND j.correction IS NOT 'void' AND j.reason IS NOT 'outside-hours' AND j.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
      GROUP BY j.standard_id, j.value, e.site${extra}`;
    return prepared(sql).all(...q.standardIds, q.fromMs, q.toMs, ...siteArgs(q.site)) as ValueCount[];
  };

  /** Histogram read of an aligned range. All sites: one key range per site (the key starts with the site). */
  const histValues = (table: string, q: Omit<AggQuery, 'source'>): ValueCount[] => {
    const site = q.site === null ? 'site IN (SELECT name FROM sites)' : 'site = ?';
    const sql = `SELECT standard_id AS standardId, value, site, NULL AS queue, NULL AS agent, SUM(n) AS n FROM ${table}
      WHERE ${site} AND standard_id IN ${idList(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
      GROUP BY standard_id, value, site HAVING SUM(n) > 0`;
    return prepared(sql).all(...siteArgs(q.site), ...q.standardIds, q.fromMs, q.toMs) as ValueCount[];
  };

  return {
    aggregate(q) {
      if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
      const site = q.site === null ? '' : 'AND site = ?';
      const args = [...q.standardIds, q.fromMs, q.toMs, ...(q.site === null ? [] : [q.site])];
      let sql: string;
      if (q.source === 'raw') {
        const group = q.groupBy ? `, e.${q.groupBy} AS grp` : '';
        sql = `SELECT bucket_ms AS t, standard_id AS standardId, standard_version AS version, site${q.groupBy ? ', grp AS "group"' : ''}, ${SUMS}
          FROM (SELECT ${contributionsSql('j', 1)}${group} FROM effective_judgements j JOIN events e ON e.seq = j.event_seq
                WHERE +j.standard_id IN ${idList(q.standardIds)} AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${q.site === null ? '' : 'AND e.site = ?'}
                  AND j.correction IS NOT 'void')
          GROUP BY standard_id, bucket_ms, site, standard_version${q.groupBy ? ', grp' : ''}`;
      } else if (q.shape === 'totals' && q.site === null && q.source === 'rollup_15m') {
        return rollupRows(allSiteTotalsSql(idList(q.standardIds)), args);
      } else {
        return rollupRows(
          `SELECT ${rollupShape(q)} FROM ${q.source}
          WHERE standard_id IN ${idList(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ? ${site}
          GROUP BY ${q.shape === 'totals' ? 'standard_id, standard_version, site' : q.shape === 'series' ? 'standard_id, t, standard_version' : 'standard_id, bucket_ms, site, standard_version'}`,
          args,
        );
      }
      return prepared(sql).all(...args) as AggRow[];
    },
    values(q) {
      if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
      // Queue/agent breakdowns are not in the histograms (their sums are raw reads anyway).
      if (q.groupBy) return rawValues(q);
      return valuePieces(q.fromMs, q.toMs).flatMap((p) => (p.source === 'raw' ? rawValues({ ...q, ...p }) : histValues(p.source, { ...q, ...p })));
    },
    rebuildRollups() {
      rebuildRollups(db, retentionHorizon(db)?.prunedBeforeMs);
    },
    dumpRollups(table) {
      const value = table.startsWith('value_hist') ? ', value' : '';
      return db.prepare(`SELECT * FROM ${table} ORDER BY standard_id, bucket_ms, site, standard_version${value}`).all();
    },
  };
}
