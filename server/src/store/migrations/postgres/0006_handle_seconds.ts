// PostgreSQL migration 6: how long serving an event took, as SQLite's migration 15
// (store/migrations/0015_handle_seconds.ts). Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0006: PgMigration = {
  version: 6,
  name: 'events handle seconds',
  sql: `
ALTER TABLE events ADD COLUMN handle_seconds DOUBLE PRECISION;
`,
};
