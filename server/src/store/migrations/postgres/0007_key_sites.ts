// PostgreSQL migration 7: a key's site list, as SQLite's migration 16 (store/migrations/0016_key_sites.ts).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0007: PgMigration = {
  version: 7,
  name: 'key sites',
  sql: `
ALTER TABLE api_keys ADD COLUMN sites TEXT COLLATE "C";
`,
};
