// A fake clock for a test server (ServerOptions.clock): the server's time stands still until the test moves
// it, and the server's timers (key expiry checks, live-feed guard, alert throttle and interval, webhook
// retries) fire as it passes, in order. Built on @sinonjs/fake-timers without installing it globally: sockets,
// HTTP and the test's own timeouts keep running on real time.
import { withGlobal } from '@sinonjs/fake-timers';
import type { Clock } from '../../../server/src/clock';

export interface TestClock extends Clock {
  /** Moves time forward by `ms`, running every timer that falls due, and awaiting what those start. */
  advance(ms: number): Promise<void>;
  /**
   * Moves straight to the instant `atMs`, as a machine waking from sleep: each timer that fell due meanwhile
   * fires once, at `atMs` (a jump of hours does not replay every tick of a once-a-second check).
   */
  skipTo(atMs: number): Promise<void>;
}

export function testClock(startMs = Date.now()): TestClock {
  const fake = withGlobal(globalThis).createClock(startMs);
  const advance = async (ms: number) => {
    if (ms < 0) throw new Error(`the clock only moves forward (asked to move ${ms} ms)`);
    await fake.tickAsync(ms);
  };
  return {
    now: () => fake.now,
    setTimeout: (run, ms) => fake.setTimeout(run, ms),
    clearTimeout: (timer) => fake.clearTimeout(timer as never),
    setInterval: (run, ms) => fake.setInterval(run, ms),
    clearInterval: (timer) => fake.clearInterval(timer as never),
    advance,
    skipTo: async (atMs) => {
      if (atMs < fake.now) throw new Error(`the clock only moves forward (asked to go back to ${new Date(atMs).toISOString()})`);
      fake.jump(atMs - fake.now);
    },
  };
}
