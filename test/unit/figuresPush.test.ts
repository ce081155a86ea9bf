// Today's figures after stored events: pushed at once after a quiet interval, merged while events keep coming,
// one at a time, never after stop. Driven by a fake clock; the reader is a function that records what it was asked.
import { describe, expect, it } from 'vitest';
import type { ComplianceUpdate, JudgedEvent } from '../../server/src/protocol';
import { createFiguresPush, FIGURES_READ_DEADLINE_MS } from '../../server/src/live/figuresPush';
import { isUnavailable, type StorageUnavailable } from '../../server/src/domain/errors';
import { testClock } from '../integration/support/testClock';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const MINUTE = 60_000;
const INTERVAL = 100;

/** A stored event at `minute` minutes after T0 (the push only reads its time). */
const storedAt = (minute: number, second = 0) => ({ event: { occurredAt: new Date(T0 + minute * MINUTE + second * 1000).toISOString() } }) as JudgedEvent;

function setup(read?: (minutes: number[]) => Promise<void>) {
  const clock = testClock(T0);
  const asked: number[][] = [];
  const sent: ComplianceUpdate[] = [];
  const errors: unknown[] = [];
  const push = createFiguresPush({
    clock,
    intervalMs: INTERVAL,
    build: async (minutes, nowMs) => {
      const sorted = [...minutes].sort((a, b) => a - b).map((m) => (m - T0) / MINUTE);
      asked.push(sorted);
      await read?.(sorted);
      return { serverTime: new Date(nowMs).toISOString(), today: [], points: [] };
    },
    emit: (update) => sent.push(update),
    failed: (error) => errors.push(error),
  });
  const settle = () => clock.advance(0);
  return { clock, push, asked, sent, errors, settle };
}

describe('live figures push', () => {
  it('pushes the figures of a group stored after a quiet interval at once', async () => {
    const { push, asked, sent, settle } = setup();
    push.add([storedAt(3, 10), storedAt(3, 50), storedAt(4)]);
    await settle();
    expect(asked).toEqual([[3, 4]]);
    expect(sent).toHaveLength(1);
  });

  it('merges the groups stored within the interval after a push into one push, with every minute they touched', async () => {
    const { clock, push, asked, sent, settle } = setup();
    push.add([storedAt(1)]);
    await settle();
    push.add([storedAt(2)]);
    push.add([storedAt(5), storedAt(2, 30)]);
    await clock.advance(INTERVAL - 1);
    expect(asked).toEqual([[1]]);
    await clock.advance(1);
    expect(asked).toEqual([[1], [2, 5]]);
    // Read when it is built: the second push is dated at the end of the interval, not when its groups were stored.
    expect(sent.map((u) => u.serverTime)).toEqual([new Date(T0).toISOString(), new Date(T0 + INTERVAL).toISOString()]);
  });

  it('pushes at once again once an interval passed without stored events', async () => {
    const { clock, push, asked, settle } = setup();
    push.add([storedAt(1)]);
    await settle();
    await clock.advance(INTERVAL * 3);
    push.add([storedAt(7)]);
    await settle();
    expect(asked).toEqual([[1], [7]]);
  });

  it('builds one push at a time: groups stored during a slow read wait for it and the interval after it', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { clock, push, asked, sent, settle } = setup((minutes) => (minutes[0] === 1 ? slow : Promise.resolve()));
    push.add([storedAt(1)]);
    await settle();
    push.add([storedAt(2)]);
    await clock.advance(INTERVAL * 5);
    expect(asked).toEqual([[1]]);
    expect(sent).toHaveLength(0);
    release();
    await settle();
    expect(sent).toHaveLength(1);
    await clock.advance(INTERVAL);
    expect(asked).toEqual([[1], [2]]);
    expect(sent).toHaveLength(2);
  });

  it('reports a failed read, and its minutes go with the next push', async () => {
    const { clock, push, asked, sent, errors, settle } = setup((minutes) => (minutes[0] === 1 && minutes.length === 1 ? Promise.reject(new Error('store closed')) : Promise.resolve()));
    push.add([storedAt(1)]);
    await settle();
    expect(errors).toEqual([new Error('store closed')]);
    push.add([storedAt(2)]);
    await clock.advance(INTERVAL);
    expect(asked).toEqual([[1], [1, 2]]);
    expect(sent).toHaveLength(1);
  });

  it('gives up a read that does not answer by its deadline, reports it, and goes on without it', async () => {
    const never = new Promise<void>(() => undefined);
    const { clock, push, asked, sent, errors, settle } = setup((minutes) => (minutes.length === 1 && minutes[0] === 1 ? never : Promise.resolve()));
    push.add([storedAt(1)]);
    await settle();
    push.add([storedAt(2)]);
    await clock.advance(FIGURES_READ_DEADLINE_MS - 1);
    expect(errors).toEqual([]);
    await clock.advance(1);
    // Reported as the storage outage it is (logged once per outage, without a stack), not as a bug.
    expect(errors).toHaveLength(1);
    expect(isUnavailable(errors[0])).toBe(true);
    expect((errors[0] as StorageUnavailable).reason).toBe(`the database did not answer within ${FIGURES_READ_DEADLINE_MS / 1000} s (today's figures for the live push)`);
    await clock.advance(INTERVAL);
    expect(asked).toEqual([[1], [1, 2]]);
    expect(sent).toHaveLength(1);
  });

  it('pushes nothing after stop, neither what was waiting nor what is stored later', async () => {
    const { clock, push, asked, settle } = setup();
    push.add([storedAt(1)]);
    await settle();
    push.add([storedAt(2)]);
    push.stop();
    push.add([storedAt(3)]);
    await clock.advance(INTERVAL * 10);
    expect(asked).toEqual([[1]]);
  });

  it('sends nothing for a read that answers after stop', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { push, sent, errors, settle } = setup(() => slow);
    push.add([storedAt(1)]);
    await settle();
    push.stop();
    release();
    await settle();
    expect(sent).toEqual([]);
    expect(errors).toEqual([]);
  });
});
