// Migration 2: The engine: counted judgements, standard validity periods, sites as data with their history, and rollups.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0002: Migration = {
  version: 2,
  name: 'counted judgements, standard validity, sites as data, rollups',
  sql: `
    -- Existing judgements were all made under F3, where every judgement is counted.
    ALTER TABLE judgements ADD COLUMN counted INTEGER NOT NULL DEFAULT 1 CHECK (counted IN (0, 1));
    -- Validity of a version on occurred_at: [valid_from_ms, next version's valid_from_ms); NULL = since the beginning.
    ALTER TABLE standards ADD COLUMN valid_from_ms INTEGER;
    ALTER TABLE standards ADD COLUMN retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1));
    CREATE TRIGGER standards_append_only_u BEFORE UPDATE ON standards BEGIN SELECT RAISE(ABORT, 'standard versions are append-only'); END;
    CREATE TRIGGER standards_append_only_d BEFORE DELETE ON standards BEGIN SELECT RAISE(ABORT, 'standard versions are append-only'); END;

    ALTER TABLE sites ADD COLUMN display_name TEXT;
    ALTER TABLE sites ADD COLUMN hours TEXT;                        -- JSON BusinessHours, NULL = around the clock
    ALTER TABLE sites ADD COLUMN holidays TEXT NOT NULL DEFAULT '[]'; -- JSON array of local dates
    ALTER TABLE sites ADD COLUMN auto_created INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE sites ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
    -- Every configuration a site has had, for audit (append-only).
    CREATE TABLE site_history (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      site          TEXT NOT NULL,
      change        TEXT NOT NULL CHECK (change IN ('created', 'auto-created', 'updated', 'retired')),
      definition    TEXT NOT NULL,
      changed_at_ms INTEGER NOT NULL
    );
    CREATE TRIGGER sites_history_i AFTER INSERT ON sites BEGIN
      INSERT INTO site_history (site, change, definition, changed_at_ms)
      VALUES (NEW.name, CASE NEW.auto_created WHEN 1 THEN 'auto-created' ELSE 'created' END, json_object('id', NEW.name, 'name', COALESCE(NEW.display_name, NEW.name), 'timeZone', NEW.time_zone,
      'ringCycleSeconds', NEW.ring_cycle_seconds, 'hours', json(NEW.hours), 'holidays', json(NEW.holidays),
      'autoCreated', json(CASE NEW.auto_created WHEN 1 THEN 'true' ELSE 'false' END)), NEW.created_at_ms);
      END;
    CREATE TRIGGER sites_history_u AFTER UPDATE ON sites BEGIN
      INSERT INTO site_history (site, change, definition, changed_at_ms)
      VALUES (NEW.name, CASE WHEN NEW.retired = 1 THEN 'retired' WHEN NEW.auto_created = 1 THEN 'auto-created' ELSE 'updated' END, json_object('id', NEW.name, 'name', COALESCE(NEW.display_name, NEW.name), 'timeZone', NEW.time_zone,
      'ringCycleSeconds', NEW.ring_cycle_seconds, 'hours', json(NEW.hours), 'holidays', json(NEW.holidays),
      'autoCreated', json(CASE NEW.auto_created WHEN 1 THEN 'true' ELSE 'false' END)),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
      END;
    CREATE TRIGGER site_history_append_only_u BEFORE UPDATE ON site_history BEGIN SELECT RAISE(ABORT, 'site history is append-only'); END;
    CREATE TRIGGER site_history_append_only_d BEFORE DELETE ON site_history BEGIN SELECT RAISE(ABORT, 'site history is append-only'); END;

    CREATE TABLE rollup_minute (
      bucket_ms        INTEGER NOT NULL, -- UTC start of the bucket, epoch ms
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      site             TEXT NOT NULL,
      judged           INTEGER NOT NULL, -- judgements (in scope)
      counted          INTEGER NOT NULL, -- Σ counted: the denominator
      met              INTEGER NOT NULL, -- Σ met: the numerator
      considered       INTEGER NOT NULL, -- judged minus outside-hours exclusions (companions' base)
      abandoned        INTEGER NOT NULL, -- considered abandons / walk-outs
      value_n          INTEGER NOT NULL, -- considered answered/greeted events with a value
      value_sum        REAL NOT NULL,    -- Σ of their measured value
      wait_max         REAL,             -- longest considered wait in seconds
      PRIMARY KEY (standard_id, bucket_ms, site, standard_version)
    ) WITHOUT ROWID;
    CREATE TRIGGER rollup_minute_on_judgement AFTER INSERT ON judgements BEGIN
      INSERT INTO rollup_minute (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
      SELECT
      e.occurred_at_ms - (((e.occurred_at_ms % 60000) + 60000) % 60000) AS bucket_ms,
      NEW.standard_id AS standard_id, NEW.standard_version AS standard_version, e.site AS site,
      1 AS judged, NEW.counted AS counted, NEW.met AS met,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') THEN 1 ELSE 0 END AS considered,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
      CASE WHEN ((NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND NEW.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
      CASE WHEN ((NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND NEW.value IS NOT NULL THEN NEW.value ELSE 0 END AS value_sum,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') THEN (CASE e.type WHEN 'call' THEN e.answer_seconds ELSE e.greet_seconds END) END AS wait_max
      FROM events e WHERE e.seq = NEW.event_seq
      ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET
      judged = judged + excluded.judged, counted = counted + excluded.counted, met = met + excluded.met,
      considered = considered + excluded.considered, abandoned = abandoned + excluded.abandoned,
      value_n = value_n + excluded.value_n, value_sum = value_sum + excluded.value_sum,
      wait_max = CASE WHEN wait_max IS NULL THEN excluded.wait_max WHEN excluded.wait_max IS NULL THEN wait_max
      ELSE max(wait_max, excluded.wait_max) END;
      END;
    DELETE FROM rollup_minute;
    INSERT INTO rollup_minute (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
    SELECT bucket_ms, standard_id, standard_version, site, SUM(judged), SUM(counted), SUM(met), SUM(considered),
    SUM(abandoned), SUM(value_n), SUM(value_sum), MAX(wait_max)
    FROM (SELECT
      e.occurred_at_ms - (((e.occurred_at_ms % 60000) + 60000) % 60000) AS bucket_ms,
      j.standard_id AS standard_id, j.standard_version AS standard_version, e.site AS site,
      1 AS judged, j.counted AS counted, j.met AS met,
      CASE WHEN (j.reason IS NOT 'outside-hours') THEN 1 ELSE 0 END AS considered,
      CASE WHEN (j.reason IS NOT 'outside-hours') AND e.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
      CASE WHEN ((j.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND j.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
      CASE WHEN ((j.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND j.value IS NOT NULL THEN j.value ELSE 0 END AS value_sum,
      CASE WHEN (j.reason IS NOT 'outside-hours') THEN (CASE e.type WHEN 'call' THEN e.answer_seconds ELSE e.greet_seconds END) END AS wait_max FROM judgements j JOIN events e ON e.seq = j.event_seq ORDER BY j.event_seq)
    GROUP BY standard_id, bucket_ms, site, standard_version;

    CREATE TABLE rollup_15m (
      bucket_ms        INTEGER NOT NULL, -- UTC start of the bucket, epoch ms
      standard_id      TEXT NOT NULL,
      standard_version INTEGER NOT NULL,
      site             TEXT NOT NULL,
      judged           INTEGER NOT NULL, -- judgements (in scope)
      counted          INTEGER NOT NULL, -- Σ counted: the denominator
      met              INTEGER NOT NULL, -- Σ met: the numerator
      considered       INTEGER NOT NULL, -- judged minus outside-hours exclusions (companions' base)
      abandoned        INTEGER NOT NULL, -- considered abandons / walk-outs
      value_n          INTEGER NOT NULL, -- considered answered/greeted events with a value
      value_sum        REAL NOT NULL,    -- Σ of their measured value
      wait_max         REAL,             -- longest considered wait in seconds
      PRIMARY KEY (standard_id, bucket_ms, site, standard_version)
    ) WITHOUT ROWID;
    CREATE TRIGGER rollup_15m_on_judgement AFTER INSERT ON judgements BEGIN
      INSERT INTO rollup_15m (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
      SELECT
      e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000) AS bucket_ms,
      NEW.standard_id AS standard_id, NEW.standard_version AS standard_version, e.site AS site,
      1 AS judged, NEW.counted AS counted, NEW.met AS met,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') THEN 1 ELSE 0 END AS considered,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
      CASE WHEN ((NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND NEW.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
      CASE WHEN ((NEW.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND NEW.value IS NOT NULL THEN NEW.value ELSE 0 END AS value_sum,
      CASE WHEN (NEW.reason IS NOT 'outside-hours') THEN (CASE e.type WHEN 'call' THEN e.answer_seconds ELSE e.greet_seconds END) END AS wait_max
      FROM events e WHERE e.seq = NEW.event_seq
      ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET
      judged = judged + excluded.judged, counted = counted + excluded.counted, met = met + excluded.met,
      considered = considered + excluded.considered, abandoned = abandoned + excluded.abandoned,
      value_n = value_n + excluded.value_n, value_sum = value_sum + excluded.value_sum,
      wait_max = CASE WHEN wait_max IS NULL THEN excluded.wait_max WHEN excluded.wait_max IS NULL THEN wait_max
      ELSE max(wait_max, excluded.wait_max) END;
      END;
    DELETE FROM rollup_15m;
    INSERT INTO rollup_15m (bucket_ms, standard_id, standard_version, site, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
    SELECT bucket_ms, standard_id, standard_version, site, SUM(judged), SUM(counted), SUM(met), SUM(considered),
    SUM(abandoned), SUM(value_n), SUM(value_sum), MAX(wait_max)
    FROM (SELECT
      e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000) AS bucket_ms,
      j.standard_id AS standard_id, j.standard_version AS standard_version, e.site AS site,
      1 AS judged, j.counted AS counted, j.met AS met,
      CASE WHEN (j.reason IS NOT 'outside-hours') THEN 1 ELSE 0 END AS considered,
      CASE WHEN (j.reason IS NOT 'outside-hours') AND e.outcome IN ('abandoned', 'left') THEN 1 ELSE 0 END AS abandoned,
      CASE WHEN ((j.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND j.value IS NOT NULL THEN 1 ELSE 0 END AS value_n,
      CASE WHEN ((j.reason IS NOT 'outside-hours') AND e.outcome IN ('answered', 'greeted')) AND j.value IS NOT NULL THEN j.value ELSE 0 END AS value_sum,
      CASE WHEN (j.reason IS NOT 'outside-hours') THEN (CASE e.type WHEN 'call' THEN e.answer_seconds ELSE e.greet_seconds END) END AS wait_max FROM judgements j JOIN events e ON e.seq = j.event_seq ORDER BY j.event_seq)
    GROUP BY standard_id, bucket_ms, site, standard_version;
    CREATE INDEX judgements_by_standard_version ON judgements (standard_id, standard_version);
  `,
};
