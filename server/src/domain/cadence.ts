// Ring cadence: converting between "seconds since ringing began" and "the ring it was answered on".
// A ring is one cadence cycle (on + off); the cycles come from public PBX indication tables.

/** Seconds per ring cycle by country. US 2 s on / 4 s off. */
const RING_CYCLE_SECONDS = {
  US: 6,
  UK: 3,
  EU: 5,
  DE: 5,
  FR: 5,
  JP: 3,
} as const;

/** Used for sites that do not say otherwise: a new site gets a 6 s cycle. */
export const DEFAULT_RING_CYCLE_SECONDS = RING_CYCLE_SECONDS.US;

/**
 * The ring on which a call was answered `seconds` after ringing began: floor(s / cycle) + 1.
 * 0 s → ring 1, 5.99 s → ring 1, exactly 6 s → ring 2 (the second ring starts at 6 s).
 */
export function ringOnWhichAnswered(seconds: number, cycleSeconds: number): number {
  assertCycle(cycleSeconds);
  if (!(seconds >= 0)) throw new RangeError(`seconds must be ≥ 0, got ${seconds}`);
  return Math.floor(seconds / cycleSeconds) + 1;
}

/**
 * Seconds for a call known only by its ring count. We choose the START of that ring's cycle,
 * (rings − 1) × cycle, because it is the smallest time consistent with the count, so a derived
 * value never overstates the wait; rings 0 (answered before the first ring) maps to 0 s.
 * Round trip: ringOnWhichAnswered(secondsAtStartOfRing(r), c) === max(r, 1).
 */
export function secondsAtStartOfRing(rings: number, cycleSeconds: number): number {
  assertCycle(cycleSeconds);
  if (!Number.isInteger(rings) || rings < 0) throw new RangeError(`rings must be a whole number ≥ 0, got ${rings}`);
  return rings === 0 ? 0 : (rings - 1) * cycleSeconds;
}

function assertCycle(cycleSeconds: number): void {
  if (!(cycleSeconds > 0) || !Number.isFinite(cycleSeconds)) {
    throw new RangeError(`ring cycle must be a positive number of seconds, got ${cycleSeconds}`);
  }
}
