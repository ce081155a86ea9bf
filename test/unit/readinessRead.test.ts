// The readiness probe against a database that does not answer its read (a table locked, a database stuck): each
// probe answers "not ready" after 2 s, and the read it gave up on is waited for by the next probe rather than another
// started beside it. Otherwise a balancer probing every second leaves one more read (and a connection of the node's
// pool) waiting per probe, as measured on two nodes with `LOCK TABLE events` held: 5 sessions waiting within 4 s,
// until requests find no connection free. The store here is a stand-in whose read never answers.
import { createLogger } from '../../server/src/logger';
import { expect, it } from 'vitest';
import { StorageWatch } from '../../server/src/services/storageWatch';
import type { Store } from '../../server/src/store/port';
import { testClock } from '../integration/support/testClock';

it('keeps one read waiting however often readiness is asked while the database does not answer', async () => {
  const clock = testClock();
  let reads = 0;
  let answer: (seq: number) => void = () => undefined;
  const stuck = new Promise<number>((resolve) => (answer = resolve));
  const store = {
    reads: { events: { headSeq: () => ((reads += 1), stuck) } },
    coordination: undefined,
    write: () => Promise.reject(new Error('no writes here')),
    snapshot: () => Promise.reject(new Error('no snapshots here')),
    writable: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as unknown as Store;
  const watch = new StorageWatch(store, createLogger('silent'), clock);

  for (let probe = 0; probe < 4; probe++) {
    const readiness = watch.readiness();
    await clock.advance(2_000);
    expect(await readiness).toEqual({ ready: false, reason: 'the database did not answer within 2 s' });
  }
  expect(reads).toBe(1);

  // Once it answers, the next probe is ready again (it may take that very answer).
  answer(7);
  expect(await watch.readiness()).toEqual({ ready: true });
});
