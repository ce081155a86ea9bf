// Read side of the engine: aggregated contributions from rollups (when the range is aligned to their
// grain) or from raw events, plus raw reads for queue/agent breakdowns and percentiles.
import type Database from 'better-sqlite3';
import { contributionsSql, rebuildSql, ROLLUP_GRAINS } from './engineMigration';
import { reapplyCorrections } from '../audit/auditStore';
// Raw-path reads go through audit_effective_judgements (issue #6): judgements with corrections applied (voided
// events out, amendments re-judged), same columns; with no corrections it is exactly the judgements table.

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
}

export interface EngineQueries {
  aggregate(q: AggQuery): AggRow[];
  /** Measured values of considered answered/greeted judgements, with their site/queue/agent. */
  /**
   * Measured values of considered answered/greeted judgements: one row per distinct (standard, value, site
   * [, queue | agent]) with `n`, how many judgements have it (issue #7: counted in SQL instead of shipping every
   * judgement to JS; queue/agent are only filled when `groupBy` asks for them, else null).
   */
  values(q: Omit<AggQuery, 'source'>): Array<{ standardId: string; value: number; site: string; queue: string | null; agent: string | null; n: number }>;
  /** Recomputes every rollup table from raw events and judgements. */
  rebuildRollups(): void;
  /** Rollup rows as stored (for audits and the rebuild test). */
  dumpRollups(table: 'rollup_minute' | 'rollup_15m'): unknown[];
}

/** The coarsest source whose grain every boundary is aligned to. */
export function sourceFor(boundaries: readonly number[]): AggSource {
  for (const g of [...ROLLUP_GRAINS].sort((a, b) => b.ms - a.ms)) {
    if (boundaries.every((b) => mod(b, g.ms) === 0)) return g.table;
  }
  return 'raw';
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

const SUMS = `SUM(judged) AS judged, SUM(counted) AS counted, SUM(met) AS met, SUM(considered) AS considered,
  SUM(abandoned) AS abandoned, SUM(value_n) AS valueN, SUM(value_sum) AS valueSum, MAX(wait_max) AS waitMax`;

export function createEngineQueries(db: Database.Database): EngineQueries {
  const cache = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const idList = (ids: readonly string[]) => `(${ids.map(() => '?').join(', ')})`;

  return {
    aggregate(q) {
      if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
      const site = q.site === null ? '' : 'AND site = ?';
      const args = [...q.standardIds, q.fromMs, q.toMs, ...(q.site === null ? [] : [q.site])];
      let sql: string;
      if (q.source === 'raw') {
        const group = q.groupBy ? `, e.${q.groupBy} AS grp` : '';
        sql = `SELECT bucket_ms AS t, standard_id AS standardId, standard_version AS version, site${q.groupBy ? ', grp AS "group"' : ''}, ${SUMS}
          FROM (SELECT ${contributionsSql('j', 1)}${group} FROM audit_effective_judgements j JOIN events e ON e.seq = j.event_seq
                WHERE j.standard_id IN ${idList(q.standardIds)} AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${q.site === null ? '' : 'AND e.site = ?'})
          GROUP BY standard_id, bucket_ms, site, standard_version${q.groupBy ? ', grp' : ''}`;
      } else {
        sql = `SELECT bucket_ms AS t, standard_id AS standardId, standard_version AS version, site, ${SUMS} FROM ${q.source}
          WHERE standard_id IN ${idList(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ? ${site}
          GROUP BY standard_id, bucket_ms, site, standard_version`;
      }
      return prepared(sql).all(...args) as AggRow[];
    },
    values(q) {
      if (q.standardIds.length === 0) return [];
      const queue = q.groupBy === 'queue' ? 'e.queue' : 'NULL';
      const agent = q.groupBy === 'agent' ? 'e.agent' : 'NULL';
      const extra = q.groupBy === 'queue' ? ', e.queue' : q.groupBy === 'agent' ? ', e.agent' : '';
      const sql = `SELECT j.standard_id AS standardId, j.value AS value, e.site AS site, ${queue} AS queue, ${agent} AS agent, COUNT(*) AS n
        FROM audit_effective_judgements j JOIN events e ON e.seq = j.event_seq
        WHERE j.standard_id IN ${idList(q.standardIds)} AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${q.site === null ? '' : 'AND e.site = ?'}
          AND j.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
        GROUP BY j.standard_id, j.value, e.site${extra}`;
      return prepared(sql).all(...q.standardIds, q.fromMs, q.toMs, ...(q.site === null ? [] : [q.site])) as ReturnType<EngineQueries['values']>;
    },
    rebuildRollups() {
      db.transaction(() => {
        for (const g of ROLLUP_GRAINS) db.exec(rebuildSql(g.table, g.ms));
        reapplyCorrections(db); // issue #6: voids/amendments are compensating deltas on top of raw judgements
      })();
    },
    dumpRollups(table) {
      return db.prepare(`SELECT * FROM ${table} ORDER BY standard_id, bucket_ms, site, standard_version`).all();
    },
  };
}
