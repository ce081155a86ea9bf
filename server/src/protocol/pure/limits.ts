// Bounds both ends of the wire agree on: what the server accepts, and how much one catch-up answer carries.

/** Upper bounds that separate a plausible measurement from a broken integration. */
export const LIMITS = {
  maxRings: 100,
  maxSeconds: 86_400,
  maxBatch: 5_000,
  maxTextLength: 200,
  /** How far ahead of the server clock an occurredAt may be (clock skew), in seconds. */
  maxFutureSeconds: 300,
  /**
   * The longest a case may stay open (a type's maxOpenSeconds), 366 days: no measure reaches further, so it bounds a
   * standard's threshold too. A bigger value is a unit mix-up.
   */
  maxOpenSeconds: 366 * 86_400,
} as const;

/** At most this many judged events in one `replay` answer (protocol/live.ts). */
export const REPLAY_MAX_EVENTS = 5_000;
/** At most this many incident changes in one `replay` answer. */
export const REPLAY_MAX_INCIDENT_CHANGES = 500;
