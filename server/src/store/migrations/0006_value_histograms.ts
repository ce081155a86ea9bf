// Migration 6: Per-value histograms of measured values, so the p90 companion (an exact nearest-rank percentile) no longer reads
// every judgement of a range; and a covering site-first index on rollup_15m.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0006: Migration = {
  version: 6,
  name: 'value histograms for the p90 companion; covering site-first index on rollup_15m',
  sql: `
    CREATE TABLE value_hist_day (
      site             TEXT NOT NULL,
      standard_id      TEXT NOT NULL,
      bucket_ms        INTEGER NOT NULL, -- UTC start of the bucket, epoch ms
      standard_version INTEGER NOT NULL,
      value            REAL NOT NULL,    -- the measured value (rings, seconds)
      n                INTEGER NOT NULL, -- judgements in the p90 population with this value
      met              INTEGER NOT NULL, -- of which met
      PRIMARY KEY (site, standard_id, bucket_ms, standard_version, value)
    ) WITHOUT ROWID;
    CREATE TRIGGER value_hist_day_on_judgement AFTER INSERT ON judgements
      WHEN NEW.value IS NOT NULL AND NEW.reason IS NOT 'outside-hours' BEGIN
      INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, NEW.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), NEW.standard_version, NEW.value, 1, NEW.met
      FROM events e WHERE e.seq = NEW.event_seq AND e.outcome IN ('answered', 'greeted')
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
      END;
    CREATE TRIGGER value_hist_day_on_correction AFTER INSERT ON audit_corrections BEGIN

      INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, s.sid, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), s.ver, s.value, -1, -1 * s.met
      FROM (
      SELECT j.standard_id AS sid, j.standard_version AS ver, j.value AS value, j.met AS met, j.reason AS reason
      FROM judgements j
      WHERE j.event_seq = NEW.event_seq AND NOT EXISTS (SELECT 1 FROM audit_corrections c WHERE c.event_seq = NEW.event_seq AND c.seq < NEW.seq)
      UNION ALL

      SELECT r.key AS sid, json_extract(r.value, '$.standardVersion') AS ver, json_extract(r.value, '$.value') AS value, json_extract(r.value, '$.met') AS met, json_extract(r.value, '$.reason') AS reason
      FROM audit_corrections pc, json_each(pc.rejudged) r
      WHERE pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = NEW.event_seq AND c.seq < NEW.seq) AND pc.action = 'amend') s, events e
      WHERE e.seq = NEW.event_seq AND s.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND s.value IS NOT NULL
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;

      INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, s.sid, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), s.ver, s.value, 1, 1 * s.met
      FROM (
      SELECT r.key AS sid, json_extract(r.value, '$.standardVersion') AS ver, json_extract(r.value, '$.value') AS value, json_extract(r.value, '$.met') AS met, json_extract(r.value, '$.reason') AS reason
      FROM audit_corrections pc, json_each(pc.rejudged) r
      WHERE pc.seq = NEW.seq AND pc.action = 'amend') s, events e
      WHERE e.seq = NEW.event_seq AND s.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND s.value IS NOT NULL
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
      DELETE FROM value_hist_day WHERE site = (SELECT site FROM events WHERE seq = NEW.event_seq)
      AND standard_id IN (SELECT standard_id FROM judgements WHERE event_seq = NEW.event_seq)
      AND bucket_ms = (SELECT occurred_at_ms - (((occurred_at_ms % 86400000) + 86400000) % 86400000) FROM events WHERE seq = NEW.event_seq) AND n = 0;
      END;
    DELETE FROM value_hist_day;

    INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), j.standard_version, j.value, 1 * COUNT(*), 1 * SUM(j.met)
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE  j.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;

    INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), j.standard_version, j.value, -1 * COUNT(*), -1 * SUM(j.met)
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE j.event_seq IN (SELECT event_seq FROM audit_corrections) AND j.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, r.key, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000), json_extract(r.value, '$.standardVersion'), json_extract(r.value, '$.value'), COUNT(*), SUM(json_extract(r.value, '$.met'))
    FROM audit_corrections pc JOIN events e ON e.seq = pc.event_seq, json_each(pc.rejudged) r
    WHERE pc.action = 'amend' AND pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = pc.event_seq)
    AND json_extract(r.value, '$.reason') IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND json_extract(r.value, '$.value') IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    DELETE FROM value_hist_day WHERE n = 0;

    CREATE TABLE value_hist_15m (
      site             TEXT NOT NULL,
      standard_id      TEXT NOT NULL,
      bucket_ms        INTEGER NOT NULL, -- UTC start of the bucket, epoch ms
      standard_version INTEGER NOT NULL,
      value            REAL NOT NULL,    -- the measured value (rings, seconds)
      n                INTEGER NOT NULL, -- judgements in the p90 population with this value
      met              INTEGER NOT NULL, -- of which met
      PRIMARY KEY (site, standard_id, bucket_ms, standard_version, value)
    ) WITHOUT ROWID;
    CREATE TRIGGER value_hist_15m_on_judgement AFTER INSERT ON judgements
      WHEN NEW.value IS NOT NULL AND NEW.reason IS NOT 'outside-hours' BEGIN
      INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, NEW.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), NEW.standard_version, NEW.value, 1, NEW.met
      FROM events e WHERE e.seq = NEW.event_seq AND e.outcome IN ('answered', 'greeted')
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
      END;
    CREATE TRIGGER value_hist_15m_on_correction AFTER INSERT ON audit_corrections BEGIN

      INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, s.sid, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), s.ver, s.value, -1, -1 * s.met
      FROM (
      SELECT j.standard_id AS sid, j.standard_version AS ver, j.value AS value, j.met AS met, j.reason AS reason
      FROM judgements j
      WHERE j.event_seq = NEW.event_seq AND NOT EXISTS (SELECT 1 FROM audit_corrections c WHERE c.event_seq = NEW.event_seq AND c.seq < NEW.seq)
      UNION ALL

      SELECT r.key AS sid, json_extract(r.value, '$.standardVersion') AS ver, json_extract(r.value, '$.value') AS value, json_extract(r.value, '$.met') AS met, json_extract(r.value, '$.reason') AS reason
      FROM audit_corrections pc, json_each(pc.rejudged) r
      WHERE pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = NEW.event_seq AND c.seq < NEW.seq) AND pc.action = 'amend') s, events e
      WHERE e.seq = NEW.event_seq AND s.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND s.value IS NOT NULL
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;

      INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
      SELECT e.site, s.sid, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), s.ver, s.value, 1, 1 * s.met
      FROM (
      SELECT r.key AS sid, json_extract(r.value, '$.standardVersion') AS ver, json_extract(r.value, '$.value') AS value, json_extract(r.value, '$.met') AS met, json_extract(r.value, '$.reason') AS reason
      FROM audit_corrections pc, json_each(pc.rejudged) r
      WHERE pc.seq = NEW.seq AND pc.action = 'amend') s, events e
      WHERE e.seq = NEW.event_seq AND s.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND s.value IS NOT NULL
      ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
      DELETE FROM value_hist_15m WHERE site = (SELECT site FROM events WHERE seq = NEW.event_seq)
      AND standard_id IN (SELECT standard_id FROM judgements WHERE event_seq = NEW.event_seq)
      AND bucket_ms = (SELECT occurred_at_ms - (((occurred_at_ms % 900000) + 900000) % 900000) FROM events WHERE seq = NEW.event_seq) AND n = 0;
      END;
    DELETE FROM value_hist_15m;

    INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), j.standard_version, j.value, 1 * COUNT(*), 1 * SUM(j.met)
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE  j.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;

    INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), j.standard_version, j.value, -1 * COUNT(*), -1 * SUM(j.met)
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    WHERE j.event_seq IN (SELECT event_seq FROM audit_corrections) AND j.reason IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND j.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, r.key, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000), json_extract(r.value, '$.standardVersion'), json_extract(r.value, '$.value'), COUNT(*), SUM(json_extract(r.value, '$.met'))
    FROM audit_corrections pc JOIN events e ON e.seq = pc.event_seq, json_each(pc.rejudged) r
    WHERE pc.action = 'amend' AND pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = pc.event_seq)
    AND json_extract(r.value, '$.reason') IS NOT 'outside-hours' AND e.outcome IN ('answered', 'greeted') AND json_extract(r.value, '$.value') IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    DELETE FROM value_hist_15m WHERE n = 0;
    -- One site's rollup rows as a contiguous range instead of 1/20th of the standard's range. Covering: with the key
    -- alone each row costs a second lookup in the table, which made it no faster than filtering every site's rows
    -- (measured); the copy costs ~0.5 µs per judgement's rollup upsert.
    CREATE INDEX rollup_15m_by_site ON rollup_15m (site, standard_id, bucket_ms, standard_version,
      judged, counted, met, considered, abandoned, value_n, value_sum, wait_max);
  `,
};
