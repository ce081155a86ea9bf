// The system clock the server runs on when no other is given (server/src/clock.ts).
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../server/src/clock';

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('never lets its timers keep the process alive (closing the server is what ends it)', () => {
    const timeout = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    const interval = systemClock.setInterval(() => {}, 60_000) as NodeJS.Timeout;
    try {
      expect(timeout.hasRef()).toBe(false);
      expect(interval.hasRef()).toBe(false);
    } finally {
      systemClock.clearTimeout(timeout);
      systemClock.clearInterval(interval);
    }
  });
});
