// Completing an event's measurements: store what was measured, derive the rest, say what was derived.
import type { DerivedField, EventInput } from '../protocol';
import { ringOnWhichAnswered, secondsAtStartOfRing } from './cadence';

export interface Measurements {
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  derived: DerivedField[];
}

/** Fills in rings or answerSeconds for calls from the site's ring cycle; visits pass through. */
export function completeMeasurements(input: EventInput, cycleSeconds: number): Measurements {
  if (input.type === 'visit') {
    return { rings: null, answerSeconds: null, greetSeconds: input.greetSeconds, derived: [] };
  }
  const { rings, answerSeconds } = input;
  if (rings !== undefined && answerSeconds !== undefined) {
    // Both measured: keep both as posted, even if they disagree with our cadence (the PBX knows best).
    return { rings, answerSeconds, greetSeconds: null, derived: [] };
  }
  if (answerSeconds !== undefined) {
    return { rings: ringOnWhichAnswered(answerSeconds, cycleSeconds), answerSeconds, greetSeconds: null, derived: ['rings'] };
  }
  if (rings !== undefined) {
    return { rings, answerSeconds: secondsAtStartOfRing(rings, cycleSeconds), greetSeconds: null, derived: ['answerSeconds'] };
  }
  // The wire schema rejects calls without either; this guards callers that skip validation.
  throw new Error('a call needs rings and/or answerSeconds');
}
