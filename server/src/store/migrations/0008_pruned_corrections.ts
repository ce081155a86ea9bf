// Migration 8: What pruning keeps of corrections: a correction row names its event by seq only, so once the event is pruned
// nothing says which site and period its void or amendment belonged to; the compliance export's voided and amended
// columns need exactly that. Counted per UTC minute, like rollup_minute.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0008: Migration = {
  version: 8,
  name: 'corrections of pruned events, counted per site, standard, version and minute',
  sql: `
    CREATE TABLE pruned_corrections (
      site             TEXT NOT NULL,
      standard_id      TEXT NOT NULL,
      bucket_ms        INTEGER NOT NULL, -- UTC minute of the pruned events' occurred_at, epoch ms
      standard_version INTEGER NOT NULL,
      voided           INTEGER NOT NULL, -- judgements of pruned events whose latest correction is a void
      amended          INTEGER NOT NULL, -- … an amendment
      PRIMARY KEY (site, standard_id, bucket_ms, standard_version)
    ) WITHOUT ROWID;
  `,
};
