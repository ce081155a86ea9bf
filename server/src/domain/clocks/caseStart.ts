// An event that closes a case (one posted with a caseId, a feed's finished event) says when the case started: how far
// that may lie from the start the case's milestones stored.

/**
 * How far the start an event closing a case gives (its `occurredAt`, or the end of its wait less the wait) may lie
 * from the case's stored start: sources that write whole seconds (a queue_log line, a contact record) put one
 * instant up to a second apart. Wider would let a misdated event count on another hour or day than its case.
 */
export const CASE_START_TOLERANCE_SECONDS = 1;

/** Whether a case that started at `startMs` is the one an event says started at `eventStartMs`. */
export function agreesWithCaseStart(eventStartMs: number, startMs: number): boolean {
  return Math.abs(eventStartMs - startMs) <= CASE_START_TOLERANCE_SECONDS * 1000;
}
