// The server's one time source: what "now" is, and when its timers fire. The running server dates records and
// runs its timers (rate limits, key expiry, live-feed guard windows and checks, alert evaluation and throttling,
// webhook retries, retention) through the Clock it was started with, so a test can hand it a fake clock and
// move time instead of waiting for it (docs/development.md "Tests" lists what stays on real time).
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(timer: unknown): void;
}

type NodeTimer = ReturnType<typeof setTimeout>;

/**
 * The wall clock. Its timers are unref'd: none of them may keep the process alive once the server's
 * sockets are closed (closing the server stops them too).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeTimer),
  setInterval: (run, ms) => setInterval(run, ms).unref(),
  clearInterval: (timer) => clearInterval(timer as NodeTimer),
};
