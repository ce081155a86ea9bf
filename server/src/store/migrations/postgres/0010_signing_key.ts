// PostgreSQL migration 10: the export signing key recorded for the store (SQLite migration 18): one row, the public
// key of the first node that started on it; a node with another key refuses to start (services/signing.ts).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0010: PgMigration = {
  version: 10,
  name: 'signing key',
  sql: `
CREATE TABLE signing_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  recorded_at_ms BIGINT NOT NULL
);
`,
};
