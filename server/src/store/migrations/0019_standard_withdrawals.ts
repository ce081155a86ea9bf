// Migration 19: standard versions withdrawn before they took effect (DELETE /standards/:id/versions/:version). A
// scheduled version stays stored as it was chained (standards are append-only and their rows are chain records, so
// removing one would break the chain); this row says it was withdrawn, and from then on it is not in force and no
// longer the latest (its number is never given again). Append-only as the versions are. The withdrawal itself is
// chained as its audit log entry (standard.withdraw), written in the same transaction.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0019: Migration = {
  version: 19,
  name: 'standard withdrawals',
  sql: `
    CREATE TABLE standard_withdrawals (
      standard_id     TEXT NOT NULL,
      version         INTEGER NOT NULL,
      withdrawn_at_ms INTEGER NOT NULL,
      PRIMARY KEY (standard_id, version),
      FOREIGN KEY (standard_id, version) REFERENCES standards (id, version)
    );
    CREATE TRIGGER standard_withdrawals_append_only_u BEFORE UPDATE ON standard_withdrawals BEGIN SELECT RAISE(ABORT, 'standard withdrawals are append-only'); END;
    CREATE TRIGGER standard_withdrawals_append_only_d BEFORE DELETE ON standard_withdrawals BEGIN SELECT RAISE(ABORT, 'standard withdrawals are append-only'); END;
  `,
};
