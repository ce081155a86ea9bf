// Migration 9: the store writes, in the transaction of each write, what triggers wrote before — the chain link of
// every record kind, the rollup rows, the value-histogram cells and the site history — so one code path serves
// every backend (a server database has no SQLite triggers calling JavaScript). The append-only RAISE triggers stay.
//
// One rule for corrected events: a judgement counts with the effective state of its event (the latest amendment's
// outcome and waits, its re-judged verdict; nothing after a void). The rollups already did; the value histograms
// kept the recorded outcome, so the cells of events whose amendment moved them into or out of the answered/greeted
// population are fixed here. effective_judgements is that rule as a view, for reads of raw judgements; it keeps
// voided judgements (correction = 'void'), which the compliance export counts.
// Frozen: the SQL this version released, as a literal. Never edit it; add a migration instead.
import type { Migration } from './types';

export const MIGRATION_0009: Migration = {
  version: 9,
  name: 'chain links, rollups, value histograms and site history written by the store; effective judgements view',
  sql: `
    DROP TRIGGER audit_chain_event;
    DROP TRIGGER audit_chain_judgement;
    DROP TRIGGER audit_chain_standard;
    DROP TRIGGER audit_chain_site;
    DROP TRIGGER audit_chain_correction;
    DROP TRIGGER audit_chain_audit;
    DROP TRIGGER audit_chain_checkpoint;
    DROP TRIGGER rollup_minute_on_judgement;
    DROP TRIGGER rollup_15m_on_judgement;
    DROP TRIGGER value_hist_day_on_judgement;
    DROP TRIGGER value_hist_15m_on_judgement;
    DROP TRIGGER value_hist_day_on_correction;
    DROP TRIGGER value_hist_15m_on_correction;
    DROP TRIGGER sites_history_i;
    DROP TRIGGER sites_history_u;

    INSERT INTO value_hist_day (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, r.key, e.occurred_at_ms - (((e.occurred_at_ms % 86400000) + 86400000) % 86400000),
      json_extract(r.value, '$.standardVersion'), json_extract(r.value, '$.value'),
      SUM(CASE WHEN e.outcome IN ('answered', 'greeted') THEN -1 ELSE 1 END),
      SUM(CASE WHEN e.outcome IN ('answered', 'greeted') THEN -1 ELSE 1 END * json_extract(r.value, '$.met'))
    FROM audit_corrections pc JOIN events e ON e.seq = pc.event_seq, json_each(pc.rejudged) r
    WHERE pc.action = 'amend' AND pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = pc.event_seq)
      AND (e.outcome IN ('answered', 'greeted')) <> (json_extract(pc.changes, '$.fields.outcome') IN ('answered', 'greeted'))
      AND json_extract(r.value, '$.reason') IS NOT 'outside-hours' AND json_extract(r.value, '$.value') IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    DELETE FROM value_hist_day WHERE n = 0;

    INSERT INTO value_hist_15m (site, standard_id, bucket_ms, standard_version, value, n, met)
    SELECT e.site, r.key, e.occurred_at_ms - (((e.occurred_at_ms % 900000) + 900000) % 900000),
      json_extract(r.value, '$.standardVersion'), json_extract(r.value, '$.value'),
      SUM(CASE WHEN e.outcome IN ('answered', 'greeted') THEN -1 ELSE 1 END),
      SUM(CASE WHEN e.outcome IN ('answered', 'greeted') THEN -1 ELSE 1 END * json_extract(r.value, '$.met'))
    FROM audit_corrections pc JOIN events e ON e.seq = pc.event_seq, json_each(pc.rejudged) r
    WHERE pc.action = 'amend' AND pc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = pc.event_seq)
      AND (e.outcome IN ('answered', 'greeted')) <> (json_extract(pc.changes, '$.fields.outcome') IN ('answered', 'greeted'))
      AND json_extract(r.value, '$.reason') IS NOT 'outside-hours' AND json_extract(r.value, '$.value') IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = n + excluded.n, met = met + excluded.met;
    DELETE FROM value_hist_15m WHERE n = 0;

    -- Verification looks up the link of every record (a record without one was written outside Ringside).
    CREATE INDEX audit_chain_by_key ON audit_chain (key_int, kind) WHERE key_int IS NOT NULL;

    -- Files migrated to version 5 before migration 5 created it have no such view; the one below replaces it.
    DROP VIEW IF EXISTS audit_effective_judgements;
    CREATE VIEW effective_judgements AS
    SELECT j.event_seq AS event_seq, j.standard_id AS standard_id, j.standard_version AS standard_version,
      e.site AS site, e.type AS type, e.occurred_at_ms AS occurred_at_ms, e.queue AS queue, e.agent AS agent,
      lc.action AS correction,
      CASE WHEN lc.action = 'amend' THEN json_extract(lc.changes, '$.fields.outcome') ELSE e.outcome END AS outcome,
      CASE WHEN lc.action = 'amend' THEN json_extract(lc.changes, '$.fields.answerSeconds') ELSE e.answer_seconds END AS answer_seconds,
      CASE WHEN lc.action = 'amend' THEN json_extract(lc.changes, '$.fields.greetSeconds') ELSE e.greet_seconds END AS greet_seconds,
      j.measure AS measure,
      CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".value') ELSE j.value END AS value,
      j.threshold AS threshold,
      CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".met'), j.met) ELSE j.met END AS met,
      CASE WHEN lc.action = 'amend' THEN COALESCE(json_extract(lc.rejudged, '$."' || j.standard_id || '".counted'), j.counted) ELSE j.counted END AS counted,
      CASE WHEN lc.action = 'amend' THEN json_extract(lc.rejudged, '$."' || j.standard_id || '".reason') ELSE j.reason END AS reason
    FROM judgements j JOIN events e ON e.seq = j.event_seq
    LEFT JOIN audit_corrections lc ON lc.seq = (SELECT MAX(c.seq) FROM audit_corrections c WHERE c.event_seq = j.event_seq);
  `,
};
