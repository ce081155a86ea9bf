// Read side of GET /api/v1/distribution (issue #5): judged events of one standard counted per wait bin.
// A scan of the judgements of the range (indexed on occurred_at and site), grouped in SQL. For a range whose raw
// events were pruned (retention) the same counts come from what pruning keeps, exactly: the value histograms
// (per measured value: n and met) and rollup_15m (considered and met), see summaryBinCounts.
import type Database from 'better-sqlite3';
import { retentionHorizon, type RetentionHorizon } from '../audit/retention';
import { valuePieces } from './rollupQueries';

export interface DistributionRange {
  standardId: string;
  fromMs: number;
  toMs: number;
  /** null = all sites. */
  site: string | null;
}

export interface BinCount {
  /** 0 … edges.length: the wait bin (value ≤ edges[i], first match; edges.length = above the last edge);
   *  -1: the abandoned / left bin; -2: answered but without a measured value. */
  bin: number;
  count: number;
  met: number;
}

export interface DistributionQueries {
  /** Counts per bin for the given upper bin edges (ascending, inclusive), outside-hours judgements excluded. */
  binCounts(range: DistributionRange, edges: readonly number[]): BinCount[];
  /**
   * The same counts for a range on the quarter-hour grid, from the value histograms and rollups (which pruning
   * keeps). Wait bins: the histograms hold exactly the raw read's wait-bin population (considered judgements
   * with a value, of events recorded as answered/greeted; corrected values and met). The last bin is the rest
   * of the considered judgements (rollups' `considered`; outside-hours ones are not considered), and its met
   * the rest of Σmet (an outside-hours judgement is never met). That rest is the abandoned/left bin because an
   * answered call or greeted visit always has its measure (the wire schema requires one; a call's other one is
   * derived), so the raw read's "answered without a value" bin is always empty.
   */
  summaryBinCounts(range: DistributionRange, edges: readonly number[]): BinCount[];
  /** Since when raw events are complete (the latest retention cutoff); null = nothing was pruned. */
  horizon(): RetentionHorizon | null;
}

/** `CASE … END` giving the wait bin of `value` (edges are numbers chosen by the server, never request text). */
function binCase(value: string, edges: readonly number[]): string {
  if (!edges.every((e) => Number.isFinite(e))) throw new Error('bin edges must be finite numbers');
  return `CASE ${edges.map((edge, i) => `WHEN ${value} <= ${Number(edge)} THEN ${i}`).join(' ')} ELSE ${edges.length} END`;
}

export function createDistributionQueries(db: Database.Database): DistributionQueries {
  const cache = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const rawSql = (edges: readonly number[]) => `
    SELECT CASE WHEN j.outcome IN ('abandoned', 'left') THEN -1
                WHEN j.value IS NULL THEN -2
                ELSE ${binCase('j.value', edges)} END AS bin,
           COUNT(*) AS count, COALESCE(SUM(j.met), 0) AS met
    FROM effective_judgements j JOIN events e ON e.seq = j.event_seq
    WHERE j.standard_id = @standardId AND j.correction IS NOT 'void'
      AND e.occurred_at_ms >= @fromMs AND e.occurred_at_ms < @toMs AND (@site IS NULL OR e.site = @site)
      AND (j.reason IS NULL OR j.reason <> 'outside-hours')
    GROUP BY bin`;
  // Site first in the histograms' key: all sites are read site by site (as the p90's histogram read does).
  const sites = (site: string | null) => (site === null ? 'site IN (SELECT name FROM sites)' : 'site = @site');
  const histSql = (table: string, edges: readonly number[], site: string | null) => `
    SELECT ${binCase('value', edges)} AS bin, SUM(n) AS count, SUM(met) AS met FROM ${table}
    WHERE ${sites(site)} AND standard_id = @standardId AND bucket_ms >= @fromMs AND bucket_ms < @toMs
    GROUP BY bin`;
  const rollupSql = (site: string | null) => `
    SELECT COALESCE(SUM(considered), 0) AS considered, COALESCE(SUM(met), 0) AS met FROM rollup_15m
    WHERE standard_id = @standardId AND bucket_ms >= @fromMs AND bucket_ms < @toMs ${site === null ? '' : 'AND site = @site'}`;

  return {
    binCounts: (range, edges) => prepared(rawSql(edges)).all(range) as BinCount[],
    summaryBinCounts(range, edges) {
      if (range.fromMs % 900_000 !== 0 || range.toMs % 900_000 !== 0) throw new Error('summary bin counts need a range on the quarter-hour grid');
      const waits = new Map<number, BinCount>();
      for (const piece of valuePieces(range.fromMs, range.toMs)) {
        for (const c of prepared(histSql(piece.source, edges, range.site)).all({ ...range, ...piece }) as BinCount[]) {
          const b = waits.get(c.bin) ?? { bin: c.bin, count: 0, met: 0 };
          waits.set(c.bin, { bin: c.bin, count: b.count + c.count, met: b.met + c.met });
        }
      }
      const all = prepared(rollupSql(range.site)).get(range) as { considered: number; met: number };
      const counted = [...waits.values()].reduce((s, c) => ({ count: s.count + c.count, met: s.met + c.met }), { count: 0, met: 0 });
      return [...waits.values(), { bin: -1, count: all.considered - counted.count, met: all.met - counted.met }];
    },
    horizon: () => retentionHorizon(db),
  };
}
