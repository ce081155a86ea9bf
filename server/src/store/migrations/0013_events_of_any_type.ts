// Migration 13: events of any registered event type, and milestones pruned by retention. A closed case of a type other than calls and visits (a
// complaint, a type defined as data) becomes a finished event like a call, so events.type is no longer limited to
// 'call' and 'visit', and the event keeps the type's measures (seconds by measure id) in `measures`, JSON; calls
// and visits keep theirs in their own columns and leave it NULL.
//
// SQLite cannot drop a CHECK constraint in place, so the table is rebuilt: copied aside, dropped, created again and
// filled back, with the same seqs (AUTOINCREMENT's high-water mark restored), indexes and triggers. Foreign keys of
// judgements to events are deferred to the commit, by which every event is back. The rows keep every value, so
// their chain links verify as before (a record with measures NULL hashes without the key).
//
// Retention prunes the milestones of closed cases like events: their delete trigger now lets the pruning
// transaction through (audit_pruning holds a row), and a checkpoint also says the highest milestone seq it pruned
// and how many (NULL in checkpoints from before, whose records and HMACs leave the keys out).
//
// Event types defined over the API (POST/PUT /event-types) are kept in event_types, one row per type, its
// definition as last put; each change is in the chained audit log with the definition.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0013: Migration = {
  version: 13,
  name: 'events of any registered type, with their measures; milestones pruned by retention; event types defined over the API',
  sql: `
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE events_sequence AS SELECT seq FROM sqlite_sequence WHERE name = 'events';
    CREATE TEMP TABLE events_copy AS SELECT * FROM events;
    DROP TABLE events;
    CREATE TABLE events (
      seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a seq is never reused
      id             TEXT NOT NULL UNIQUE,
      type           TEXT NOT NULL,    -- call, visit, complaint or another registered event type
      site           TEXT NOT NULL REFERENCES sites (name),
      occurred_at_ms INTEGER NOT NULL, -- epoch ms UTC, for range queries
      occurred_at    TEXT NOT NULL,    -- as posted, with its offset
      received_at_ms INTEGER NOT NULL,
      outcome        TEXT NOT NULL,
      rings          INTEGER,
      answer_seconds REAL,
      greet_seconds  REAL,
      queue          TEXT,
      agent          TEXT,
      derived        TEXT NOT NULL DEFAULT '[]', -- JSON array of derived field names
      content        TEXT NOT NULL,   -- canonical JSON of what was posted, to recognise retries
      measures       TEXT             -- other types: canonical JSON of seconds by measure id; NULL for calls and visits
    );
    INSERT INTO events (seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds,
                        greet_seconds, queue, agent, derived, content, measures)
      SELECT seq, id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds,
             greet_seconds, queue, agent, derived, content, NULL
      FROM events_copy ORDER BY seq;
    UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM temp.events_sequence)) WHERE name = 'events'
      AND EXISTS (SELECT 1 FROM temp.events_sequence);
    INSERT INTO sqlite_sequence (name, seq) SELECT 'events', seq FROM temp.events_sequence
      WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
    DROP TABLE temp.events_copy;
    DROP TABLE temp.events_sequence;
    CREATE INDEX events_by_time ON events (occurred_at_ms);
    CREATE INDEX events_by_site_time ON events (site, occurred_at_ms);
    CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_append_only_d BEFORE DELETE ON events WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    DROP TRIGGER milestones_append_only_d;
    CREATE TRIGGER milestones_append_only_d BEFORE DELETE ON milestones WHEN NOT EXISTS (SELECT 1 FROM audit_pruning)
      BEGIN SELECT RAISE(ABORT, 'milestones are append-only'); END;
    ALTER TABLE audit_checkpoints ADD COLUMN last_milestone_seq INTEGER; -- the highest pruned milestone seq
    ALTER TABLE audit_checkpoints ADD COLUMN milestones INTEGER;         -- milestones pruned

    CREATE TABLE event_types (
      id            TEXT PRIMARY KEY,
      definition    TEXT NOT NULL,      -- the event type definition as JSON, as validated
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL
    );
  `,
};
