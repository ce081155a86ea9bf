// Migration 8: what pruning keeps of corrections. A correction row only names its event by seq, so once the
// event is pruned nothing says which site and period its void or amendment belonged to; the compliance export's
// `voided` and `amended` columns need exactly that. The pruning transaction (audit/retention.ts) adds the pruned
// events' counts here, per UTC minute like rollup_minute, so any range on the rollup grid sums them exactly.
import type { Migration } from '../store/migrations';

export const PRUNED_CORRECTIONS_GRAIN_MS = 60_000;

export const RETENTION_MIGRATION: Migration = {
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
    ) WITHOUT ROWID;`,
};
