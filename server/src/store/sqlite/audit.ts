// The chain head, the retention horizon, and pruning: the one controlled delete path of events, judgements and
// milestones.
import { GENESIS_HASH } from '../../domain/chain';
import { horizonOf, type CheckpointFields } from '../../domain/retention';
import { PRUNED_CORRECTIONS_GRAIN_MS } from '../../domain/rollups';
import type { AuditReads, PruneCounts } from '../port';
import { AUDIT_SECRET_SQL, toRecordedSecret } from './auditSecret';
import { CHAIN_SQL, CHAIN_TABLES, chainWriter } from './chain';
import { SIGNING_KEY_SQL, toRecordedKey } from './signingKey';
import { hasTable, type Statements } from './database';
import { bucketStartSql } from './rollups';

export function auditReads(s: Statements): AuditReads {
  return {
    head: async () => (s.get(CHAIN_SQL.head).get() as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS_HASH },
    async horizon() {
      const row = s.get('SELECT seq, pruned_before_ms AS cutoff FROM audit_checkpoints ORDER BY pruned_before_ms DESC, seq DESC LIMIT 1').get() as { seq: number; cutoff: number } | undefined;
      return row ? horizonOf(row.cutoff, row.seq) : null;
    },
    secret: async () => {
      const row = s.get(AUDIT_SECRET_SQL.read).get() as Parameters<typeof toRecordedSecret>[0] | undefined;
      return row ? toRecordedSecret(row) : null;
    },
    signingKey: async () => {
      // A store read before its first start on this version may predate the table (migration 18): it records none.
      if (!hasTable(s.db, 'signing_key')) return null;
      const row = s.get(SIGNING_KEY_SQL.read).get() as Parameters<typeof toRecordedKey>[0] | undefined;
      return row ? toRecordedKey(row) : null;
    },
  };
}

/** Per minute, site, standard and version: judgements of the pruned events whose latest correction is a void / an amendment. */
const KEEP_CORRECTION_COUNTS = `
  INSERT INTO pruned_corrections (site, standard_id, bucket_ms, standard_version, voided, amended)
  SELECT e.site, j.standard_id, ${bucketStartSql('e.occurred_at_ms', PRUNED_CORRECTIONS_GRAIN_MS)},
    j.standard_version, SUM(lc.action = 'void'), SUM(lc.action = 'amend')
  FROM judgements j JOIN events e ON e.seq = j.event_seq
  JOIN audit_corrections lc ON lc.seq = (SELECT MAX(seq) FROM audit_corrections WHERE event_seq = e.seq)
  WHERE e.occurred_at_ms < ?
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (site, standard_id, bucket_ms, standard_version) DO UPDATE SET voided = voided + excluded.voided, amended = amended + excluded.amended`;

/**
 * The milestones retention prunes (both backends): those before the cutoff of cases that are closed. An open case
 * keeps all of its milestones, however old (its clocks are read from them).
 */
export const PRUNABLE_MILESTONES = `FROM milestones WHERE at_ms < ? AND EXISTS (SELECT 1 FROM cases c
  WHERE c.type = milestones.type AND c.site = milestones.site AND c.case_id = milestones.case_id AND c.state = 'closed')`;

/**
 * Deletes the events (and judgements) before the cutoff, and the milestones of closed cases before it: their delete
 * triggers refuse unless audit_pruning holds a row, which only this (inside the write's transaction) inserts and
 * removes again. The chain keeps every link; the checkpoint, signed by `sign` and chained, says what was pruned
 * and the head at that moment.
 */
export function prune(s: Statements, cutoffMs: number, sign: (fields: CheckpointFields) => string, atMs: number): PruneCounts & { checkpointSeq: number | null } {
  const { n, last } = s.get('SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE occurred_at_ms < ?').get(cutoffMs) as { n: number; last: number | null };
  const m = s.get(`SELECT COUNT(*) AS n, MAX(seq) AS last ${PRUNABLE_MILESTONES}`).get(cutoffMs) as { n: number; last: number | null };
  if (n === 0 && m.n === 0) return { events: 0, judgements: 0, lastEventSeq: null, milestones: 0, checkpointSeq: null };
  s.get(KEEP_CORRECTION_COUNTS).run(cutoffMs);
  s.get('INSERT INTO audit_pruning (flag) VALUES (1)').run();
  const judgements = s.get('DELETE FROM judgements WHERE event_seq IN (SELECT seq FROM events WHERE occurred_at_ms < ?)').run(cutoffMs).changes;
  const events = s.get('DELETE FROM events WHERE occurred_at_ms < ?').run(cutoffMs).changes;
  const milestones = s.get(`DELETE ${PRUNABLE_MILESTONES}`).run(cutoffMs).changes;
  s.get('DELETE FROM audit_pruning').run();
  const head = s.get(CHAIN_SQL.head).get() as { seq: number; hash: string };
  const fields: CheckpointFields = { prunedBeforeMs: cutoffMs, lastEventSeq: last, events, judgements, headSeq: head.seq, headHash: head.hash, atMs, lastMilestoneSeq: m.last, milestones };
  const row = s
    .raw(`INSERT INTO audit_checkpoints (pruned_before_ms, last_event_seq, events, judgements, head_seq, head_hash, at_ms, hmac, last_milestone_seq, milestones)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CHECKPOINT_COLUMNS}`)
    .get(cutoffMs, last, events, judgements, head.seq, head.hash, atMs, sign(fields), m.last, milestones) as unknown[];
  chainWriter(s.db).append('checkpoint', row, atMs);
  return { events, judgements, lastEventSeq: last, milestones, checkpointSeq: row[0] as number };
}

/** A checkpoint row's columns in its chain record's order (both backends). */
export const CHECKPOINT_COLUMNS = CHAIN_TABLES.checkpoint.columns.join(', ');
