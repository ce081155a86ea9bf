// Every configuration a site has had, kept for audit (append-only) and chained: one row per change, written with
// the change in the same transaction.
import type Database from 'better-sqlite3';
import type { Site } from '../../protocol';
import type { StoredSiteChange } from '../port';
import { chainWriter } from './chain';

export type SiteChange = 'created' | 'auto-created' | 'updated' | 'retired';

/** The site's configuration as JSON, from its row (the form history rows have always had). */
export const DEFINITION = `json_object('id', name, 'name', COALESCE(display_name, name), 'timeZone', time_zone,
  'ringCycleSeconds', ring_cycle_seconds, 'hours', json(hours), 'holidays', json(holidays),
  'autoCreated', json(CASE auto_created WHEN 1 THEN 'true' ELSE 'false' END))`;

const statements = new WeakMap<Database.Database, Database.Statement>();

/** Records the site's configuration as it is now (after `change`), and chains the record. */
export function recordSiteChange(db: Database.Database, site: string, change: SiteChange, atMs: number): void {
  let insert = statements.get(db);
  if (!insert) {
    insert = db.prepare(`INSERT INTO site_history (site, change, definition, changed_at_ms) SELECT name, ?, ${DEFINITION}, ? FROM sites WHERE name = ?
      RETURNING seq, site, change, definition, changed_at_ms`).raw(true);
    statements.set(db, insert);
  }
  const row = insert.get(change, atMs, site) as unknown[] | undefined;
  if (!row) throw new Error(`no site "${site}" to record`);
  chainWriter(db).append('site', row, atMs);
}

/**
 * A site's changes, oldest first, each with the seq of its chain link (null: unchained; the link's place in the chain
 * is what an export as of a link goes by) (both backends). The latest link of the key is the one of the row stored:
 * an earlier one could only be of a row deleted outside Ringside.
 */
export const SITE_HISTORY = `SELECT h.change, h.definition, h.changed_at_ms,
    (SELECT MAX(c.seq) FROM audit_chain c WHERE c.key_int = h.seq AND c.kind = 'site') AS link_seq
  FROM site_history h WHERE h.site = ? ORDER BY h.seq`;

export interface SiteChangeRow {
  change: string;
  definition: string;
  changed_at_ms: number;
  link_seq: number | null;
}

export const toSiteChange = (h: SiteChangeRow): StoredSiteChange => ({
  change: h.change,
  definition: JSON.parse(h.definition) as Site,
  changedAt: new Date(h.changed_at_ms).toISOString(),
  linkSeq: h.link_seq,
});
