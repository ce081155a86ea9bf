// Retention (issue #6): raw events (and their judgements) older than N days are deleted; rollups stay.
// Events and judgements are append-only: their delete triggers refuse unless the audit_pruning table holds
// a row, which only this transaction inserts (and removes before committing). The chain keeps every link
// (kind, ref, digest, hash), so it still verifies link by link; a checkpoint record — HMAC-signed with
// <data>/audit.secret and itself chained — states what was pruned and the chain head at that moment.
import type Database from 'better-sqlite3';
import { checkpointHmac, type CheckpointFields } from './verify';

export interface PruneResult {
  prunedBeforeMs: number;
  events: number;
  judgements: number;
  checkpointSeq: number | null;
}

const DAY_MS = 86_400_000;

export function pruneEvents(db: Database.Database, retainDays: number, secret: Buffer, nowMs: number): PruneResult {
  const cutoff = nowMs - retainDays * DAY_MS;
  return db.transaction((): PruneResult => {
    const { n, last } = db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE occurred_at_ms < ?').get(cutoff) as { n: number; last: number | null };
    if (n === 0) return { prunedBeforeMs: cutoff, events: 0, judgements: 0, checkpointSeq: null };
    db.prepare('INSERT INTO audit_pruning (flag) VALUES (1)').run();
    const judgements = db.prepare('DELETE FROM judgements WHERE event_seq IN (SELECT seq FROM events WHERE occurred_at_ms < ?)').run(cutoff).changes;
    const events = db.prepare('DELETE FROM events WHERE occurred_at_ms < ?').run(cutoff).changes;
    db.prepare('DELETE FROM audit_pruning').run();
    const head = (db.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string });
    const fields: CheckpointFields = { prunedBeforeMs: cutoff, lastEventSeq: last, events, judgements, headSeq: head.seq, headHash: head.hash, atMs: nowMs };
    const seq = Number(
      db
        .prepare('INSERT INTO audit_checkpoints (pruned_before_ms, last_event_seq, events, judgements, head_seq, head_hash, at_ms, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(cutoff, last, events, judgements, head.seq, head.hash, nowMs, checkpointHmac(secret, fields)).lastInsertRowid,
    );
    db.prepare('INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES (?, ?, ?, ?, ?)').run(
      'system',
      'retention.prune',
      null,
      JSON.stringify({ checkpointSeq: seq, events, judgements, prunedBefore: new Date(cutoff).toISOString(), retainDays }),
      nowMs,
    );
    return { prunedBeforeMs: cutoff, events, judgements, checkpointSeq: seq };
  })();
}
