// Migration 11: Open clocks. Milestones as integrations post them (append-only, chained, one per pairing key
// (type, site, case_id, milestone)); the cases they make up, open or closed and the finished event a closed case
// became; and the judgements recorded on a case before it closed (a miss at the deadline), append-only and chained.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0011: Migration = {
  version: 11,
  name: 'milestones, cases, case judgements',
  sql: `
    CREATE TABLE milestones (
      seq            INTEGER PRIMARY KEY AUTOINCREMENT,
      id             TEXT NOT NULL UNIQUE,   -- the posted id, or the server's
      type           TEXT NOT NULL,
      site           TEXT NOT NULL REFERENCES sites (name),
      case_id        TEXT NOT NULL,
      milestone      TEXT NOT NULL,
      at_ms          INTEGER NOT NULL,       -- epoch ms UTC
      at             TEXT NOT NULL,          -- as posted, with its offset
      received_at_ms INTEGER NOT NULL,
      agent          TEXT,
      queue          TEXT,
      handle_seconds REAL,
      content        TEXT NOT NULL,          -- canonical JSON of what was posted, to recognise retries
      UNIQUE (type, site, case_id, milestone)
    );
    CREATE INDEX milestones_by_time ON milestones (at_ms);
    CREATE TRIGGER milestones_append_only_u BEFORE UPDATE ON milestones BEGIN SELECT RAISE(ABORT, 'milestones are append-only'); END;
    CREATE TRIGGER milestones_append_only_d BEFORE DELETE ON milestones BEGIN SELECT RAISE(ABORT, 'milestones are append-only'); END;

    -- One row per case: open until a stop (or expiry, or a posted event paired with it) closes it. Its state is derived
    -- from its milestones; this row only says whether it is still open and how it ended.
    CREATE TABLE cases (
      type          TEXT NOT NULL,
      site          TEXT NOT NULL,
      case_id       TEXT NOT NULL,
      state         TEXT NOT NULL CHECK (state IN ('open', 'closed')),
      opened_at_ms  INTEGER NOT NULL,        -- when its first milestone was stored
      closed_at_ms  INTEGER,
      expired       INTEGER NOT NULL DEFAULT 0 CHECK (expired IN (0, 1)),
      event_seq     INTEGER,                 -- the finished event it became (or was paired with); no foreign key:
                                             -- retention prunes old events, the case keeps the number
      PRIMARY KEY (type, site, case_id),
      CHECK ((state = 'open') = (closed_at_ms IS NULL))
    );
    CREATE INDEX cases_open ON cases (opened_at_ms) WHERE state = 'open';
    CREATE TRIGGER cases_kept BEFORE DELETE ON cases BEGIN SELECT RAISE(ABORT, 'cases are kept'); END;

    -- Judgements recorded while the case was open (a miss at the deadline), carried into its finished event.
    CREATE TABLE case_judgements (
      seq              INTEGER PRIMARY KEY AUTOINCREMENT,
      type             TEXT NOT NULL,
      site             TEXT NOT NULL,
      case_id          TEXT NOT NULL,
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      measure          TEXT NOT NULL,
      value            REAL,
      threshold        REAL NOT NULL,
      met              INTEGER NOT NULL CHECK (met IN (0, 1)),
      counted          INTEGER NOT NULL CHECK (counted IN (0, 1)),
      reason           TEXT,
      at_ms            INTEGER NOT NULL,
      UNIQUE (type, site, case_id, standard_id),
      FOREIGN KEY (type, site, case_id) REFERENCES cases (type, site, case_id)
    );
    CREATE TRIGGER case_judgements_append_only_u BEFORE UPDATE ON case_judgements BEGIN SELECT RAISE(ABORT, 'case judgements are append-only'); END;
    CREATE TRIGGER case_judgements_append_only_d BEFORE DELETE ON case_judgements BEGIN SELECT RAISE(ABORT, 'case judgements are append-only'); END;
  `,
};
