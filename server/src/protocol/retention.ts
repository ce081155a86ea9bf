// What retention pruning removed, as far as one answer is concerned (docs/audit.md "Retention"). Figures that
// the rollups and value histograms keep are served from them; what needs the raw events says so here instead
// of answering zero or empty.

/** Which figures of an answer lack the events of a range. */
export type IncompletePart =
  /** total, met, ratio, series and the companions other than p90 (GET /compliance); rows (compliance export). */
  | 'counts'
  /** companions.p90 (GET /compliance). */
  | 'p90'
  /** queue/agent groups (GET /compliance?groupBy=queue|agent): numerators, denominators and companions. */
  | 'groups'
  /** every bin and the total (GET /distribution). */
  | 'bins'
  /** event rows (event export). */
  | 'events';

/** A part of an answer that lacks the events which occurred in [from, to) (ISO UTC). */
export interface MissingRange {
  part: IncompletePart;
  from: string;
  to: string;
}

/** Where retention stands for an answer whose range reaches before the pruning cutoff. */
export interface RetentionNote {
  /** Raw events (and their judgements) that occurred before this instant are no longer stored (ISO UTC). */
  prunedBefore: string;
  /** The signed, chained retention checkpoint that recorded that cutoff (audit_checkpoints.seq). */
  checkpointSeq: number;
  /** What the answer lacks; empty when everything was served from the rollups and value histograms. */
  missing: MissingRange[];
}

/** Sent on a figure only when some of its parts lack pruned events (`missing` is never empty). */
export interface Incomplete extends RetentionNote {
  reason: 'pruned';
}
