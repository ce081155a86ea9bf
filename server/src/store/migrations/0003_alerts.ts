// Migration 3: Alerts: the append-only alert history, acknowledgements and the webhook outbox.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0003: Migration = {
  version: 3,
  name: 'alerts, acknowledgements, webhook deliveries',
  sql: `
    -- One row per state change. A recovery or a severity change is a new row whose previous_id is the
    -- firing row it ends; nothing is ever updated (docs/alerts.md).
    CREATE TABLE alerts (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      key              TEXT NOT NULL,   -- kind:standard:site ('*' = all sites)
      kind             TEXT NOT NULL CHECK (kind IN ('band', 'burn-rate')),
      severity         TEXT NOT NULL CHECK (severity IN ('amber', 'red', 'page', 'ticket')),
      state            TEXT NOT NULL CHECK (state IN ('firing', 'recovered')),
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      site             TEXT,            -- NULL: all sites together
      target           REAL NOT NULL,
      previous_id      INTEGER REFERENCES alerts (id),
      at_ms            INTEGER NOT NULL, -- evaluation time of this record
      started_at_ms    INTEGER NOT NULL, -- firing: = at_ms; recovered: the firing's start
      windows          TEXT NOT NULL,    -- JSON AlertWindow[]: counts, compliance, burn rates
      message          TEXT NOT NULL,
      CHECK (state = 'firing' OR previous_id IS NOT NULL) -- a recovery names what it recovers
    );
    CREATE INDEX alerts_by_time ON alerts (at_ms);
    -- A firing record is ended (recovered or superseded) at most once.
    CREATE UNIQUE INDEX alerts_one_successor ON alerts (previous_id) WHERE previous_id IS NOT NULL;
    CREATE TRIGGER alerts_append_only_u BEFORE UPDATE ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;
    CREATE TRIGGER alerts_append_only_d BEFORE DELETE ON alerts BEGIN SELECT RAISE(ABORT, 'alerts are append-only'); END;

    -- Acknowledgements live beside the history so the history stays append-only. First ack wins.
    CREATE TABLE alert_acks (
      alert_id INTEGER PRIMARY KEY REFERENCES alerts (id),
      at_ms    INTEGER NOT NULL,
      by       TEXT
    );
    CREATE TRIGGER alert_acks_append_only_u BEFORE UPDATE ON alert_acks BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
    CREATE TRIGGER alert_acks_append_only_d BEFORE DELETE ON alert_acks BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;

    -- Webhook outbox: queued in the same transaction as the alert, so a restart resumes what was pending.
    CREATE TABLE alert_deliveries (
      id                 INTEGER PRIMARY KEY AUTOINCREMENT,
      alert_id           INTEGER NOT NULL REFERENCES alerts (id),
      url                TEXT NOT NULL,
      status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts           INTEGER NOT NULL DEFAULT 0,
      next_attempt_at_ms INTEGER NOT NULL,
      last_error         TEXT,
      created_at_ms      INTEGER NOT NULL,
      finished_at_ms     INTEGER
    );
    CREATE INDEX alert_deliveries_pending ON alert_deliveries (status, next_attempt_at_ms);
    -- Every attempt, append-only: when, how long, what the receiver answered.
    CREATE TABLE alert_delivery_attempts (
      delivery_id INTEGER NOT NULL REFERENCES alert_deliveries (id),
      attempt     INTEGER NOT NULL,
      at_ms       INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL,
      status_code INTEGER,
      error       TEXT,
      PRIMARY KEY (delivery_id, attempt)
    );
  `,
};
