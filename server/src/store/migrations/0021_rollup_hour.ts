// Migration 21: the hour rollup grain. A month by hour in UTC (or any whole-hour zone) was read from rollup_15m and
// grouped into hours by a temporary B-tree, four quarter-hour rows per hour (test/bench/NOTES.md, 13. and 18.AU);
// rollup_hour holds the hours themselves, with the same columns, key and covering site-first index as rollup_15m.
// Filled here from rollup_15m (an hour is its four quarter hours: counters added, the longest wait the largest);
// from then on the store writes it with the other grains.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0021: Migration = {
  version: 21,
  name: 'hour rollup grain',
  sql: `
    CREATE TABLE rollup_hour (
      bucket_ms        INTEGER NOT NULL, -- UTC start of the hour, epoch ms
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      site             TEXT NOT NULL,
      judged           INTEGER NOT NULL, -- judgements (in scope)
      counted          INTEGER NOT NULL, -- Σ counted: the denominator
      met              INTEGER NOT NULL, -- Σ met: the numerator
      considered       INTEGER NOT NULL, -- judged minus outside-hours exclusions (companions' base)
      abandoned        INTEGER NOT NULL, -- considered abandons / walk-outs
      value_n          INTEGER NOT NULL, -- considered answered/greeted events with a value
      value_sum        REAL NOT NULL,    -- Σ of their measured value
      wait_max         REAL,             -- longest considered wait in seconds
      PRIMARY KEY (standard_id, bucket_ms, site, standard_version)
    ) WITHOUT ROWID;
    INSERT INTO rollup_hour (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
    SELECT bucket_ms - (((bucket_ms % 3600000) + 3600000) % 3600000), standard_id, standard_version, site, SUM(judged), SUM(counted), SUM(met),
      SUM(considered), SUM(abandoned), SUM(value_n), SUM(value_sum), MAX(wait_max)
    FROM rollup_15m GROUP BY 1, 2, 3, 4;
    CREATE INDEX rollup_hour_by_site ON rollup_hour (site, standard_id, bucket_ms, standard_version,
      judged, counted, met, considered, abandoned, value_n, value_sum, wait_max);
  `,
};
