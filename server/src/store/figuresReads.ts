// The reads figures are made of, once for both backends: rollup sums, raw judgements grouped by what the arithmetic
// depends on, value counts from raw judgements and from the value histograms, and counts of corrections. SQL here
// only selects, groups, counts and sums; which judgement counts for what is domain/rollups.ts, applied by the
// compliance reader. Each backend supplies a FiguresDialect: how it runs a query, and the few places where its SQL
// differs (sqlite/figures.ts, postgres/figures.ts).
//
// Raw reads go through effective_judgements: judgements with their event's effective state (amended outcome,
// waits and re-judged verdict; a voided event's judgements come marked).
import { QUARTER_GRAIN_MS, ROLLUP_GRAINS, waitOf } from '../domain/rollups';
import type { CorrectionCount, FiguresReads, HistogramCell, HistogramCount, HistogramQuery, JudgementRange, RawGroup, RawQuery, RawValueCell, RollupQuery, SumsRow } from './port';
import { bucketStartSql, ROLLUP_BY_SITE, rollupSums as summedColumns, ROLLUP_TABLE, VALUE_TABLE } from './sqlite/rollups';
import { staffingGroups } from './staffingReads';

/** What a backend's figures SQL needs of it. Queries use `?` placeholders; rows come as arrays or as objects. */
export interface FiguresDialect {
  tuples<T extends unknown[]>(sql: string, args: readonly unknown[]): T[] | Promise<T[]>;
  rows<T>(sql: string, args: readonly unknown[]): T[] | Promise<T[]>;
  /** How GROUP BY names a computed column: SQLite by its alias, PostgreSQL by its position in the SELECT. */
  groupKey(alias: string, position: number): string;
  /** A NULL of type text (PostgreSQL wants the type of a NULL it groups by). */
  readonly nullText: string;
  /** The number of rows where `condition` holds (PostgreSQL does not sum booleans). */
  countIf(condition: string): string;
  /** `a IS NOT b` with NULL as a value. */
  readonly isNot: string;
  /** The standard column of the filter of a read driven by the events' time (raw reads, corrections). */
  readonly rawStandard: string;
  /** Whether a filter on one site is written `= ?` rather than `IN (?)`. */
  readonly oneSiteEquals: boolean;
  /** Whether a rollup read orders its groups (one that does not relies on the grouping's own order). */
  readonly orderGroups: boolean;
  /**
   * SUM of a double-precision expression whatever order its rows come in, so that one read answers the same twice
   * (and as on the other backend): added in the order rows arrive, the last digits move with the scan's order.
   */
  readonly sumReal: (expr: string) => string;
}

/** `(?, ?, …)`: one placeholder per value, for an IN list. */
const placeholders = (values: readonly unknown[]) => `(${values.map(() => '?').join(', ')})`;

/** `AND column IN (…)` for the asked sites, nothing for all sites. */
const siteFilter = (d: FiguresDialect, column: string, sites: readonly string[]) =>
  sites.length === 0 ? '' : sites.length === 1 && d.oneSiteEquals ? `AND ${column} = ?` : `AND ${column} IN ${placeholders(sites)}`;

/** The sites of a read: the asked ones, or every configured and auto-created site (every event's site is in `sites`). */
const sitesIn = (sites: readonly string[]) => (sites.length === 0 ? 'site IN (SELECT name FROM sites)' : `site IN ${placeholders(sites)}`);

const empty = (q: JudgementRange) => q.standardIds.length === 0 || q.fromMs >= q.toMs;

/** A rollup read's row as an array: t, standard, version, site, then the sums in SUMS order. */
type RollupTuple = [number, string, number, string, number, number, number, number, number, number, number, number | null];

