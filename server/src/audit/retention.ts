// Retention (issue #6): raw events (and their judgements) older than N days are deleted; rollups stay.
// The cutoff is floored to a quarter hour (UTC), so every rollup and value histogram bucket of 15 minutes or
// less is either wholly pruned or wholly kept: a figure over a pruned range on that grid is read from them
// exactly, and only a range edge off the grid inside the pruned past lacks events (answers say so).
// Events and judgements are append-only: their delete triggers refuse unless the audit_pruning table holds
// a row, which only this transaction inserts (and removes before committing). The chain keeps every link
// (kind, ref, digest, hash), so it still verifies link by link; a checkpoint record — HMAC-signed with
// <data>/audit.secret and itself chained — states what was pruned and the chain head at that moment.
import type Database from 'better-sqlite3';
import type { Incomplete, IncompletePart, MissingRange, RetentionNote } from '../protocol';
import { checkpointHmac, type CheckpointFields } from './verify';
import { PRUNED_CORRECTIONS_GRAIN_MS } from '../domain/rollups';
import { appendAuditLog } from '../store/sqlite/auditLog';
import { chainWriter } from '../store/sqlite/chain';

export interface PruneResult {
  prunedBeforeMs: number;
  events: number;
  judgements: number;
  checkpointSeq: number | null;
}

const DAY_MS = 86_400_000;
/** The grid of pruning cutoffs: the finest grain of the value histograms, a multiple of the rollups' minute. */
export const PRUNE_GRID_MS = 900_000;

/** Raw events before `prunedBeforeMs` are gone (the latest checkpoint's cutoff); null = nothing was pruned. */
export interface RetentionHorizon {
  prunedBeforeMs: number;
  checkpointSeq: number;
}

/** Every compliance and distribution answer asks; prepared once per connection. */
const latestCheckpoint = new WeakMap<Database.Database, Database.Statement>();

/**
 * The latest cutoff, rounded up to the grid: checkpoints written before cutoffs were floored to it may cut inside
 * a quarter hour, whose raw events are then partly gone (so its figures come from the rollups too).
 */
export function retentionHorizon(db: Database.Database): RetentionHorizon | null {
  let latest = latestCheckpoint.get(db);
  if (!latest) latestCheckpoint.set(db, (latest = db.prepare('SELECT seq, pruned_before_ms AS cutoff FROM audit_checkpoints ORDER BY pruned_before_ms DESC, seq DESC LIMIT 1')));
  const row = latest.get() as { seq: number; cutoff: number } | undefined;
  return row ? { prunedBeforeMs: Math.ceil(row.cutoff / PRUNE_GRID_MS) * PRUNE_GRID_MS, checkpointSeq: row.seq } : null;
}

/** The parts of `ranges` before the horizon: what a read of them lacks, as `part`. */
export function prunedParts(part: IncompletePart, ranges: ReadonlyArray<{ fromMs: number; toMs: number }>, horizon: RetentionHorizon | null): MissingRange[] {
  if (!horizon) return [];
  return ranges
    .filter((r) => r.fromMs < Math.min(r.toMs, horizon.prunedBeforeMs))
    .map((r) => ({ part, from: new Date(r.fromMs).toISOString(), to: new Date(Math.min(r.toMs, horizon.prunedBeforeMs)).toISOString() }));
}

/** For an export whose range starts before the horizon (else undefined: nothing to say). */
export function retentionNote(horizon: RetentionHorizon | null, fromMs: number, missing: MissingRange[]): RetentionNote | undefined {
  if (!horizon || fromMs >= horizon.prunedBeforeMs) return undefined;
  return { prunedBefore: new Date(horizon.prunedBeforeMs).toISOString(), checkpointSeq: horizon.checkpointSeq, missing };
}

/** For a figure: only when something is missing. */
export function incompleteOf(horizon: RetentionHorizon | null, missing: MissingRange[]): Incomplete | undefined {
  if (!horizon || missing.length === 0) return undefined;
  return { reason: 'pruned', prunedBefore: new Date(horizon.prunedBeforeMs).toISOString(), checkpointSeq: horizon.checkpointSeq, missing };
}

/** Per minute, site, standard and version: judgements of the pruned events whose latest correction is a void / an amendment. */
const KEEP_CORRECTION_COUNTS = `
  INSERT INTO pruned_corrections (site, standard_id, bucket_ms, standard_version, voided, amended)
  SELECT e.site, j.standard_id, e.occurred_at_ms - (((e.occurred_at_ms % ${PRUNED_CORRECTIONS_GRAIN_MS}) + ${PRUNED_CORRECTIONS_GRAIN_MS}) % ${PRUNED_CORRECTIONS_GRAIN_MS}),
    j.standard_version, SUM(lc.action = 'void'), SUM(lc.action = 'amend')
  FROM judgements j JOIN events e ON e.seq = j.event_seq
  JOIN audit_corrections lc ON lc.seq = (SELECT MAX(seq) FROM audit_corrections WHERE event_seq = e.seq)
  WHERE e.occurred_at_ms < ?
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (site, standard_id, bucket_ms, standard_version) DO UPDATE SET voided = voided + excluded.voided, amended = amended + excluded.amended`;

export function pruneEvents(db: Database.Database, retainDays: number, secret: Buffer, nowMs: number): PruneResult {
  const cutoff = Math.floor((nowMs - retainDays * DAY_MS) / PRUNE_GRID_MS) * PRUNE_GRID_MS;
  return db.transaction((): PruneResult => {
    const { n, last } = db.prepare('SELECT COUNT(*) AS n, MAX(seq) AS last FROM events WHERE occurred_at_ms < ?').get(cutoff) as { n: number; last: number | null };
    if (n === 0) return { prunedBeforeMs: cutoff, events: 0, judgements: 0, checkpointSeq: null };
    db.prepare(KEEP_CORRECTION_COUNTS).run(cutoff);
    db.prepare('INSERT INTO audit_pruning (flag) VALUES (1)').run();
    const judgements = db.prepare('DELETE FROM judgements WHERE event_seq IN (SELECT seq FROM events WHERE occurred_at_ms < ?)').run(cutoff).changes;
    const events = db.prepare('DELETE FROM events WHERE occurred_at_ms < ?').run(cutoff).changes;
    db.prepare('DELETE FROM audit_pruning').run();
    const head = (db.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string });
    const fields: CheckpointFields = { prunedBeforeMs: cutoff, lastEventSeq: last, events, judgements, headSeq: head.seq, headHash: head.hash, atMs: nowMs };
    const row = db
      .prepare('INSERT INTO audit_checkpoints (pruned_before_ms, last_event_seq, events, judgements, head_seq, head_hash, at_ms, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *')
      .raw(true)
      .get(cutoff, last, events, judgements, head.seq, head.hash, nowMs, checkpointHmac(secret, fields)) as unknown[];
    chainWriter(db).append('checkpoint', row, nowMs);
    const seq = row[0] as number;
    appendAuditLog(db, { keyId: 'system', action: 'retention.prune', target: null, details: { checkpointSeq: seq, events, judgements, prunedBefore: new Date(cutoff).toISOString(), retainDays } }, nowMs);
    return { prunedBeforeMs: cutoff, events, judgements, checkpointSeq: seq };
  })();
}
