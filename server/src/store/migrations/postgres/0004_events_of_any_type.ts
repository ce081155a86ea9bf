// PostgreSQL migration 4: events of any registered event type, with their measures, as SQLite's migration 13
// (store/migrations/0013_events_of_any_type.ts): events.type is no longer limited to 'call' and 'visit', and
// `measures` holds the seconds by measure id of other types (canonical JSON; NULL for calls and visits).
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0004: PgMigration = {
  version: 4,
  name: 'events of any registered type, with their measures',
  sql: `
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD COLUMN measures TEXT;
`,
};
