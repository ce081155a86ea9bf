// Read side of GET /api/v1/distribution (issue #5): judged events of one standard counted per wait bin.
// A scan of the judgements of the range (indexed on occurred_at and site), grouped in SQL: the rollups keep
// only sums and a maximum, not a histogram, so they cannot answer "how many on ring 3".
import type Database from 'better-sqlite3';

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
}

export function createDistributionQueries(db: Database.Database): DistributionQueries {
  const statements = new Map<string, Database.Statement<[DistributionRange], BinCount>>();
  const statementFor = (edges: readonly number[]) => {
    const key = edges.join(',');
    let statement = statements.get(key);
    if (!statement) {
      // Edges are numbers chosen by the server (never request text), so inlining them is safe.
      if (!edges.every((e) => Number.isFinite(e))) throw new Error('bin edges must be finite numbers');
      const cases = edges.map((edge, i) => `WHEN j.value <= ${Number(edge)} THEN ${i}`).join(' ');
      statement = db.prepare<[DistributionRange], BinCount>(`
        SELECT CASE WHEN e.outcome IN ('abandoned', 'left') THEN -1
                    WHEN j.value IS NULL THEN -2
                    ${cases} ELSE ${edges.length} END AS bin,
               COUNT(*) AS count, COALESCE(SUM(j.met), 0) AS met
        FROM audit_effective_judgements j JOIN events e ON e.seq = j.event_seq
        WHERE j.standard_id = @standardId
          AND e.occurred_at_ms >= @fromMs AND e.occurred_at_ms < @toMs AND (@site IS NULL OR e.site = @site)
          AND (j.reason IS NULL OR j.reason <> 'outside-hours')
        GROUP BY bin`);
      statements.set(key, statement);
    }
    return statement;
  };
  return {
    binCounts: (range, edges) => statementFor(edges).all(range),
  };
}
