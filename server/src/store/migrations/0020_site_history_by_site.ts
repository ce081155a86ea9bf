// Migration 20: a site's history found by its site. GET /sites/:id/history and the report (once for each of its sites)
// read one site's changes (WHERE site = ? ORDER BY seq), which without an index scanned every site's history (EXPLAIN
// QUERY PLAN: SCAN, then SEARCH … USING INDEX site_history_by_site); PostgreSQL has had this index, under this name,
// since its first migration.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0020: Migration = {
  version: 20,
  name: 'site history by site',
  sql: `
    CREATE INDEX site_history_by_site ON site_history (site, seq);
  `,
};
