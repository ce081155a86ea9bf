// The built-in event types (call, visit, complaint) as data, in the format users define theirs in, and what a
// standard over a type may measure. Protocol, not domain: a standard's definition is checked against them where it
// is parsed (protocol/standards.ts), so a wrong measure of a built-in type is named with the definition's other
// problems in one answer; the registry (domain/eventTypes.ts) holds these same objects and checks user types by the
// same rule (notAStandardMeasureMessage).
import type { EventTypeDefinition } from './eventTypes';
import { oneOfMessage } from './issues';

const HOUR = 3_600;
const DAY = 86_400;

/** A wait: it starts, then is served or given up; its one measure is the time until served. */
function waitType(id: string, name: string, [start, served, gaveUp]: [string, string, string], measure: string, maxOpenSeconds: number): EventTypeDefinition {
  return {
    id,
    name,
    milestones: [
      { id: start, role: 'start' },
      { id: served, role: 'stop', outcome: 'served' },
      { id: gaveUp, role: 'stop', outcome: 'gaveUp' },
    ],
    measures: [{ id: measure, from: start, to: served }],
    maxOpenSeconds,
  };
}

/** Calls: ringing began → answered, or the caller hung up. Standards may also judge `rings` (derived, below). */
export const CALL_TYPE: EventTypeDefinition = waitType('call', 'Calls', ['started', 'answered', 'abandoned'], 'answerSeconds', 2 * HOUR);

export const VISIT_TYPE: EventTypeDefinition = waitType('visit', 'Visits', ['arrived', 'greeted', 'left'], 'greetSeconds', 8 * HOUR);

/** Complaints: acknowledge and resolve quickly, then follow up after the recovery. Nobody "gives up" a complaint. */
export const COMPLAINT_TYPE: EventTypeDefinition = {
  id: 'complaint',
  name: 'Complaints',
  milestones: [
    { id: 'received', role: 'start' },
    { id: 'acknowledged', role: 'step' },
    { id: 'resolved', role: 'step' },
    { id: 'followedUp', role: 'stop', outcome: 'served' },
  ],
  measures: [
    { id: 'acknowledgeSeconds', from: 'received', to: 'acknowledged' },
    { id: 'resolveSeconds', from: 'received', to: 'resolved' },
    { id: 'followUpSeconds', from: 'resolved', to: 'followedUp' },
  ],
  maxOpenSeconds: 90 * DAY,
};

export const BUILT_IN_EVENT_TYPES: readonly EventTypeDefinition[] = [CALL_TYPE, VISIT_TYPE, COMPLAINT_TYPE];

/** `rings` is not a clock of its own: it is the call's answerSeconds counted in ring cycles (floor(s / cycle) + 1). */
export const RINGS_MEASURE = { type: 'call', measure: 'rings', seconds: 'answerSeconds' } as const;

/** The built-in type of this id, if it is one. */
export function builtInEventType(id: string): EventTypeDefinition | undefined {
  return BUILT_IN_EVENT_TYPES.find((t) => t.id === id);
}

/** What a standard over this type may name as its measure: the type's measures, plus `rings` for calls. */
export function standardMeasuresOf(type: EventTypeDefinition): string[] {
  const ids = type.measures.map((m) => m.id);
  return type.id === RINGS_MEASURE.type ? [RINGS_MEASURE.measure, ...ids] : ids;
}

/**
 * Why a standard over `type` may not measure `measure`, or null when it may: the one refusal, by the definition's
 * schema (built-in types) and by the registry (every type), `is not a measure of a call: must be one of rings,
 * answerSeconds (got "answerSecond") (did you mean "answerSeconds"?)`.
 */
export function notAStandardMeasureMessage(type: EventTypeDefinition, measure: string): string | null {
  const measures = standardMeasuresOf(type);
  return measures.includes(measure) ? null : `is not a measure of a ${type.id}: ${oneOfMessage(measures, measure)}`;
}
