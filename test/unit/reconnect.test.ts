// When the live feed's own clients reconnect after the server ended their connection on purpose, and how long they
// wait (server/src/protocol/pure/reconnect.ts). Time is a hand-driven clock; timers run only when the test says.
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffSettings, SERVER_DISCONNECT_REASON, ServerDisconnectRetry, type RetryClock } from '../../server/src/protocol/pure/reconnect';

const SETTINGS = { minMs: 1_000, maxMs: 5_000, jitter: 0.5 };

function manualClock(random = 0.5) {
  let now = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  let nextId = 1;
  const clock: RetryClock = {
    now: () => now,
    setTimeout: (run, ms) => (timers.set(nextId, { at: now + ms, run }), nextId++),
    clearTimeout: (id) => timers.delete(id as number),
    random: () => random,
  };
  return {
    clock,
    pending: () => timers.size,
    /** Moves time on, running the timers that fall due. */
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...timers]) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.run();
      }
    },
  };
}

describe('backoff delay', () => {
  it('doubles from the minimum up to the maximum, moved by the jitter either way but never above the maximum', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, SETTINGS, middle))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(backoffDelay(0, SETTINGS, () => 0)).toBe(500);
    expect(backoffDelay(0, SETTINGS, () => 0.999_999)).toBe(1_500);
    expect(backoffDelay(3, SETTINGS, () => 0.999_999)).toBe(5_000);
    expect(backoffDelay(3, SETTINGS, () => 0)).toBe(2_500);
  });

  it('takes socket.io-client’s own settings, and none when the client was told not to reconnect', () => {
    const manager = (reconnection: boolean) => ({ reconnection: () => reconnection, reconnectionDelay: () => 1_000, reconnectionDelayMax: () => 5_000, randomizationFactor: () => 0.5 });
    expect(backoffSettings(manager(true))).toEqual(SETTINGS);
    expect(backoffSettings(manager(false))).toBeNull();
  });
});

describe('reconnecting after the server ended the connection', () => {
  it('retries a kick after the backoff, and leaves every other reason to socket.io-client', () => {
    const time = manualClock();
    const retry = new ServerDisconnectRetry(time.clock);
    let reconnects = 0;
    retry.connected();
    for (const reason of ['transport close', 'transport error', 'ping timeout', 'io client disconnect', 'parse error']) {
      expect(retry.disconnected(reason, SETTINGS, () => (reconnects += 1))).toBeNull();
    }
    expect(time.pending()).toBe(0);
    expect(retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => (reconnects += 1))).toBe(1_000);
    time.advance(999);
    expect(reconnects).toBe(0);
    time.advance(1);
    expect(reconnects).toBe(1);
  });

  it('does not retry for a client configured without reconnection', () => {
    const time = manualClock();
    const retry = new ServerDisconnectRetry(time.clock);
    expect(retry.disconnected(SERVER_DISCONNECT_REASON, null, () => undefined)).toBeNull();
    expect(time.pending()).toBe(0);
  });

  it('backs off kicks in a row, and starts again once a connection lasted', () => {
    const time = manualClock();
    const retry = new ServerDisconnectRetry(time.clock);
    const waits: Array<number | null> = [];
    const kickSoonAfterConnecting = () => {
      retry.connected();
      time.advance(100);
      waits.push(retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => undefined));
      time.advance(10_000);
    };
    for (let i = 0; i < 5; i++) kickSoonAfterConnecting();
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    retry.connected();
    time.advance(5_000);
    expect(retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => undefined)).toBe(1_000);
  });

  it('drops a scheduled reconnect when the client closes on purpose, and keeps only the newest', () => {
    const time = manualClock();
    const retry = new ServerDisconnectRetry(time.clock);
    let reconnects = 0;
    retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => (reconnects += 1));
    retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => (reconnects += 10));
    expect(time.pending()).toBe(1);
    time.advance(10_000);
    expect(reconnects).toBe(10);
    retry.disconnected(SERVER_DISCONNECT_REASON, SETTINGS, () => (reconnects += 100));
    retry.cancel();
    time.advance(10_000);
    expect(reconnects).toBe(10);
  });
});
