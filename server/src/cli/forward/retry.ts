// How long a forwarder waits before posting again what was not delivered: doubling from the first wait up to the
// longest, and never sooner than a rate-limited server said (Retry-After on a 429, up to the longest wait).

/** The first and the longest wait between attempts. */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/** A delivery worth trying again; `waitMs`: the least wait the server asked for, when it said one. */
export class RetryLater extends Error {
  override name = 'RetryLater';
  constructor(
    message: string,
    readonly waitMs?: number,
  ) {
    super(message);
  }
}

/** The wait after the `failures`-th failure in a row (1 for the first), at least `waitMs` when the server asked it. */
export function retryDelay(failures: number, policy: RetryPolicy, waitMs = 0): number {
  return Math.min(policy.maxMs, Math.max(waitMs, policy.initialMs * 2 ** (failures - 1)));
}

/**
 * Retry-After's wait in ms (RFC 9110: a number of seconds, or an HTTP date), or undefined when absent or neither.
 * A date in the past is no wait.
 */
export function retryAfterMs(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
