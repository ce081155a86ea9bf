// The reads figures are made of: rollup sums, raw judgements grouped by what the arithmetic depends on, value
// counts from raw judgements and from the value histograms, and counts of corrections. SQL here only selects,
// groups, counts and sums; which judgement counts for what is domain/rollups.ts, applied by the compliance reader.
//
// Raw reads go through effective_judgements: judgements with their event's effective state (amended outcome,
// waits and re-judged verdict; a voided event's judgements come marked). They filter standards with a unary plus
// (`+j.standard_id IN …`): without it SQLite drives the read from the standard's index (every judgement of the
// standard, ever) instead of the events' time or site+time index, which made a 15-minute edge of an all-site
// rolling window cost as much as the whole history.
import { waitOf } from '../../domain/rollups';
import { placeholders, rollupShape, sumsRowOf, type RollupTuple } from '../rollupReads';
import type { CorrectionCount, FiguresReads, HistogramCount, HistogramQuery, JudgementRange, RawGroup, RawQuery, RawValueCount, RollupQuery, SumsRow } from '../port';
import type { Statements } from './database';
import { ROLLUP_TABLE, VALUE_TABLE } from './rollups';


/**
 * Rollup sums. Rows come as arrays turned into objects here (better-sqlite3's own row objects cost ~30 % of a
 * one-site month's read). Per-site totals of every site (the dashboard's site bars) are read site by site from
 * the covering rollup_15m_by_site (every event's site is in `sites`) rather than the standard-first key with every
 * site's rows interleaved; ordered as the standard-first read was, so the sums in JavaScript add up in the same order.
 */
function rollupSums(s: Statements, q: RollupQuery): SumsRow[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const table = ROLLUP_TABLE[q.grain];
  const { columns, group } = rollupShape(q, 't');
  if (q.shape === 'totals' && q.sites.length === 0 && q.grain === 'quarter') {
    const sql = `SELECT ${columns} FROM ${table} WHERE site IN (SELECT name FROM sites) AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
      GROUP BY site, standard_id, standard_version ORDER BY standard_id, standard_version, site`;
    return (s.raw(sql).all(...q.standardIds, q.fromMs, q.toMs) as RollupTuple[]).map(sumsRowOf);
  }
  const site = q.sites.length === 0 ? '' : q.sites.length === 1 ? 'AND site = ?' : `AND site IN ${placeholders(q.sites)}`;
  const sql = `SELECT ${columns} FROM ${table} WHERE standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ? ${site} GROUP BY ${group}`;
  return (s.raw(sql).all(...q.standardIds, q.fromMs, q.toMs, ...q.sites) as RollupTuple[]).map(sumsRowOf);
}

/** WHERE of a raw read over effective_judgements `j`, and its arguments. */
function rawWhere(q: JudgementRange): { where: string; args: unknown[] } {
  const site = q.sites.length === 0 ? '' : q.sites.length === 1 ? 'AND j.site = ?' : `AND j.site IN ${placeholders(q.sites)}`;
  return { where: `+j.standard_id IN ${placeholders(q.standardIds)} AND j.occurred_at_ms >= ? AND j.occurred_at_ms < ? ${site}`, args: [...q.standardIds, q.fromMs, q.toMs, ...q.sites] };
}

type RawTuple = [number, string, number, string, string | null, 'void' | 'amend' | null, string, string, string | null, number, number, number, number, number | null, number | null, number | null];

