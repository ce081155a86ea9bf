// The reads figures are made of, on PostgreSQL: the SQLite backend's queries (store/sqlite/figures.ts says what
// each answers and why) in PostgreSQL's dialect. SQL only selects, groups, counts and sums; the arithmetic is
// domain/rollups.ts.
import { waitOf } from '../../domain/rollups';
import { placeholders, rollupShape, sumsRowOf, type RollupTuple } from '../rollupReads';
import type { CorrectionCount, FiguresReads, HistogramCount, HistogramQuery, JudgementRange, RawGroup, RawQuery, RawValueCount, RollupQuery, SumsRow } from '../port';
import { ROLLUP_TABLE, VALUE_TABLE } from '../sqlite/rollups';
import type { Sql } from './db';


async function rollupSums(s: Sql, q: RollupQuery): Promise<SumsRow[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const table = ROLLUP_TABLE[q.grain];
  const { columns, group } = rollupShape(q, '1');
  if (q.shape === 'totals' && q.sites.length === 0 && q.grain === 'quarter') {
    // Rows of configured and auto-created sites (every event's site is in `sites`), ordered as the SQLite read.
    const sql = `SELECT ${columns} FROM ${table} WHERE site IN (SELECT name FROM sites) AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
      GROUP BY site, standard_id, standard_version ORDER BY standard_id, standard_version, site`;
    return (await s.tuples<RollupTuple>(sql, [...q.standardIds, q.fromMs, q.toMs])).map(sumsRowOf);
  }
  const site = q.sites.length === 0 ? '' : `AND site IN ${placeholders(q.sites)}`;
  const sql = `SELECT ${columns} FROM ${table} WHERE standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ? ${site} GROUP BY ${group} ORDER BY ${group}`;
  return (await s.tuples<RollupTuple>(sql, [...q.standardIds, q.fromMs, q.toMs, ...q.sites])).map(sumsRowOf);
}

function rawWhere(q: JudgementRange): { where: string; args: unknown[] } {
  const site = q.sites.length === 0 ? '' : `AND j.site IN ${placeholders(q.sites)}`;
  return { where: `j.standard_id IN ${placeholders(q.standardIds)} AND j.occurred_at_ms >= ? AND j.occurred_at_ms < ? ${site}`, args: [...q.standardIds, q.fromMs, q.toMs, ...q.sites] };
}

type RawTuple = [number, string, number, string, string | null, 'void' | 'amend' | null, string, string, string | null, number, number, number, number, number | null, number | null, number | null];

async function rawGroups(s: Sql, q: RawQuery): Promise<RawGroup[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const { where, args } = rawWhere(q);
  const group = q.groupBy ? `j.${q.groupBy}` : 'NULL::text';
  const sql = `SELECT j.occurred_at_ms AS t, j.standard_id, j.standard_version, j.site, ${group} AS grp, j.correction, j.type, j.outcome, j.reason,
      COUNT(*), SUM(j.met), SUM(j.counted), COUNT(j.value), SUM(j.value), MAX(j.answer_seconds), MAX(j.greet_seconds)
    FROM effective_judgements j WHERE ${where}
    GROUP BY j.standard_id, 1, j.site, j.standard_version, 5, j.correction, j.type, j.outcome, j.reason`;
  return (await s.tuples<RawTuple>(sql, args)).map((r) => ({
    t: r[0],
    standardId: r[1],
    version: r[2],
    site: r[3],
    group: r[4],
    correction: r[5],
    type: r[6],
    outcome: r[7],
    reason: r[8],
    n: r[9],
    met: r[10],
    counted: r[11],
    measured: r[12],
    valueSum: r[13] ?? 0,
    waitMax: waitOf({ type: r[6], answerSeconds: r[14], greetSeconds: r[15] }),
  }));
}

async function rawValues(s: Sql, q: RawQuery): Promise<RawValueCount[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const { where, args } = rawWhere(q);
  const group = q.groupBy ? `j.${q.groupBy}` : 'NULL::text';
  const sql = `SELECT j.standard_id AS "standardId", j.site AS site, ${group} AS "group", j.value AS value, j.outcome AS outcome, j.reason AS reason, COUNT(*) AS n, SUM(j.met) AS met
    FROM effective_judgements j WHERE ${where} AND j.correction IS DISTINCT FROM 'void'
    GROUP BY j.standard_id, j.value, j.site, 3, j.outcome, j.reason`;
  return s.rows<RawValueCount>(sql, args);
}

async function histogram(s: Sql, q: HistogramQuery): Promise<HistogramCount[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? 'site IN (SELECT name FROM sites)' : `site IN ${placeholders(q.sites)}`;
  const sql = `SELECT standard_id AS "standardId", site, value, SUM(n) AS n, SUM(met) AS met FROM ${VALUE_TABLE[q.grain]}
    WHERE ${site} AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
    GROUP BY standard_id, value, site HAVING SUM(n) > 0`;
  return s.rows<HistogramCount>(sql, [...q.sites, ...q.standardIds, q.fromMs, q.toMs]);
}

async function corrections(s: Sql, q: JudgementRange): Promise<CorrectionCount[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? '' : `AND e.site IN ${placeholders(q.sites)}`;
  const sql = `SELECT e.site AS site, j.standard_id AS "standardId", j.standard_version AS version,
      SUM((lc.action = 'void')::int) AS voided, SUM((lc.action = 'amend')::int) AS amended
    FROM audit_corrections lc JOIN events e ON e.seq = lc.event_seq JOIN judgements j ON j.event_seq = e.seq
    WHERE lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = lc.event_seq)
      AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${site} AND j.standard_id IN ${placeholders(q.standardIds)}
    GROUP BY e.site, j.standard_id, j.standard_version`;
  return s.rows<CorrectionCount>(sql, [q.fromMs, q.toMs, ...q.sites, ...q.standardIds]);
}

async function prunedCorrections(s: Sql, q: JudgementRange): Promise<CorrectionCount[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? 'site IN (SELECT name FROM sites)' : `site IN ${placeholders(q.sites)}`;
  const sql = `SELECT site, standard_id AS "standardId", standard_version AS version, SUM(voided) AS voided, SUM(amended) AS amended FROM pruned_corrections
    WHERE standard_id IN ${placeholders(q.standardIds)} AND ${site} AND bucket_ms >= ? AND bucket_ms < ? GROUP BY site, standard_id, standard_version`;
  return s.rows<CorrectionCount>(sql, [...q.standardIds, ...q.sites, q.fromMs, q.toMs]);
}

export function figuresReads(s: Sql): FiguresReads {
  return {
    rollupSums: (q) => rollupSums(s, q),
    rawGroups: (q) => rawGroups(s, q),
    rawValues: (q) => rawValues(s, q),
    histogram: (q) => histogram(s, q),
    corrections: (q) => corrections(s, q),
    prunedCorrections: (q) => prunedCorrections(s, q),
  };
}
