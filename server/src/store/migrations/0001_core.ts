// Migration 1: The first schema: events, their judgements, standards and sites.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0001: Migration = {
  version: 1,
  name: 'events, judgements, standards, sites',
  sql: `
    CREATE TABLE sites (
      name               TEXT PRIMARY KEY,
      time_zone          TEXT NOT NULL,
      ring_cycle_seconds REAL NOT NULL,
      created_at_ms      INTEGER NOT NULL
    );
    CREATE TABLE standards (
      id            TEXT NOT NULL,
      version       INTEGER NOT NULL,
      definition    TEXT NOT NULL, -- the Standard as JSON, exactly as judged with
      created_at_ms INTEGER NOT NULL,
      PRIMARY KEY (id, version)
    );
    CREATE TABLE events (
      seq            INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a seq is never reused
      id             TEXT NOT NULL UNIQUE,
      type           TEXT NOT NULL CHECK (type IN ('call', 'visit')),
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
      content        TEXT NOT NULL -- canonical JSON of what was posted, to recognise retries
    );
    CREATE INDEX events_by_time ON events (occurred_at_ms);
    CREATE INDEX events_by_site_time ON events (site, occurred_at_ms);
    CREATE TABLE judgements (
      event_seq        INTEGER NOT NULL REFERENCES events (seq),
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      measure          TEXT NOT NULL,
      value            REAL,
      threshold        REAL NOT NULL,
      met              INTEGER NOT NULL CHECK (met IN (0, 1)),
      reason           TEXT,
      PRIMARY KEY (event_seq, standard_id),
      FOREIGN KEY (standard_id, standard_version) REFERENCES standards (id, version)
    );
    CREATE INDEX judgements_by_standard ON judgements (standard_id, event_seq);
    -- History is auditable: corrections are new records, never edits.
    CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_append_only_d BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER judgements_append_only_u BEFORE UPDATE ON judgements BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
    CREATE TRIGGER judgements_append_only_d BEFORE DELETE ON judgements BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
  `,
};
