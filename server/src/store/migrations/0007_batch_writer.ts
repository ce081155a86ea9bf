// Migration 7: The batch writer appends the event and judgement chain links and the rollup rows itself; those triggers
// step aside on its connection while it writes (ringside_batch_writer()) and still serve every other insert.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0007: Migration = {
  version: 7,
  name: 'event and judgement chain links and rollups written by the batch writer',
  sql: `
    DROP TRIGGER audit_chain_event;

    CREATE TRIGGER audit_chain_event AFTER INSERT ON events WHEN NOT ringside_batch_writer() BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'event', x.ref, NEW.seq, NULL, NULL, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'event', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT CAST(NEW.seq AS TEXT) AS ref, ringside_digest('event', NEW.seq, NEW.id, NEW.type, NEW.site, NEW.occurred_at_ms, NEW.occurred_at, NEW.received_at_ms, NEW.outcome, NEW.rings, NEW.answer_seconds, NEW.greet_seconds, NEW.queue, NEW.agent, NEW.derived, NEW.content) AS digest) x;
      END;

    DROP TRIGGER audit_chain_judgement;

    CREATE TRIGGER audit_chain_judgement AFTER INSERT ON judgements WHEN NOT ringside_batch_writer() BEGIN
      INSERT INTO audit_chain (kind, ref, event_seq, key_text, key_int, digest, hash, at_ms)
      SELECT 'judgement', x.ref, NEW.event_seq, NEW.standard_id, NULL, x.digest,
      ringside_link((SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1), 'judgement', x.ref, x.digest),
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
      FROM (SELECT NEW.event_seq || '/' || NEW.standard_id AS ref, ringside_digest('judgement', NEW.event_seq, NEW.standard_id, NEW.standard_version, NEW.measure, NEW.value, NEW.threshold, NEW.met, NEW.counted, NEW.reason) AS digest) x;
      END;

    DROP TRIGGER rollup_minute_on_judgement;

    CREATE TRIGGER rollup_minute_on_judgement AFTER INSERT ON judgements WHEN NOT ringside_batch_writer() BEGIN
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

    DROP TRIGGER rollup_15m_on_judgement;

    CREATE TRIGGER rollup_15m_on_judgement AFTER INSERT ON judgements WHEN NOT ringside_batch_writer() BEGIN
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
  `,
  // The frozen function the guarded triggers call: 0 = "not the batch writer", so a trigger fires. The runtime
  // writer of that time returned 1 on its own connection while it wrote.
  functions: [{ name: 'ringside_batch_writer', deterministic: false, fn: () => 0 }],
};
