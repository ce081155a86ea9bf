// A standard's clock on a case: its limit, and from it the deadline, the at-risk instant and the breach at a given
// time. A standard on the business clock counts only the site's open time (domain/businessTime.ts); one on the wall
// clock leaves out a case whose clock started while the site was closed, as the judge does (outside hours).
import { RINGS_MEASURE, type Operator, type Site } from '../../protocol';
import { EVENT_TYPE_LIMITS, type ClockStandard, type ClockState } from '../../protocol/eventTypes';
import { addBusinessSeconds, businessSecondsBetween, type BusinessCalendar } from '../businessTime';
import { isOpen } from '../hours';
import { leftOutOfHours } from '../judge';
import type { CaseState, MeasureState } from './caseState';

/** What clocks need of a site: its calendar (business time, hours) and its ring cycle. */
export type ClockSite = BusinessCalendar & Pick<Site, 'ringCycleSeconds'>;

/**
 * The largest measure (in seconds of the standard's clock) a stop may reach and still meet the standard:
 * `metAtLimit` says whether exactly `seconds` still meets. Rings count whole ring cycles (ring = floor(s / cycle)
 * + 1), so rings ≤ R ⇔ s < floor(R) × cycle. null for "at least" operators: they have no deadline.
 */
export interface ClockLimit {
  seconds: number;
  metAtLimit: boolean;
}

export function clockLimit(standard: Pick<ClockStandard, 'eventType' | 'measure' | 'operator' | 'threshold'>, site: Pick<ClockSite, 'ringCycleSeconds'>): ClockLimit | null {
  if (standard.operator === '>=' || standard.operator === '>') return null;
  if (standard.eventType === RINGS_MEASURE.type && standard.measure === RINGS_MEASURE.measure) {
    return { seconds: lastMetRing(standard.operator, standard.threshold) * site.ringCycleSeconds, metAtLimit: false };
  }
  return { seconds: standard.threshold, metAtLimit: standard.operator === '<=' };
}

/** The highest ring that still meets: R for "≤ R", R − 1 for "< R" (whole rings, never below 0). */
function lastMetRing(operator: Extract<Operator, '<=' | '<'>, threshold: number): number {
  return Math.max(0, operator === '<=' ? Math.floor(threshold) : Math.ceil(threshold) - 1);
}

export interface ClockStatus {
  standardId: string;
  /** The standard's measure (rings, answerSeconds …). */
  measure: string;
  clockStartMs: number;
  /** Clock start + limit (in the standard's clock); null when the clock can never run out. */
  deadlineMs: number | null;
  /** The first instant the clock is at risk (80 % of the limit). */
  atRiskMs: number | null;
  /** The first instant a stop would miss: the deadline, or just after it when a stop exactly at it still meets. */
  breachMs: number | null;
  /** Seconds on the standard's clock since the clock started. */
  elapsedSeconds: number;
  state: ClockState;
  /**
   * False when the standard will not count the case (its wall clock started while the site was closed, and the
   * standard does not count outside hours): no stop can miss, so the clock has no deadline, at-risk or breach.
   */
  counted: boolean;
}

/**
 * Where a clock turns at-risk, in seconds of its clock: the first whole millisecond at or past 80 % of the limit.
 * Counted in integer milliseconds (× 4 / 5, rounded up): rounding 0.8 × limit to the nearest millisecond could turn
 * a clock at-risk before 80 % (6 ms of an 8 ms limit), and 0.8 × 12 in floating point is a hair above 9.6.
 */
export function atRiskAfter(limitSeconds: number): number {
  return Math.ceil((Math.round(limitSeconds * 1000) * 4) / 5) / 1000;
}

/**
 * Where a stop first misses, in seconds of the clock: the first whole millisecond whose measure the judge finds past
 * the limit (at the limit itself when `metAtLimit` is false). Found with the judge's own comparison from the limit's
 * millisecond, not by adding a millisecond and rounding, which is a millisecond late for a limit finer than one
 * (≤ 0.0005 s: a stop at 1 ms misses) and early for "<" (< 0.0084 s: a stop at 8 ms still meets).
 */
