// What verification reads of the tables derived from chained records, once for both backends: each site's row
// beside its latest (chained) history record, and the value-histogram cells as stored and as the judgements give them.
// The rollup rows themselves, and the judgements grouped for them, are the figures reads (figuresReads.ts: detail rows
// and raw groups), so a rollup cell is recounted by the same reads and arithmetic as every figure. SQL here only
// selects, groups and counts; which judgement counts for what is domain/rollups.ts.
import type { Site } from '../protocol';
import type { DerivedReads, HistogramQuery, RawValueCell, SiteAgainstHistory, ValueCell } from './port';
import { QUARTER_GRAIN_MS } from '../domain/rollups';
import { bucketStartSql, ROLLUP_TABLE, VALUE_TABLE } from './sqlite/rollups';

/** What a backend supplies: how it runs a query (rows as arrays), and its sites rows as their history would record them. */
export interface DerivedDialect {
  tuples<T extends unknown[]>(sql: string, args: readonly unknown[]): T[] | Promise<T[]>;
  /** Every sites row: its id, whether retired, and the definition a site history record of it now would hold. */
  siteRows(): Promise<Array<{ site: string; retired: boolean; definition: Site }>>;
}

const DAY_MS = 86_400_000;

/** The latest history record of every site that has one (site_history_by_site: (site, seq)). */
const LATEST_CHANGES = `SELECT h.site, h.seq, h.change, h.definition FROM site_history h
  WHERE h.seq = (SELECT MAX(x.seq) FROM site_history x WHERE x.site = h.site)`;

const derivedTables = [...Object.values(ROLLUP_TABLE), ...Object.values(VALUE_TABLE)];

/** The UTC days holding an event or a derived row of any grain: where verification recounts, a day at a time. */
const DAYS = `SELECT d FROM (SELECT ${bucketStartSql('occurred_at_ms', DAY_MS)} AS d FROM events
  ${derivedTables.map((t) => `UNION SELECT ${bucketStartSql('bucket_ms', DAY_MS)} FROM ${t}`).join('\n  ')}) days ORDER BY d`;
/** Every standard and site that a judgement or a derived row names (the key lists of the day reads). */
const STANDARDS = `SELECT standard_id FROM judgements ${derivedTables.map((t) => `UNION SELECT standard_id FROM ${t}`).join(' ')}`;
const SITES = `SELECT name FROM sites UNION SELECT site FROM events ${derivedTables.map((t) => `UNION SELECT site FROM ${t}`).join(' ')}`;

const placeholders = (values: readonly unknown[]) => `(${values.map(() => '?').join(', ')})`;

/** Not voided judgements with a value, in their effective state, counted per quarter hour, version, value, outcome and reason. */
async function rawValueCells(d: DerivedDialect, fromMs: number, toMs: number): Promise<RawValueCell[]> {
  const sql = `SELECT ${bucketStartSql('j.occurred_at_ms', QUARTER_GRAIN_MS)} AS t, j.standard_id, j.standard_version, j.site, j.value, j.outcome, j.reason, COUNT(*), SUM(j.met)
    FROM effective_judgements j WHERE j.occurred_at_ms >= ? AND j.occurred_at_ms < ? AND (j.correction IS NULL OR j.correction <> 'void') AND j.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7`;
  type Tuple = [number, string, number, string, number, string, string | null, number, number];
  return (await d.tuples<Tuple>(sql, [fromMs, toMs])).map(([t, standardId, version, site, value, outcome, reason, n, met]) => ({ t, standardId, version, site, value, outcome, reason, n, met }));
}

/** The stored value-histogram cells of a range (index order of the key: site, standard, bucket). */
async function histogramCells(d: DerivedDialect, q: HistogramQuery): Promise<ValueCell[]> {
  if (q.sites.length === 0 || q.standardIds.length === 0) return [];
  const sql = `SELECT bucket_ms, standard_id, standard_version, site, value, n, met FROM ${VALUE_TABLE[q.grain]}
    WHERE site IN ${placeholders(q.sites)} AND standard_id IN ${placeholders(q.standardIds)} AND bucket_ms >= ? AND bucket_ms < ?`;
  type Tuple = [number, string, number, string, number, number, number];
  return (await d.tuples<Tuple>(sql, [...q.sites, ...q.standardIds, q.fromMs, q.toMs])).map(([t, standardId, version, site, value, n, met]) => ({ t, standardId, version, site, value, n, met }));
}

async function sites(d: DerivedDialect): Promise<SiteAgainstHistory[]> {
  const bySite = new Map<string, SiteAgainstHistory>();
  for (const r of await d.siteRows()) bySite.set(r.site, { site: r.site, row: { retired: r.retired, definition: r.definition }, latest: null });
  for (const [site, seq, change, definition] of await d.tuples<[string, number, string, string]>(LATEST_CHANGES, [])) {
    const latest = { seq, change, definition: JSON.parse(definition) as Site };
    const known = bySite.get(site);
    if (known) known.latest = latest;
    else bySite.set(site, { site, row: null, latest });
  }
  return [...bySite.values()].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
}

export function derivedReadsOf(d: DerivedDialect): DerivedReads {
  const column = async <T>(sql: string) => (await d.tuples<[T]>(sql, [])).map((r) => r[0]);
  return {
    tables: { rollup: ROLLUP_TABLE, value: VALUE_TABLE },
    sites: () => sites(d),
    days: () => column<number>(DAYS),
    standardIds: () => column<string>(STANDARDS),
    siteIds: () => column<string>(SITES),
    rawValueCells: (fromMs, toMs) => rawValueCells(d, fromMs, toMs),
    histogramCells: (q) => histogramCells(d, q),
  };
}
