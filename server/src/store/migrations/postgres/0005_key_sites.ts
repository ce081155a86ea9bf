// PostgreSQL migration 5: a key's site list, as SQLite's migration 14 (store/migrations/0014_key_sites.ts).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0005: PgMigration = {
  version: 5,
  name: 'key sites',
  sql: `
ALTER TABLE api_keys ADD COLUMN sites TEXT COLLATE "C";
`,
};
