// Migration 10: Incidents: one per standard and site, changed in place (the incident row is its current state), every
// change an append-only row with a global sequence number; webhook deliveries per change. The alert history of
// migration 3 stays as it was, read-only: nothing writes alerts any more, and its pending deliveries are ended.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0010: Migration = {
  version: 10,
  name: 'incidents, incident changes, incident webhook deliveries; alerts read-only',
  sql: `
    -- The current state of each incident. At most one open incident per standard and site.
    CREATE TABLE incidents (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL, -- the version in force at its latest change
      site             TEXT NOT NULL,
      site_name        TEXT NOT NULL,    -- the site's display name at its latest change
      standard_label   TEXT NOT NULL,    -- the standard's short label at its latest change
      target           REAL NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('open', 'recovered')),
      severity         TEXT NOT NULL CHECK (severity IN ('amber', 'red')),
      peak_severity    TEXT NOT NULL CHECK (peak_severity IN ('amber', 'red')),
      opened_at_ms     INTEGER NOT NULL,
      changed_at_ms    INTEGER NOT NULL, -- the latest change that was not an acknowledgement
      recovered_at_ms  INTEGER,
      ack_at_ms        INTEGER,          -- set while an acknowledgement covers the current severity
      ack_by           TEXT,
      ack_severity     TEXT CHECK (ack_severity IN ('amber', 'red')),
      summary          TEXT NOT NULL,
      detail           TEXT NOT NULL,    -- JSON IncidentDetail
      last_change_seq  INTEGER NOT NULL,
      CHECK ((state = 'open') = (recovered_at_ms IS NULL))
    );
    CREATE UNIQUE INDEX incidents_one_open ON incidents (standard_id, site) WHERE state = 'open';
    CREATE INDEX incidents_by_opened ON incidents (opened_at_ms);

    -- Every change of every incident, append-only; seq orders them all (the live replay cursor).
    CREATE TABLE incident_changes (
      seq               INTEGER PRIMARY KEY AUTOINCREMENT,
      incident_id       INTEGER NOT NULL REFERENCES incidents (id),
      kind              TEXT NOT NULL CHECK (kind IN ('opened', 'escalated', 'de-escalated', 'recovered', 'acknowledged')),
      at_ms             INTEGER NOT NULL,
      standard_id       TEXT NOT NULL,
      site              TEXT NOT NULL,
      severity          TEXT NOT NULL CHECK (severity IN ('amber', 'red')),
      previous_severity TEXT CHECK (previous_severity IN ('amber', 'red')),
      summary           TEXT NOT NULL,
      detail            TEXT NOT NULL,   -- JSON IncidentDetail
      by                TEXT             -- acknowledgements: who
    );
    CREATE INDEX incident_changes_by_incident ON incident_changes (incident_id, seq);
    CREATE INDEX incident_changes_by_time ON incident_changes (at_ms);
    CREATE TRIGGER incident_changes_append_only_u BEFORE UPDATE ON incident_changes BEGIN SELECT RAISE(ABORT, 'incident changes are append-only'); END;
    CREATE TRIGGER incident_changes_append_only_d BEFORE DELETE ON incident_changes BEGIN SELECT RAISE(ABORT, 'incident changes are append-only'); END;
    CREATE TRIGGER incidents_kept BEFORE DELETE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents are kept'); END;

    -- Webhook outbox: one row per change (not acknowledgements) and URL, queued in the change's transaction.
    CREATE TABLE incident_deliveries (
      id                 INTEGER PRIMARY KEY AUTOINCREMENT,
      change_seq         INTEGER NOT NULL REFERENCES incident_changes (seq),
      url                TEXT NOT NULL,
      status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts           INTEGER NOT NULL DEFAULT 0,
      next_attempt_at_ms INTEGER NOT NULL,
      last_error         TEXT,
      created_at_ms      INTEGER NOT NULL,
      finished_at_ms     INTEGER
    );
    CREATE INDEX incident_deliveries_pending ON incident_deliveries (status, next_attempt_at_ms);
    CREATE INDEX incident_deliveries_by_change ON incident_deliveries (change_seq);
    CREATE TABLE incident_delivery_attempts (
      delivery_id INTEGER NOT NULL REFERENCES incident_deliveries (id),
      attempt     INTEGER NOT NULL,
      at_ms       INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL,
      status_code INTEGER,
      error       TEXT,
      PRIMARY KEY (delivery_id, attempt)
    );

    -- The alert history is kept as it was, for its export; nothing adds to it any more.
    UPDATE alert_deliveries SET status = 'failed', last_error = 'alerts were replaced by incidents (migration 10)', finished_at_ms = next_attempt_at_ms
      WHERE status = 'pending';
    CREATE TRIGGER alerts_read_only BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are read-only: incidents replaced them'); END;
    CREATE TRIGGER alert_acks_read_only BEFORE INSERT ON alert_acks BEGIN SELECT RAISE(ABORT, 'alerts are read-only: incidents replaced them'); END;
    CREATE TRIGGER alert_deliveries_read_only BEFORE INSERT ON alert_deliveries BEGIN SELECT RAISE(ABORT, 'alerts are read-only: incidents replaced them'); END;
  `,
};
