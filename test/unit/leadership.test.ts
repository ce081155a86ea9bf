// Which node leads, as the store answers it: asked at start and on a timer (an injected clock), each change heard
// once, one question at a time however slow the database's answer, nothing asked after close.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger';
import { Leadership } from '../../server/src/services/leadership';
import type { Coordination } from '../../server/src/store/port';
import { testClock } from '../integration/support/testClock';

/** A store whose answers the test gives: each lead() waits for the next answer(). */
function scriptedStore() {
  const pending: Array<{ resolve: (leading: boolean) => void; reject: (error: Error) => void }> = [];
  let asked = 0;
  const coordination: Coordination = {
    lead: () => {
      asked += 1;
      return new Promise<boolean>((resolve, reject) => pending.push({ resolve, reject }));
    },
    onSignal: () => () => undefined,
    compareSettings: () => () => undefined,
  };
  const answer = async (leading: boolean | Error) => {
    const next = pending.shift()!;
    if (leading instanceof Error) next.reject(leading);
    else next.resolve(leading);
    await new Promise((r) => setImmediate(r));
  };
  return { coordination, answer, asked: () => asked, waiting: () => pending.length };
}

describe('Leadership', () => {
  it('leads when the store says so, hears each change once, and asks one question at a time', async () => {
    const clock = testClock(0);
    const store = scriptedStore();
    const leadership = new Leadership(store.coordination, clock, createLogger('silent'), { alone: false, checkMs: 2_000 });
    const heard: boolean[] = [];
    leadership.onChange((leading) => heard.push(leading));
    const started = leadership.start();
    await store.answer(false); // another node leads
    await started;
    expect([leadership.isLeading(), heard]).toEqual([false, []]);

    await clock.advance(2_000);
    await store.answer(true); // the leader went away: this node takes over
    expect([leadership.isLeading(), heard]).toEqual([true, [true]]);

    await clock.advance(2_000); // a slow answer: the next tick does not ask again meanwhile
    await clock.advance(2_000);
    expect([store.asked(), store.waiting()]).toEqual([3, 1]);
    await store.answer(new Error('connection terminated')); // an unreachable database: no longer leading
    expect([leadership.isLeading(), heard]).toEqual([false, [true, false]]);

    leadership.close();
    await clock.advance(10_000);
    expect(store.asked()).toBe(3);
  });
});
