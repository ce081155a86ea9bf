// Judging one event against the standards in force. Pure: same event + standards → same judgements.
import type { EventType, Judgement, Outcome, Standard } from '../protocol';

/** What judging needs from an event (a StoredEvent satisfies it). */
export interface JudgeableEvent {
  type: EventType;
  outcome: Outcome;
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
}

/** One judgement per standard whose eventType matches the event; others are ignored. */
export function judgeEvent(event: JudgeableEvent, standards: readonly Standard[]): Judgement[] {
  return standards.filter((s) => s.eventType === event.type).map((s) => judgeAgainst(event, s));
}

function judgeAgainst(event: JudgeableEvent, standard: Standard): Judgement {
  const value = event[standard.measure];
  const base = { standardId: standard.id, standardVersion: standard.version, measure: standard.measure, value, threshold: standard.threshold };
  const failure = failedOutcome(event.outcome);
  if (failure) {
    // F3: an abandon / a visitor who left is a miss whatever the value (kept for later formulas).
    return { ...base, met: false, reason: failure };
  }
  return { ...base, met: value !== null && value <= standard.threshold, reason: null };
}

function failedOutcome(outcome: Outcome): 'abandoned' | 'left' | null {
  if (outcome === 'abandoned') return 'abandoned';
  if (outcome === 'left') return 'left';
  return null;
}
