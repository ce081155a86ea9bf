// PostgreSQL migration 4: events of any registered event type, with their measures, as SQLite's migration 13
// (store/migrations/0013_events_of_any_type.ts): events.type is no longer limited to 'call' and 'visit', and
// `measures` holds the seconds by measure id of other types (canonical JSON; NULL for calls and visits).
// Retention prunes the milestones of closed cases like events (their delete refused outside pruning), and a
// checkpoint says the highest milestone seq it pruned and how many (NULL in checkpoints from before). Event types
// defined over the API are kept in event_types.
// Frozen: a change to the schema is a new numbered file.
import type { PgMigration } from './types';

export const PG_MIGRATION_0004: PgMigration = {
  version: 4,
  name: 'events of any registered type, with their measures; milestones pruned by retention; event types defined over the API',
  sql: `
ALTER TABLE events DROP CONSTRAINT events_type_check;
ALTER TABLE events ADD COLUMN measures TEXT;

CREATE OR REPLACE FUNCTION ringside_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME IN ('events', 'judgements', 'milestones') AND EXISTS (SELECT 1 FROM audit_pruning) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END $f$;
ALTER TABLE audit_checkpoints ADD COLUMN last_milestone_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN milestones BIGINT;

CREATE TABLE event_types (
  id            TEXT COLLATE "C" PRIMARY KEY,
  definition    TEXT COLLATE "C" NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
`,
};
