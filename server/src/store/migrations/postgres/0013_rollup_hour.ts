// PostgreSQL migration 13: the hour rollup grain (SQLite migration 21). rollup_hour has rollup_15m's columns, key and
// covering site-first index (migration 7), and is filled from rollup_15m: an hour is its four quarter hours,
// counters added, the longest wait the largest. From then on the store writes it with the other grains.
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0013: PgMigration = {
  version: 13,
  name: 'hour rollup grain',
  sql: `
CREATE TABLE rollup_hour (LIKE rollup_minute INCLUDING ALL);
INSERT INTO rollup_hour (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
SELECT bucket_ms - (((bucket_ms % 3600000) + 3600000) % 3600000), standard_id, standard_version, site, SUM(judged), SUM(counted), SUM(met),
  SUM(considered), SUM(abandoned), SUM(value_n), SUM(value_sum), MAX(wait_max)
FROM rollup_15m GROUP BY 1, 2, 3, 4;
CREATE INDEX rollup_hour_by_site ON rollup_hour (site, standard_id, bucket_ms, standard_version)
  INCLUDE (judged, counted, met, considered, abandoned, value_n, value_sum, wait_max);
`,
};
