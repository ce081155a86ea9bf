// The one arithmetic of a judgement's part in every figure. Whatever sums judgements — the batch writer's rollup
// rows, a correction taking an event's old part back and adding its new one, the rebuild from raw events, the raw
// reads of range edges, the bench generator — derives from `contribution` and `fold` here, so they cannot disagree.
//
// The rule for corrected events: a judgement counts with its event's effective state, i.e. the outcome, waits and
// re-judged verdict of the event's latest amendment (a voided event counts nothing). That is what an auditor reads
// in the compliance export, and what every other figure shows too.
import { EXPIRED_OUTCOME } from '../protocol/eventTypes';

/** A rollup row's counters: what a figure is summed from. */
export interface Sums {
  /** Judgements (in scope). */
  judged: number;
  /** Σ counted: the denominator. */
  counted: number;
  /** Σ met: the numerator. */
  met: number;
  /** Judgements not excluded as outside hours: the companions' base. */
  considered: number;
  /** Considered abandons / visitors who left. */
  abandoned: number;
  /** Considered answered/greeted events with a measured value. */
  valueN: number;
  /** Σ of those values. */
  valueSum: number;
  /** Longest considered wait in seconds; null when none. */
  waitMax: number | null;
}

/** What a judgement's part depends on: its event's (effective) outcome and waits and its (effective) verdict. */
export interface JudgementFacts {
  /** An EventType, or an event type registered later. */
  type: string;
  /** An Outcome, or an outcome of a registered event type. */
  outcome: string;
  answerSeconds: number | null;
  greetSeconds: number | null;
  value: number | null;
  /** 0/1 (or a boolean). */
  met: number | boolean;
  counted: number | boolean;
  reason: string | null;
}

export type Sign = 1 | -1;

export const isConsidered = (reason: string | null): boolean => reason !== 'outside-hours';
export const gaveUp = (outcome: string): boolean => outcome === 'abandoned' || outcome === 'left';
/**
 * Served: answered, greeted, or the stop another type's case ended with (a complaint followed up). Not a give-up,
 * nor a case closed by expiry ('expired').
 */
const isSuccess = (outcome: string): boolean => !gaveUp(outcome) && outcome !== EXPIRED_OUTCOME;

/** The wait an event's type measures: a call's answer time, a visit's greeting time. */
export const waitOf = (f: Pick<JudgementFacts, 'type' | 'answerSeconds' | 'greetSeconds'>): number | null => (f.type === 'call' ? f.answerSeconds : f.greetSeconds);

/**
 * Judgements that share everything the arithmetic looks at: their events' type and (effective) outcome, their
 * reason. A raw read groups judgements so (SQL only counts and sums); one judgement is a group of one.
 */
export interface JudgementGroup {
  /** An EventType, or an event type registered later. */
  type: string;
  /** An Outcome, or an outcome of a registered event type. */
  outcome: string;
  reason: string | null;
  /** Judgements in the group. */
  n: number;
  met: number;
  counted: number;
  /** Judgements with a measured value, and the sum of those values. */
  measured: number;
  valueSum: number;
  /** The longest wait of the group's events; null when none was measured. */
  waitMax: number | null;
}

/** The group's contribution to one rollup row; sign −1 takes it back (a correction's old state). */
export function contributionOfGroup(g: JudgementGroup, sign: Sign = 1): Sums {
  const considered = isConsidered(g.reason);
  const success = considered && isSuccess(g.outcome);
  return {
    judged: sign * g.n,
    counted: g.counted === 0 ? 0 : sign * g.counted,
    met: g.met === 0 ? 0 : sign * g.met,
    considered: considered ? sign * g.n : 0,
    abandoned: considered && gaveUp(g.outcome) ? sign * g.n : 0,
    valueN: success && g.measured > 0 ? sign * g.measured : 0,
    valueSum: success && g.measured > 0 ? sign * g.valueSum : 0,
    // A maximum cannot be taken back: a removal leaves the row's longest wait as it was.
    waitMax: sign === 1 && considered ? g.waitMax : null,
  };
}

/** One judgement as a group of one. */
function groupOf(f: JudgementFacts): JudgementGroup {
  const measured = f.value !== null;
  return {
    type: f.type,
    outcome: f.outcome,
    reason: f.reason,
    n: 1,
    met: f.met ? 1 : 0,
    counted: f.counted ? 1 : 0,
    measured: measured ? 1 : 0,
    valueSum: measured ? f.value! : 0,
    waitMax: waitOf(f),
  };
}

/** A judgement's contribution to one rollup row; sign −1 takes it back (a correction's old state). */
export const contribution = (f: JudgementFacts, sign: Sign = 1): Sums => contributionOfGroup(groupOf(f), sign);

export const zeroSums = (): Sums => ({ judged: 0, counted: 0, met: 0, considered: 0, abandoned: 0, valueN: 0, valueSum: 0, waitMax: null });

/** Adds `c` into `into` (in place): counters add up, the longest wait is the larger one. */
export function fold(into: Sums, c: Readonly<Sums>): Sums {
  into.judged += c.judged;
  into.counted += c.counted;
  into.met += c.met;
  into.considered += c.considered;
  into.abandoned += c.abandoned;
  into.valueN += c.valueN;
  into.valueSum += c.valueSum;
  into.waitMax = into.waitMax === null ? c.waitMax : c.waitMax === null ? into.waitMax : Math.max(into.waitMax, c.waitMax);
  return into;
}

/** The p90 companion's population: considered judgements of answered/greeted events with a measured value. */
export const inValuePopulation = (f: Pick<JudgementFacts, 'reason' | 'outcome' | 'value'>): boolean => isConsidered(f.reason) && isSuccess(f.outcome) && f.value !== null;

/** A judgement's part in a value histogram: one more (or one fewer) of its value, met or not; null outside the population. */
export function valueContribution(f: JudgementFacts, sign: Sign = 1): { value: number; n: number; met: number } | null {
  if (!inValuePopulation(f)) return null;
  return { value: f.value!, n: sign, met: f.met ? sign : 0 };
}

/**
 * Rollup grains, each keyed by the UTC start of its bucket: minutes for short ranges, quarter hours for ranges on
 * the quarter-hour grid (every local hour and day boundary of a zone with a 15- or 45-minute offset), whole hours
 * for ranges on the hour grid (UTC and whole-hour zones: a month by hour reads one row per hour instead of four).
 */
/** The quarter-hour grain's length: the finest grid a range off the whole hour is read on (ranges.ts, rebuilds). */
export const QUARTER_GRAIN_MS = 900_000;

export const ROLLUP_GRAINS = [
  { name: 'minute', ms: 60_000 },
  { name: 'quarter', ms: QUARTER_GRAIN_MS },
  { name: 'hour', ms: 3_600_000 },
] as const;
export type RollupGrain = (typeof ROLLUP_GRAINS)[number];

/**
 * Value-histogram grains: whole UTC days carry the bulk of a long range, quarter hours its partial days, and only
 * the sub-quarter-hour edges of an off-grid range are read from raw judgements.
 */
export const VALUE_GRAINS = [
  { name: 'day', ms: 86_400_000 },
  { name: 'quarter', ms: 900_000 },
] as const;
export type ValueGrain = (typeof VALUE_GRAINS)[number];

/** pruned_corrections keeps counts per UTC minute, like the minute rollup. */
export const PRUNED_CORRECTIONS_GRAIN_MS = 60_000;

/** Start of the grain's bucket holding `ms` (UTC, also before 1970). */
export const bucketStart = (ms: number, grainMs: number): number => ms - (((ms % grainMs) + grainMs) % grainMs);
