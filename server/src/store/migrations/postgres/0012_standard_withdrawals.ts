// PostgreSQL migration 12: standard versions withdrawn before they took effect (SQLite migration 19): the version's
// row stays as it was chained, this one says it was withdrawn. Append-only as the versions are.
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0012: PgMigration = {
  version: 12,
  name: 'standard withdrawals',
  sql: `
CREATE TABLE standard_withdrawals (
  standard_id     TEXT COLLATE "C" NOT NULL,
  version         BIGINT NOT NULL,
  withdrawn_at_ms BIGINT NOT NULL,
  PRIMARY KEY (standard_id, version),
  FOREIGN KEY (standard_id, version) REFERENCES standards (id, version)
);
CREATE TRIGGER standard_withdrawals_append_only BEFORE UPDATE OR DELETE ON standard_withdrawals FOR EACH ROW EXECUTE FUNCTION ringside_refuse();
`,
};
