// A closed case (ended by a stop, or expired) as its finished event: what POST /events would have carried.
import { EXPIRED_OUTCOME } from '../../protocol/eventTypes';
import { ringOnWhichAnswered } from '../cadence';
import type { JudgeableEvent } from '../judge';
import type { CaseState } from './caseState';
import type { ClockSite } from './standardClock';

/** A closed case as a finished event: what POST /events would have carried (for calls and visits, field by field). */
export interface FinishedEvent extends JudgeableEvent {
  site: string;
  caseId: string;
  /** The start milestone's `at` as posted: when ringing began / the visitor arrived / the complaint came in. */
  occurredAt: string;
  queue: string | null;
  agent: string | null;
  handleSeconds: number | null;
  /** Wall-clock seconds of every measure (null when not measured). */
  measures: Record<string, number | null>;
  /** Fields computed rather than measured (rings of a call). */
  derived: Array<'rings'>;
}

/**
 * The closed case (ended by a stop, or expired) as the finished event. null while the case is open or its start
 * has not arrived. Calls carry answerSeconds and rings derived with the site's ring cycle, visits greetSeconds:
 * judging this event (judgeEvent) gives the judgements of posting the same case to POST /events.
 */
export function toFinishedEvent(state: CaseState, site: Pick<ClockSite, 'ringCycleSeconds'>): FinishedEvent | null {
  if (!state.end || !state.start) return null;
  const measures = Object.fromEntries(Object.values(state.measures).map((m) => [m.id, m.seconds]));
  const answerSeconds = state.type === 'call' ? (measures.answerSeconds ?? null) : null;
  return {
    type: state.type,
    site: state.site,
    caseId: state.caseId,
    occurredAt: state.start.at,
    outcome: state.end.stop ?? EXPIRED_OUTCOME,
    gaveUp: state.end.outcome === 'gaveUp',
    rings: answerSeconds === null ? null : ringOnWhichAnswered(answerSeconds, site.ringCycleSeconds),
    answerSeconds,
    greetSeconds: state.type === 'visit' ? (measures.greetSeconds ?? null) : null,
    measures,
    queue: state.queue,
    agent: state.agent,
    handleSeconds: state.handleSeconds,
    derived: answerSeconds === null ? [] : ['rings'],
  };
}