const sumsRowOf = (r: RollupTuple): SumsRow => ({
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

const grainOf = (name: RollupQuery['grain']) => ROLLUP_GRAINS.find((g) => g.name === name)!;

/** Selected columns and grouping of a rollup read of the given shape. */
function rollupShape(d: FiguresDialect, q: RollupQuery): { columns: string; group: string } {
  if (q.shape === 'totals') return { columns: `MIN(bucket_ms) AS t, standard_id, standard_version, site, ${summedColumns(d.sumReal)}`, group: 'standard_id, standard_version, site' };
  if (q.shape === 'detail') return { columns: `bucket_ms AS t, standard_id, standard_version, site, ${summedColumns(d.sumReal)}`, group: 'standard_id, bucket_ms, site, standard_version' };
  const c = q.cellMs ?? 0;
  if (!Number.isSafeInteger(c) || c <= 0) throw new Error('a series read needs a positive whole cellMs');
  // A cell of the grain itself is the bucket: grouped by the column, SQLite reads one site's rows in the order of its
  // site index and needs no temporary B-tree (the same groups, in the same order).
  const t = c === grainOf(q.grain).ms ? 'bucket_ms' : bucketStartSql('bucket_ms', c);
  return { columns: `${t} AS t, standard_id, standard_version, '' AS site, ${summedColumns(d.sumReal)}`, group: `standard_id, ${d.groupKey('t', 1)}, standard_version` };
}

/**
 * Rollup sums, rows read as arrays (row objects cost ~30 % of a one-site month's read on SQLite). Per-site totals of
 * every site (the dashboard's site bars) are read site by site from the covering site index (ROLLUP_BY_SITE) rather than the
 * standard-first key with every site's rows interleaved; ordered as the standard-first read is, so the sums in
 * JavaScript add up in the same order.
 */
async function rollupSums(d: FiguresDialect, q: RollupQuery): Promise<SumsRow[]> {
  if (empty(q)) return [];
  const table = ROLLUP_TABLE[q.grain];
  const { columns, group } = rollupShape(d, q);
  if (q.shape === 'totals' && q.sites.length === 0 && ROLLUP_BY_SITE.has(q.grain)) {
    const sql = `SELECT ${columns} FROM ${table} WHERE site IN (SELECT name FROM sites) AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
      GROUP BY site, standard_id, standard_version ORDER BY standard_id, standard_version, site`;
    return (await d.tuples<RollupTuple>(sql, [...q.standardIds, q.fromMs, q.toMs])).map(sumsRowOf);
  }
  const order = d.orderGroups ? ` ORDER BY ${group}` : '';
  const sql = `SELECT ${columns} FROM ${table} WHERE standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ? ${siteFilter(d, 'site', q.sites)} GROUP BY ${group}${order}`;
  return (await d.tuples<RollupTuple>(sql, [...q.standardIds, q.fromMs, q.toMs, ...q.sites])).map(sumsRowOf);
}

/** WHERE of a raw read over effective_judgements `j`, and its arguments. */
function rawWhere(d: FiguresDialect, q: JudgementRange): { where: string; args: unknown[] } {
  return {
    where: `${d.rawStandard} IN ${placeholders(q.standardIds)} AND j.occurred_at_ms >= ? AND j.occurred_at_ms < ? ${siteFilter(d, 'j.site', q.sites)}`,
    args: [...q.standardIds, q.fromMs, q.toMs, ...q.sites],
  };
}

type RawTuple = [number, string, number, string, string | null, 'void' | 'amend' | null, string, string, string | null, number, number, number, number, number | null, number | null, number | null];

const rawGroupOf = (r: RawTuple): RawGroup => ({
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
});

/** A cell length written into SQL: a positive whole number of ms, or the read is refused. */
function cellMsOf(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error('a raw read by cell needs a positive whole cellMs');
  return ms;
}

/** Raw judgements grouped by instant, standard, version, site, queue/agent and everything the arithmetic looks at. */
async function rawGroups(d: FiguresDialect, q: RawQuery): Promise<RawGroup[]> {
  if (empty(q)) return [];
  const { where, args } = rawWhere(d, q);
  const group = q.groupBy ? `j.${q.groupBy}` : d.nullText;
  // Per instant, a range's raw edge is one group per event; per cell, one per kind of judgement in each; without,
  // one per kind of judgement.
  const instant = q.byInstant !== false;
  const t = !instant ? 'MIN(j.occurred_at_ms)' : q.cellMs !== undefined ? bucketStartSql('j.occurred_at_ms', cellMsOf(q.cellMs)) : 'j.occurred_at_ms';
  const sql = `SELECT ${t} AS t, j.standard_id, j.standard_version, j.site, ${group} AS grp, j.correction, j.type, j.outcome, j.reason,
      COUNT(*), SUM(j.met), SUM(j.counted), COUNT(j.value), ${d.sumReal('j.value')}, MAX(j.answer_seconds), MAX(j.greet_seconds)
    FROM effective_judgements j WHERE ${where}
    GROUP BY j.standard_id, ${instant ? `${d.groupKey('t', 1)}, ` : ''}j.site, j.standard_version, ${d.groupKey('grp', 5)}, j.correction, j.type, j.outcome, j.reason`;
  const groups = (await d.tuples<RawTuple>(sql, args)).map(rawGroupOf);
  if (!instant) for (const g of groups) g.t = q.fromMs;
  return groups;
}

/**
 * Raw judgements (not voided) counted per value, with what decides whether and where a value counts. `cells`: also
 * per quarter hour and standard version, as the value histograms keep them (verification recounts their cells).
 */
async function rawValues(d: FiguresDialect, q: RawQuery, cells = false): Promise<RawValueCell[]> {
  if (empty(q)) return [];
  const { where, args } = rawWhere(d, q);
  const group = q.groupBy ? `j.${q.groupBy}` : d.nullText;
  const cell = cells ? `${bucketStartSql('j.occurred_at_ms', QUARTER_GRAIN_MS)} AS t, j.standard_version AS version, ` : '';
  const sql = `SELECT ${cell}j.standard_id AS "standardId", j.site AS site, ${group} AS "group", j.value AS value, j.outcome AS outcome, j.reason AS reason, COUNT(*) AS n, SUM(j.met) AS met
    FROM effective_judgements j WHERE ${where} AND j.correction ${d.isNot} 'void'
    GROUP BY ${cells ? `${d.groupKey('t', 1)}, j.standard_version, ` : ''}j.standard_id, j.value, j.site, ${d.groupKey('"group"', cells ? 5 : 3)}, j.outcome, j.reason`;
  return d.rows<RawValueCell>(sql, args);
}

/**
 * Value-histogram counts per standard, site and value (shape 'values', the default), or its cells as stored ('detail':
 * per bucket, version, site and value). All sites: one key range per site (the key starts with the site).
 */
async function histogram(d: FiguresDialect, q: HistogramQuery): Promise<HistogramCount[]> {
  if (empty(q)) return [];
  const detail = q.shape === 'detail';
  const sql = `SELECT ${detail ? 'bucket_ms AS t, standard_version AS version, ' : ''}standard_id AS "standardId", site, value, ${detail ? 'n, met' : 'SUM(n) AS n, SUM(met) AS met'} FROM ${VALUE_TABLE[q.grain]}
    WHERE ${sitesIn(q.sites)} AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?
    ${detail ? '' : 'GROUP BY standard_id, value, site HAVING SUM(n) > 0'}`;
  return d.rows<HistogramCount>(sql, [...q.sites, ...q.standardIds, q.fromMs, q.toMs]);
}

/**
 * Judgements of the range's (stored) events whose latest correction is a void / an amendment. Driven by the events'
 * time index (the range's events, each with its latest correction looked up), as raw reads are (`rawStandard`): a
 * read driven by the standard's judgements, or by every correction, costs the whole history on every call, and an
 * export reads this once per period (a year of days: 365 calls).
 */
async function corrections(d: FiguresDialect, q: JudgementRange): Promise<CorrectionCount[]> {
  if (empty(q)) return [];
  const site = q.sites.length === 0 ? '' : `AND e.site IN ${placeholders(q.sites)}`;
  const sql = `SELECT e.site AS site, j.standard_id AS "standardId", j.standard_version AS version,
      ${d.countIf("lc.action = 'void'")} AS voided, ${d.countIf("lc.action = 'amend'")} AS amended
    FROM events e JOIN audit_corrections lc ON lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = e.seq)
      JOIN judgements j ON j.event_seq = e.seq
    WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ${site} AND ${d.rawStandard} IN ${placeholders(q.standardIds)}
    GROUP BY e.site, j.standard_id, j.standard_version`;
  return d.rows<CorrectionCount>(sql, [q.fromMs, q.toMs, ...q.sites, ...q.standardIds]);
}

/** Corrections of events pruned away, kept per bucket so reports of those days still count them. */
async function prunedCorrections(d: FiguresDialect, q: JudgementRange): Promise<CorrectionCount[]> {
  if (empty(q)) return [];
  const sql = `SELECT site, standard_id AS "standardId", standard_version AS version, SUM(voided) AS voided, SUM(amended) AS amended FROM pruned_corrections
    WHERE standard_id IN ${placeholders(q.standardIds)} AND ${sitesIn(q.sites)} AND bucket_ms >= ? AND bucket_ms < ? GROUP BY site, standard_id, standard_version`;
  return d.rows<CorrectionCount>(sql, [...q.standardIds, ...q.sites, q.fromMs, q.toMs]);
}

/** The figures reads on one backend. */
export function figuresReadsOf(d: FiguresDialect): FiguresReads {
  return {
    rollupSums: (q) => rollupSums(d, q),
    rawGroups: (q) => rawGroups(d, q),
    rawValues: (q) => rawValues(d, q),
    rawValueCells: (q) => rawValues(d, q, true),
    histogram: (q) => histogram(d, q),
    histogramCells: async (q) => (await histogram(d, { ...q, shape: 'detail' })) as HistogramCell[],
    corrections: (q) => corrections(d, q),
    prunedCorrections: (q) => prunedCorrections(d, q),
    staffingGroups: (q) => staffingGroups(d, q),
  };
}
