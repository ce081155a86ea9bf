// Retention: raw events (and their judgements) older than N days are deleted; rollups and value histograms stay.
// The cutoff is floored to a quarter hour (UTC), so every rollup and histogram bucket of 15 minutes or less is
// either wholly pruned or wholly kept: a figure over a pruned range on that grid is read from them exactly, and
// only a range edge off the grid inside the pruned past lacks events (answers say so). The chain keeps every link;
// a checkpoint — HMAC-signed and itself chained — states what was pruned and the chain head at that moment.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Incomplete, IncompletePart, MissingRange, RetentionNote } from '../protocol';
import { canonicalJson } from './canonical';

const DAY_MS = 86_400_000;
/** The grid of pruning cutoffs: the finest grain of the value histograms, a multiple of the rollups' minute. */
export const PRUNE_GRID_MS = 900_000;

export interface RetentionHorizon {
  prunedBeforeMs: number;
  checkpointSeq: number;
}

/** Where pruning cuts for `retainDays` at `nowMs`. */
export const pruneCutoff = (nowMs: number, retainDays: number): number => Math.floor((nowMs - retainDays * DAY_MS) / PRUNE_GRID_MS) * PRUNE_GRID_MS;

/**
 * The horizon a checkpoint's cutoff means, rounded up to the grid: checkpoints written before cutoffs were floored
 * to it may cut inside a quarter hour, whose raw events are then partly gone (so its figures come from the rollups).
 */
export const horizonOf = (cutoffMs: number, checkpointSeq: number): RetentionHorizon => ({ prunedBeforeMs: Math.ceil(cutoffMs / PRUNE_GRID_MS) * PRUNE_GRID_MS, checkpointSeq });

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

/** The signed fields of a retention checkpoint. */
export interface CheckpointFields {
  prunedBeforeMs: number;
  lastEventSeq: number | null;
  events: number;
  judgements: number;
  headSeq: number;
  headHash: string;
  atMs: number;
  /**
   * Milestones pruned (of closed cases) and the highest seq among them. Absent in checkpoints from before milestones
   * were pruned, so their HMACs (over these fields) are as they were signed.
   */
  lastMilestoneSeq?: number | null;
  milestones?: number;
}

export function checkpointHmac(secret: Buffer, f: CheckpointFields): string {
  return createHmac('sha256', secret).update(canonicalJson(f), 'utf8').digest('hex');
}

/**
 * What the store records of its audit.secret, to tell another node's secret apart: an HMAC of a fixed label under the
 * secret (it reveals nothing of the key), 16 hex digits, like a signing key's id.
 */
export function secretFingerprint(secret: Buffer): string {
  return `hmac-sha256:${createHmac('sha256', secret).update('ringside audit.secret fingerprint', 'utf8').digest('hex').slice(0, 16)}`;
}

export function checkpointSigned(secret: Buffer, f: CheckpointFields, hmac: string): boolean {
  const expected = Buffer.from(checkpointHmac(secret, f), 'hex');
  const actual = Buffer.from(String(hmac), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