export function firstMissAfter(limit: ClockLimit): number {
  const misses = (ms: number) => (limit.metAtLimit ? ms / 1000 > limit.seconds : ms / 1000 >= limit.seconds);
  let ms = Math.max(0, Math.floor(limit.seconds * 1000));
  // A limit past 9 × 10^12 s has no whole milliseconds to search: the old reading, as good as any there
  if (!Number.isSafeInteger(ms)) return limit.metAtLimit ? limit.seconds + 0.001 : limit.seconds;
  while (!misses(ms)) ms += 1;
  while (ms > 0 && misses(ms - 1)) ms -= 1;
  return ms / 1000;
}

/** The standard's clock on the case at nowMs; null when that clock is not running (not started, or stopped). */
export function clockStatus(state: CaseState, standard: ClockStandard, site: ClockSite, nowMs: number): ClockStatus | null {
  const measure = clockMeasureIn(state, standard.measure);
  if (!measure || measure.status !== 'running' || measure.clockStartMs === null) return null;
  const start = measure.clockStartMs;
  const elapsedSeconds = clockSeconds(standard, site, start, nowMs);
  // Judged as it will be when it ends: a case the standard leaves out can never miss, so it never runs out.
  if (!countsClockStartedAt(standard, site, start)) {
    return { standardId: standard.id, measure: standard.measure, clockStartMs: start, deadlineMs: null, atRiskMs: null, breachMs: null, elapsedSeconds, state: 'running', counted: false };
  }
  const limit = clockLimit(standard, site);
  const instantAfter = (seconds: number) => clockInstant(standard, site, start, seconds);
  const deadlineMs = limit ? instantAfter(limit.seconds) : null;
  const breachMs = limit ? instantAfter(firstMissAfter(limit)) : null;
  const atRiskMs = limit ? instantAfter(atRiskAfter(limit.seconds)) : null;
  const clockState: ClockState = breachMs !== null && nowMs >= breachMs ? 'breached' : atRiskMs !== null && nowMs >= atRiskMs ? 'at-risk' : 'running';
  return { standardId: standard.id, measure: standard.measure, clockStartMs: start, deadlineMs, atRiskMs, breachMs, elapsedSeconds, state: clockState, counted: true };
}

/**
 * How far after its start a clock's instants are looked for: no case stays open longer (a type's maxOpenSeconds is at
 * most this), so an instant further on is never reached, the case has expired by then.
 */
const CLOCK_HORIZON_MS = EVENT_TYPE_LIMITS.maxOpenSeconds * 1000;

/**
 * The instant `seconds` of the standard's clock after `startMs`; null when that never comes: a site that never
 * opens, or a threshold that does not run out before every case has expired (CLOCK_HORIZON_MS). Bounded so that
 * a threshold of any size neither walks a business calendar for millennia nor gives an instant no date can hold.
 */
function clockInstant(standard: ClockStandard, site: ClockSite, startMs: number, seconds: number): number | null {
  const horizon = startMs + CLOCK_HORIZON_MS;
  const at = standard.clock === 'business' ? addBusinessSeconds(site, startMs, seconds, horizon) : startMs + Math.round(seconds * 1000);
  return at <= horizon ? at : null;
}

/** Seconds of the standard's clock in [fromMs, toMs) (0 if toMs precedes fromMs). */
export function clockSeconds(standard: ClockStandard, site: ClockSite, fromMs: number, toMs: number): number {
  return standard.clock === 'business' ? businessSecondsBetween(site, fromMs, toMs) : Math.max(0, toMs - fromMs) / 1000;
}

/** The case's measure behind a standard's measure (answerSeconds for `rings`). */
export function clockMeasureIn(state: CaseState, standardMeasure: string): MeasureState | undefined {
  const id = state.type === RINGS_MEASURE.type && standardMeasure === RINGS_MEASURE.measure ? RINGS_MEASURE.seconds : standardMeasure;
  return state.measures[id];
}

/** Whether the judge takes a clock started at clockStartMs as in hours: on the business clock, always. */
export function inHoursFor(standard: ClockStandard, site: ClockSite, clockStartMs: number): boolean {
  return standard.clock === 'business' || isOpen(site, clockStartMs);
}

/** Whether the standard counts a case whose clock started at clockStartMs (the judge's outside-hours rule). */
export function countsClockStartedAt(standard: ClockStandard, site: ClockSite, clockStartMs: number): boolean {
  return !leftOutOfHours(standard, inHoursFor(standard, site, clockStartMs));
}
