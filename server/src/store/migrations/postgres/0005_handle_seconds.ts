// PostgreSQL migration 5: how long serving an event took, as SQLite's migration 14
// (store/migrations/0014_handle_seconds.ts). Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0005: PgMigration = {
  version: 5,
  name: 'events handle seconds',
  sql: `
ALTER TABLE events ADD COLUMN handle_seconds DOUBLE PRECISION;
`,
};
