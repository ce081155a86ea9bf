// What verification reads of the tables derived from chained records, once for both backends: each site's row
// beside its latest (chained) history record, and the days, standards and sites to recount. The rollup rows and
// histogram cells themselves, and the judgements counted for them, are the figures reads (figuresReads.ts: detail
// rows and cells, raw groups and value cells), so a cell is recounted by the same reads and arithmetic as every
// figure. SQL here only selects; which judgement counts for what is domain/rollups.ts.
import type { Site } from '../protocol';
import type { DerivedReads, SiteAgainstHistory } from './port';
import { bucketStartSql, ROLLUP_TABLE, VALUE_TABLE } from './sqlite/rollups';

/** What a backend supplies: how it runs a query (rows as arrays), and its sites rows as their history would record them. */
export interface DerivedDialect {
  tuples<T extends unknown[]>(sql: string, args: readonly unknown[]): T[] | Promise<T[]>;
  /** Every sites row: its id, whether retired, and the definition a site history record of it now would hold. */
  siteRows(): Promise<Array<{ site: string; retired: boolean; definition: Site }>>;
  /** DerivedReads.guarded: how a failed read is kept from spoiling the reads after it. */
  guarded<T>(read: () => Promise<T>): Promise<T>;
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

/**
 * The earliest (`ASC`) or latest (`DESC`) instant of [?, ?) in events and, for each standard, in each rollup table:
 * one index seek each (events_by_time; the rollups' keys start with standard_id, bucket_ms).
 */
function edgesSql(direction: 'ASC' | 'DESC', standards: number): string[] {
  const events = `(SELECT occurred_at_ms FROM events WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY occurred_at_ms ${direction} LIMIT 1)`;
  const rollups = Object.values(ROLLUP_TABLE).flatMap((table) =>
    Array.from({ length: standards }, () => `(SELECT bucket_ms FROM ${table} WHERE standard_id = ? AND bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms ${direction} LIMIT 1)`),
  );
  return [events, ...rollups];
}

/**
 * Standards whose edges one query seeks: SQLite allows 500 terms in a compound SELECT, and each standard adds six
 * (three tables, two directions) to the events' two.
 */
const STANDARDS_PER_QUERY = 50;

async function extent(d: DerivedDialect, q: { standardIds: readonly string[]; fromMs: number; toMs: number }): Promise<{ firstMs: number; lastMs: number } | null> {
  let found: { firstMs: number; lastMs: number } | null = null;
  for (let i = 0; i === 0 || i < q.standardIds.length; i += STANDARDS_PER_QUERY) {
    const ids = q.standardIds.slice(i, i + STANDARDS_PER_QUERY);
    const edges = [...edgesSql('ASC', ids.length), ...edgesSql('DESC', ids.length)];
    const perDirection = [q.fromMs, q.toMs, ...Object.values(ROLLUP_TABLE).flatMap(() => ids.flatMap((id) => [id, q.fromMs, q.toMs]))];
    const sql = `SELECT MIN(t), MAX(t) FROM (${edges.map((e) => `SELECT ${e} AS t`).join(' UNION ALL ')}) edges`;
    const [row] = await d.tuples<[number | string | null, number | string | null]>(sql, [...perDirection, ...perDirection]);
    if (row?.[0] == null || row[1] == null) continue;
    const [first, last] = [Number(row[0]), Number(row[1])];
    found = found === null ? { firstMs: first, lastMs: last } : { firstMs: Math.min(found.firstMs, first), lastMs: Math.max(found.lastMs, last) };
  }
  return found;
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
    extent: (q) => extent(d, q),
    guarded: (read) => d.guarded(read),
  };
}
