// PostgreSQL migration 14: the fingerprint of the store's audit.secret (SQLite migration 22): one row, the secret of
// the first node that started or pruned on it; a node with another secret refuses to start or prune
// (services/audit.ts).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0014: PgMigration = {
  version: 14,
  name: 'audit secret fingerprint',
  sql: `
CREATE TABLE audit_secret (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  recorded_at_ms BIGINT NOT NULL
);
`,
};
