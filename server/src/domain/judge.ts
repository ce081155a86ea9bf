// Judging one event against the standard versions in force when it happened. Pure.
// Each judgement says whether the event is in the numerator (`met`) and the denominator (`counted`),
// so every figure is Σmet / Σcounted whatever the formula (README "Formulas" has the exact rules).
import type { EventType, Judgement, JudgementReason, Operator, Outcome, Standard } from '../protocol';
import { DEFAULT_SHORT_ABANDON_SECONDS, WAIT_FIELD_BY_TYPE } from '../protocol';

/** What judging needs from an event (a StoredEvent satisfies it). */
export interface JudgeableEvent {
  type: EventType;
  outcome: Outcome;
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  site?: string;
  queue?: string | null;
}

export interface JudgeContext {
  /** Whether the event happened inside its site's business hours (default true). */
  inHours?: boolean;
}

/** One judgement per standard whose event type and scope match the event; others are ignored. */
export function judgeEvent(event: JudgeableEvent, standards: readonly Standard[], ctx: JudgeContext = {}): Judgement[] {
  return standards.filter((s) => !s.retired && inScope(event, s)).map((s) => judgeAgainst(event, s, ctx.inHours ?? true));
}

export function inScope(event: JudgeableEvent, s: Standard): boolean {
  if (s.eventType !== event.type) return false;
  if (s.scope?.sites && (event.site === undefined || !s.scope.sites.includes(event.site))) return false;
  if (s.scope?.queues && (event.queue == null || !s.scope.queues.includes(event.queue))) return false;
  return true;
}

export function meetsThreshold(value: number, operator: Operator, threshold: number): boolean {
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
export function shortAbandonThreshold(s: Standard): number | null {
  if (s.shortAbandonSeconds !== undefined && s.shortAbandonSeconds !== null) return s.shortAbandonSeconds;
  return s.formula === 'F5' ? DEFAULT_SHORT_ABANDON_SECONDS : null;
}

export function judgeAgainst(event: JudgeableEvent, s: Standard, inHours: boolean): Judgement {
  const value = event[s.measure];
  const meets = value !== null && meetsThreshold(value, s.operator, s.threshold);
  const base = { standardId: s.id, standardVersion: s.version, measure: s.measure, value, threshold: s.threshold };
  const verdict = (counted: boolean, met: boolean, reason: JudgementReason | null): Judgement => ({ ...base, met: counted && met, counted, reason });

  if (!inHours && !s.countOutsideHours) return verdict(false, false, 'outside-hours');
  const failure: JudgementReason | null = event.outcome === 'abandoned' ? 'abandoned' : event.outcome === 'left' ? 'left' : null;
  if (!failure) return verdict(true, meets, null);

  // An abandon / a visitor who left. Short ones (waited ≤ S seconds) are not counted at all.
  const short = shortAbandonThreshold(s);
  const waited = event[WAIT_FIELD_BY_TYPE[event.type]];
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
