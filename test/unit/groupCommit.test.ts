// Group commit's gathering (services/ingest/groupCommit.ts): a group closes after the turn its first request came
// in, unless the recent groups were larger; then it waits, at most the hold, for as many requests as they held.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { groupCommit } from '../../server/src/services/ingest/groupCommit';
import type { IngestRequest } from '../../server/src/services/ingest/outcomes';

const HOLD_MS = 5;

function recorder() {
  const groups: number[] = [];
  const ingest = {
    ingestMany: (requests: readonly IngestRequest[]) => {
      groups.push(requests.length);
      return Promise.resolve(requests.map(() => ({ kind: 'stored' as const, results: [] })));
    },
  };
  return { groups, commit: groupCommit(ingest, HOLD_MS) };
}

/** Runs the immediates due now (the end of the turn), without moving the clock. */
const endOfTurn = () => vi.advanceTimersByTime(0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('group commit gathering', () => {
  it('closes a group after its turn while groups are single requests', () => {
    const { groups, commit } = recorder();
    for (let i = 0; i < 3; i++) {
      void commit([{}]);
      endOfTurn();
    }
    expect(groups).toEqual([1, 1, 1]);
  });

  it('holds a group smaller than the recent ones until as many requests came', async () => {
    const { groups, commit } = recorder();
    const first = Array.from({ length: 3 }, () => commit([{}]));
    endOfTurn();
    expect(groups).toEqual([3]);
    await Promise.all(first);

    // The three clients post again, one turn apart: one commit for the three, before the hold is up.
    const again = [commit([{}])];
    endOfTurn();
    again.push(commit([{}]));
    endOfTurn();
    expect(groups).toEqual([3]);
    again.push(commit([{}]));
    endOfTurn();
    expect(groups).toEqual([3, 3]);
    await Promise.all(again);
  });

  it('commits what came when the hold is up', async () => {
    const { groups, commit } = recorder();
    const first = [commit([{}]), commit([{}])];
    endOfTurn();
    await Promise.all(first);

    const late = commit([{}]);
    endOfTurn();
    vi.advanceTimersByTime(HOLD_MS - 1);
    expect(groups).toEqual([2]);
    vi.advanceTimersByTime(1);
    expect(groups).toEqual([2, 1]);
    await late;
  });
});