/** Raw judgements grouped by instant, standard, version, site, queue/agent and everything the arithmetic looks at. */
function rawGroups(s: Statements, q: RawQuery): RawGroup[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const { where, args } = rawWhere(q);
  const group = q.groupBy ? `j.${q.groupBy}` : 'NULL';
  const sql = `SELECT j.occurred_at_ms AS t, j.standard_id, j.standard_version, j.site, ${group} AS grp, j.correction, j.type, j.outcome, j.reason,
      COUNT(*), SUM(j.met), SUM(j.counted), COUNT(j.value), SUM(j.value), MAX(j.answer_seconds), MAX(j.greet_seconds)
    FROM effective_judgements j WHERE ${where}
    GROUP BY j.standard_id, t, j.site, j.standard_version, grp, j.correction, j.type, j.outcome, j.reason`;
  return (s.raw(sql).all(...args) as RawTuple[]).map((r) => ({
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

/** Raw judgements (not voided) counted per value, with what decides whether and where a value counts. */
function rawValues(s: Statements, q: RawQuery): RawValueCount[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const { where, args } = rawWhere(q);
  const group = q.groupBy ? `j.${q.groupBy}` : 'NULL';
  const sql = `SELECT j.standard_id AS standardId, j.site AS site, ${group} AS "group", j.value AS value, j.outcome AS outcome, j.reason AS reason, COUNT(*) AS n, SUM(j.met) AS met
    FROM effective_judgements j WHERE ${where} AND j.correction IS NOT 'void'
    GROUP BY j.standard_id, j.value, j.site, "group", j.outcome, j.reason`;
  return s.get(sql).all(...args) as RawValueCount[];
}

/** Value-histogram counts per standard, site and value. All sites: one key range per site (the key starts with the site). */
function histogram(s: Statements, q: HistogramQuery): HistogramCount[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? 'site IN (SELECT name FROM sites)' : `site IN ${placeholders(q.sites)}`;
  const sql = `SELECT standard_id AS standardId, site, value, SUM(n) AS n, SUM(met) AS met FROM ${VALUE_TABLE[q.grain]}
    WHERE ${site} AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
    GROUP BY standard_id, value, site HAVING SUM(n) > 0`;
  return s.get(sql).all(...q.sites, ...q.standardIds, q.fromMs, q.toMs) as HistogramCount[];
}

/** Judgements of the range's (stored) events whose latest correction is a void / an amendment; read from the corrections. */
function corrections(s: Statements, q: JudgementRange): CorrectionCount[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? '' : `AND e.site IN ${placeholders(q.sites)}`;
  const sql = `SELECT e.site AS site, j.standard_id AS standardId, j.standard_version AS version, SUM(lc.action = 'void') AS voided, SUM(lc.action = 'amend') AS amended
    FROM audit_corrections lc JOIN events e ON e.seq = lc.event_seq JOIN judgements j ON j.event_seq = e.seq
    WHERE lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = lc.event_seq)
      AND e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${site} AND j.standard_id IN ${placeholders(q.standardIds)}
    GROUP BY e.site, j.standard_id, j.standard_version`;
  return s.get(sql).all(q.fromMs, q.toMs, ...q.sites, ...q.standardIds) as CorrectionCount[];
}

function prunedCorrections(s: Statements, q: JudgementRange): CorrectionCount[] {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const site = q.sites.length === 0 ? 'site IN (SELECT name FROM sites)' : `site IN ${placeholders(q.sites)}`;
  const sql = `SELECT site, standard_id AS standardId, standard_version AS version, SUM(voided) AS voided, SUM(amended) AS amended FROM pruned_corrections
    WHERE standard_id IN ${placeholders(q.standardIds)} AND ${site} AND bucket_ms >= ? AND bucket_ms < ? GROUP BY site, standard_id, standard_version`;
  return s.get(sql).all(...q.standardIds, ...q.sites, q.fromMs, q.toMs) as CorrectionCount[];
}

export function figuresReads(s: Statements): FiguresReads {
  return {
    rollupSums: async (q) => rollupSums(s, q),
    rawGroups: async (q) => rawGroups(s, q),
    rawValues: async (q) => rawValues(s, q),
    histogram: async (q) => histogram(s, q),
    corrections: async (q) => corrections(s, q),
    prunedCorrections: async (q) => prunedCorrections(s, q),
  };
}
