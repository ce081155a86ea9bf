// Numbered schema migrations. Each runs once, in its own transaction, and bumps PRAGMA user_version,
// so a database file always says which schema it has. Never edit a released migration: add a new one.
import type Database from 'better-sqlite3';
import { ALERTS_MIGRATION } from './alertsMigration';
import { ENGINE_MIGRATION } from './engineMigration';
import { KEYS_MIGRATION } from './keysMigration';
import { AUDIT_MIGRATION } from '../audit/migration';
import { HISTOGRAM_MIGRATION } from './valueHistogram';
import { BATCH_WRITER_MIGRATION } from './batchWriterMigration';
import { RETENTION_MIGRATION } from '../audit/retentionMigration';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Runs after `sql`, in the same transaction (issue #6: chaining rows that existed before). */
  after?: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
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
      -- History is auditable: corrections are new records, never edits (PRODUCT.md).
      CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_append_only_d BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER judgements_append_only_u BEFORE UPDATE ON judgements BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
      CREATE TRIGGER judgements_append_only_d BEFORE DELETE ON judgements BEGIN SELECT RAISE(ABORT, 'judgements are append-only'); END;
    `,
  },
  ENGINE_MIGRATION, // version 2 (engine)
  ALERTS_MIGRATION, // version 3 (alerts)
  KEYS_MIGRATION, // version 4 (security); keep the list in version order
  AUDIT_MIGRATION, // version 5 (audit, issue #6)
  HISTOGRAM_MIGRATION, // version 6 (value histograms for the p90, issue #7)
  BATCH_WRITER_MIGRATION, // version 7 (the batch writer chains and rolls up what it inserts, issue #7)
  RETENTION_MIGRATION, // version 8 (corrections of pruned events, counted for the compliance export)
];

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration newer than the file's user_version; refuses a file from a newer Ringside. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this Ringside understands (${latest}); upgrade Ringside`);
  }
  for (const m of migrations.filter((m) => m.version > current)) {
    db.transaction(() => {
      db.exec(m.sql);
      m.after?.(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return schemaVersion(db);
}
