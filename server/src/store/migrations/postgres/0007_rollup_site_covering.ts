// PostgreSQL migration 7: rollup_15m_by_site covers the sums, as SQLite's index of that name does (SQLite migration
// 6). A one-site report reads its month of quarter-hour rows through this index; with the key alone every row cost
// a visit to the table, and one site's rows lie on nearly every page of it (the rows of all sites are written
// together, bucket by bucket), so a 30-day one-site read touched ~1,700 table pages for ~5,800 rows. With the sums
// in the index it is an index-only scan of one contiguous key range (measured with EXPLAIN ANALYZE on the query
// bench's fixture; test/bench/NOTES.md). The price: a rollup row's update changes indexed columns, so it is never a
// HOT update and writes both indexes (once per touched row and batch: the writer folds a batch per row).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0007: PgMigration = {
  version: 7,
  name: 'covering rollup_15m_by_site',
  sql: `
DROP INDEX rollup_15m_by_site;
CREATE INDEX rollup_15m_by_site ON rollup_15m (site, standard_id, bucket_ms, standard_version)
  INCLUDE (judged, counted, met, considered, abandoned, value_n, value_sum, wait_max);
`,
};
