// What the integration adapters produce: the milestones and finished events of the open-clocks contract,
// ready to go through the one ingest path. Kept structurally identical to what POST /api/v1/milestones and
// POST /api/v1/events accept, so an adapter's output can be posted (or validated) without translation.

/** Longest caseId the milestone contract accepts. */
export const MAX_CASE_ID_LENGTH = 128;

/** One milestone of a case: a clock starts at the type's start milestone and stops at a stop milestone. */
export interface MilestoneInput {
  type: string;
  site: string;
  caseId: string;
  milestone: string;
  /** ISO 8601 with an offset. */
  at: string;
  agent?: string;
  queue?: string;
  /** Idempotency key: the same id with the same content is a duplicate. */
  id?: string;
  handleSeconds?: number;
  /**
   * On a stop milestone: the wait as the source system measured it. When present it is the measure's value,
   * instead of `at` minus the start milestone's `at`; Asterisk's own service level uses this figure, and it
   * stays right when the start is missing or the two clocks differ.
   */
  answerSeconds?: number;
}

/** A call that has already finished, posted as one event (it may pair with milestones of the same caseId). */
export interface CallEventInput {
  type: 'call';
  site: string;
  /** ISO 8601 with an offset. */
  occurredAt: string;
  outcome: 'answered' | 'abandoned';
  answerSeconds: number;
  agent?: string;
  queue?: string;
  id?: string;
  caseId?: string;
  handleSeconds?: number;
}

/**
 * How long an answered call was handled, known only when it ends (after its `answered` milestone may already
 * have been stored). A separate record rather than a second `answered` milestone, because the same milestone
 * posted again with different content is a conflict; the server applies it to the case it names.
 */
export interface HandleTimeInput {
  type: 'call';
  site: string;
  caseId: string;
  /** When the call ended, ISO 8601 with an offset. */
  at: string;
  handleSeconds: number;
  id: string;
  agent?: string;
  queue?: string;
}

/**
 * A case that left the queue in a way the source system does not count as answered or abandoned (an Asterisk
 * caller who pressed a key to leave). Its clock must stop without a judgement: left open it would expire and
 * count as a miss, which the source's own figures never do.
 */
export interface WithdrawalInput {
  type: 'call';
  site: string;
  caseId: string;
  at: string;
  id: string;
  /** The source's name for the exit, e.g. EXITWITHKEY. */
  reason: string;
  queue?: string;
}

/** Counts by name of the source records an adapter read but did not turn into anything. */
export type IgnoredCounts = Record<string, number>;

/** Counts one more `name`: an own property whatever the name ("constructor", "__proto__" are counted like any other). */
export function countIgnored(ignored: IgnoredCounts, name: string): void {
  const count = (Object.hasOwn(ignored, name) ? ignored[name]! : 0) + 1;
  Object.defineProperty(ignored, name, { value: count, enumerable: true, writable: true, configurable: true });
}

/** Milliseconds since the epoch as the ISO 8601 UTC string the contract takes. */
export function isoFromEpochMs(ms: number): string {
  return new Date(ms).toISOString();
}
