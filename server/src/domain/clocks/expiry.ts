// Expiry: a case still waiting for something (open, or a measure not yet stopped) is closed as expired its type's
// maxOpenSeconds after its start; how the case looks then. What is recorded for it: judging.ts expiryJudgement.
import type { EventTypeDefinition } from '../../protocol/eventTypes';
import { expiresAtMsFrom } from '../../protocol/pure/openClocks';
import { gaveUpStopOf } from '../eventTypes';
import { measureStates, type CaseEnd, type CaseState } from './caseState';

/**
 * When a case that is still waiting for something (open, or a measure not yet stopped) is closed as expired: its
 * start + maxOpenSeconds (a case whose start never arrived: its first milestone's). null when nothing is left.
 */
export function expiresAtMs(type: EventTypeDefinition, state: CaseState): number | null {
  if (state.expiredAtMs !== null) return null;
  const pending = state.end === null || Object.values(state.measures).some((m) => m.status === 'waiting' || m.status === 'running');
  return pending ? expiresAtMsFrom(referenceMs(state), type.maxOpenSeconds) : null;
}

export function isExpired(type: EventTypeDefinition, state: CaseState, nowMs: number): boolean {
  const at = expiresAtMs(type, state);
  return at !== null && nowMs >= at;
}

/**
 * The case closed as expired at expiresAtMs: an open case of a type with a gaveUp stop gives up at that instant
 * (its measures then run until it); otherwise the case keeps its end (or ends without a stop) and its unstopped
 * measures stay unmeasured. Judgements follow from expiryJudgement.
 */
export function expireCase(type: EventTypeDefinition, state: CaseState): CaseState {
  const atMs = expiresAtMs(type, state);
  if (atMs === null) throw new RangeError(`case ${state.caseId} has nothing left to expire`);
  const gaveUp = gaveUpStopOf(type);
  if (state.end === null && gaveUp) {
    const end: CaseEnd = { stop: gaveUp.id, outcome: 'gaveUp', atMs, expired: true };
    const measures = measureStates(type, state.reached, end);
    return { ...state, end, measures, expiredAtMs: atMs };
  }
  return { ...state, end: state.end ?? { stop: null, outcome: null, atMs, expired: true }, expiredAtMs: atMs };
}

/** The case's start, or its first milestone while the start has not arrived: what expiry counts from. */
export function referenceMs(state: CaseState): number {
  return state.start?.atMs ?? Math.min(...Object.values(state.reached).map((m) => m.atMs));
}
