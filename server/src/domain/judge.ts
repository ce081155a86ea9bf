// Judging one event against the standard versions in force when it happened. Pure.
// Each judgement says whether the event is in the numerator (`met`) and the denominator (`counted`),
// so every figure is Σmet / Σcounted whatever the formula (docs/standards.md, "Formulas", has the exact rules).
import type { EventType, Judgement, JudgementReason, Operator, Standard } from '../protocol';
import { DEFAULT_SHORT_ABANDON_SECONDS, isEventMeasureField, WAIT_FIELD_BY_TYPE } from '../protocol';
import { sameSiteId } from '../protocol/pure/idLists';

/** What judging needs from an event (a StoredEvent satisfies it, and so does a case of any event type). */
export interface JudgeableEvent {
  /** 'call', 'visit', or the id of another event type (defined as data). */
  type: string;
  /** The stop that ended the case ('answered', 'abandoned', 'greeted', 'left', or another type's stop). */
  outcome: string;
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  site?: string;
  queue?: string | null;
  /** Measures by id, read for a standard whose measure is not one of the fields above (complaints, user types). */
  measures?: Readonly<Record<string, number | null>>;
  /** Whether the outcome is giving up; absent: 'abandoned' and 'left' are (calls and visits). */
  gaveUp?: boolean;
}

/** What judging reads of a standard: a Standard, or one over another event type (any measure id). */
export type JudgeableStandard = Omit<Standard, 'eventType' | 'measure'> & { eventType: string; measure: string };

/** A judgement naming the standard's measure (for a Standard: exactly a Judgement). */
export type JudgementOf<M extends string> = Omit<Judgement, 'measure'> & { measure: M };

export interface JudgeContext {
  /** Whether the event happened inside its site's business hours (default true). */
  inHours?: boolean;
}

/** One judgement per standard whose event type and scope match the event; others are ignored. */
export function judgeEvent<S extends JudgeableStandard>(event: JudgeableEvent, standards: readonly S[], ctx: JudgeContext = {}): JudgementOf<S['measure']>[] {
  return standards.filter((s) => !s.retired && inScope(event, s)).map((s) => judgeAgainst(event, s, ctx.inHours ?? true));
}

export function inScope(event: JudgeableEvent, s: JudgeableStandard): boolean {
  if (s.eventType !== event.type) return false;
  if (event.site === undefined ? s.scope?.sites !== undefined : !coversSite(s, event.site)) return false;
  if (s.scope?.queues && (event.queue == null || !s.scope.queues.includes(event.queue))) return false;
  return true;
}

/** Whether the standard judges events of the site at all: its scope names no sites, or names this one. */
export function coversSite(s: Pick<JudgeableStandard, 'scope'>, site: string): boolean {
  return !s.scope?.sites || s.scope.sites.some((scoped) => sameSiteId(scoped, site));
}

function meetsThreshold(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
  }
}

/** The short-abandon threshold a version applies: its own, or F5's default; null = none. */
function shortAbandonThreshold(s: Pick<Standard, 'shortAbandonSeconds' | 'formula'>): number | null {
  if (s.shortAbandonSeconds !== undefined && s.shortAbandonSeconds !== null) return s.shortAbandonSeconds;
  return s.formula === 'F5' ? DEFAULT_SHORT_ABANDON_SECONDS : null;
}

/**
 * The outside-hours rule: an event that happened while its site was closed is not counted, unless the standard
 * says countOutsideHours. Open clocks ask it too (domain/clocks/standardClock.ts), so a case's countdown never
 * disagrees with the judgement it will get.
 */
export function leftOutOfHours(s: Pick<JudgeableStandard, 'countOutsideHours'>, inHours: boolean): boolean {
  return !inHours && !s.countOutsideHours;
}

export function judgeAgainst<S extends JudgeableStandard>(event: JudgeableEvent, s: S, inHours: boolean): JudgementOf<S['measure']> {
  const value = measureValue(event, s.measure);
  const meets = value !== null && meetsThreshold(value, s.operator, s.threshold);
  // A literal, not a spread of shared fields: one judgement per event and standard, kept until the answer is sent.
  const verdict = (counted: boolean, met: boolean, reason: JudgementReason | null): JudgementOf<S['measure']> => ({
    standardId: s.id, standardVersion: s.version, measure: s.measure, value, threshold: s.threshold, met: counted && met, counted, reason,
  });

  if (leftOutOfHours(s, inHours)) return verdict(false, false, 'outside-hours');
  const failure = failureReason(event);
  if (!failure) return verdict(true, meets, null);

  // An abandon / a visitor who left. Short ones (waited ≤ S seconds) are not counted at all.
  const short = shortAbandonThreshold(s);
  const waited = waitedSeconds(event, value);
  if (short !== null && waited !== null && waited <= short) return verdict(false, false, 'short-abandon');
  switch (s.formula) {
    case 'F1': // (A≤T + Ab≤T) / (A + Ab): an abandon within the threshold is met
      return verdict(true, meets, failure);
    case 'F2': // A≤T / A: abandons are not counted
      return verdict(false, false, failure);
    case 'F3': // A≤T / (A + Ab): every abandon is a miss
    case 'F5': // A≤T / (A + Ab>S): F3 once short abandons (≤ S s) are excluded above
      return verdict(true, false, failure);
    case 'F4': // A≤T / (A + Ab>T): abandons within the threshold are not counted
      return meets ? verdict(false, false, 'short-abandon') : verdict(true, false, failure);
  }
}

function measureValue(event: JudgeableEvent, measure: string): number | null {
  if (isEventMeasureField(measure)) return event[measure];
  return event.measures?.[measure] ?? null;
}

/** Every gave-up outcome is an abandon ('abandoned'), except a visitor who left ('left'), as before. */
function failureReason(event: JudgeableEvent): JudgementReason | null {
  const gaveUp = event.gaveUp ?? (event.outcome === 'abandoned' || event.outcome === 'left');
  if (!gaveUp) return null;
  return event.outcome === 'left' ? 'left' : 'abandoned';
}

/** Seconds until they gave up: the call's/visit's wait field; for other types the judged measure (all in seconds). */
function waitedSeconds(event: JudgeableEvent, judgedValue: number | null): number | null {
  if (Object.hasOwn(WAIT_FIELD_BY_TYPE, event.type)) return event[WAIT_FIELD_BY_TYPE[event.type as EventType]];
  return judgedValue;
}
