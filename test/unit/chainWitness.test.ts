// When a node writes its chain witness (services/chainWitness.ts), on a fake clock: once after the start check, then
// at most once a minute and only when the head moved (the head is read once a minute, never per commit), and at a
// clean shutdown; the file is the owner's only and replaced whole. Real files in a temp folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../server/src/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { ChainWitness, remember, WITNESS_FILE, WITNESS_INTERVAL_MS, type SeenHead } from '../../server/src/services/chainWitness';
import type { ChainHead, ReadOnlyStore } from '../../server/src/store/port';
import { testClock } from '../integration/support/testClock';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const hashOf = (seq: number) => seq.toString(16).padStart(64, 'a');
const headAt = (seq: number): ChainHead => ({ seq, hash: hashOf(seq) });

/** A store whose chain is 1..head, read as the witness reads it; `reads` counts the head reads. */
function fakeStore(start: number) {
  const state = { head: start, reads: 0 };
  const store = {
    reads: { audit: { head: async () => headAt(state.head) } },
    snapshot: async <T,>(fn: (s: unknown) => Promise<T>) => fn({ chain: { link: async (seq: number) => (seq <= state.head ? { ...headAt(seq), atMs: 0 } : null) } }),
  } as unknown as Pick<ReadOnlyStore, 'reads' | 'snapshot'>;
  const head = async () => {
    state.reads += 1;
    return headAt(state.head);
  };
  return { state, store, head };
}

const written = (dir: string) => (JSON.parse(readFileSync(join(dir, WITNESS_FILE), 'utf8')) as { heads: Array<{ seq: number; seenAt: string }> }).heads;

describe('the chain witness file', () => {
  it('is written after the start, then at most once a minute when the head moved, and at a clean shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-witness-'));
    dirs.push(dir);
    const clock = testClock(Date.UTC(2026, 11, 8));
    const { state, store, head } = fakeStore(5);
    const witness = await ChainWitness.open(store, dir, clock, createLogger('silent'));
    expect(readdirSync(dir)).toEqual([]); // nothing before the node serves
    await witness.start(head, (error) => {
      throw error;
    });
    await clock.advance(0);
    expect(written(dir)[0]).toMatchObject({ seq: 5, seenAt: '2026-12-08T00:00:00.000Z' });
    expect(statSync(join(dir, WITNESS_FILE)).mode & 0o777).toBe(0o600);
    expect(state.reads).toBe(1);

    // Commits during the minute: nothing is read or written until it is over.
    for (let i = 0; i < 10; i++) {
      state.head += 1;
      await clock.advance(5_000);
    }
    expect(state.reads).toBe(1);
    expect(written(dir)[0]!.seq).toBe(5);
    await clock.advance(WITNESS_INTERVAL_MS - 50_000);
    expect(state.reads).toBe(2);
    expect(written(dir).map((h) => h.seq)).toEqual([15, 5]);
    expect(written(dir)[0]!.seenAt).toBe('2026-12-08T00:01:00.000Z');

    // A minute without commits: read, not written again.
    await clock.advance(WITNESS_INTERVAL_MS);
    expect(state.reads).toBe(3);
    expect(written(dir)[0]!.seenAt).toBe('2026-12-08T00:01:00.000Z');

    // A clean shutdown writes the last head; no timer is left.
    state.head += 1;
    await clock.advance(1_000);
    await witness.close(head);
    expect(written(dir).map((h) => h.seq)).toEqual([16, 15, 5]);
    const reads = state.reads;
    await clock.advance(10 * WITNESS_INTERVAL_MS);
    expect(state.reads).toBe(reads);
    expect(readdirSync(dir)).toEqual([WITNESS_FILE]); // no temporary file left beside it
  });

  it('keeps the newest head and thins the older ones out with age, to at most 24', () => {
    let heads: SeenHead[] = [];
    for (let seq = 1; seq <= 1_000; seq++) heads = remember(heads, { ...headAt(seq * 10), seenAtMs: seq });
    expect(heads.length).toBe(24);
    expect(heads[0]!.seq).toBe(10_000);
    expect(heads.at(-1)!.seq).toBe(10); // the first one seen stays: a rewind to before it is still bracketed
    const gaps = heads.slice(1).map((h, i) => heads[i]!.seq - h.seq);
    expect(gaps[0]).toBeLessThan(gaps.at(-1)!); // close together near the head, far apart further back
    // Remembering an earlier head (a chain taken back) drops those after it.
    expect(remember(heads, { ...headAt(95), seenAtMs: 2_000 }).map((h) => h.seq).every((seq) => seq <= 95)).toBe(true);
  });
});

describe('a store taken back under a running node', () => {
  it('is logged at once, and the file keeps the heads it saw, for the next start to name as well', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringside-witness-'));
    dirs.push(dir);
    const clock = testClock(Date.UTC(2026, 11, 8));
    const { state, store, head } = fakeStore(5);
    const errors: string[] = [];
    const logger = createLogger('silent');
    logger.error = ((_fields: unknown, message: string) => void errors.push(message)) as typeof logger.error;
    const witness = await ChainWitness.open(store, dir, clock, logger);
    await witness.start(head, (error) => {
      throw error;
    });
    state.head = 15;
    await clock.advance(WITNESS_INTERVAL_MS);
    expect(written(dir).map((h) => h.seq)).toEqual([15, 5]);
    // A failover to a standby that lacked the last commits: the chain ends at 10 now, and grows on from there.
    state.head = 10;
    await clock.advance(WITNESS_INTERVAL_MS);
    state.head = 12;
    await clock.advance(WITNESS_INTERVAL_MS);
    await witness.close(head);
    expect(written(dir).map((h) => h.seq)).toEqual([15, 5]);
    expect(witness.rewind).toMatchObject({ reached: { seq: 15 }, now: { seq: 10 } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^while this node ran, the audit chain this node last saw in its store .* reached link 15 .*, the store's ends at link 10 /);
    // The next start names it too, then writes the store's head down.
    const next = await ChainWitness.open(store, dir, clock, createLogger('silent'));
    expect(next.rewind).toMatchObject({ reached: { seq: 15 }, now: { seq: 12 } });
  });
});
