// A call whose start arrives after its deadline has passed: the open clocks claim the breach and record the miss
// inside the write that stores the start (ingest's opened-cases hook), so both commit together: one durable write,
// not a second one after it. The breach is pushed once, the milestone is answered as before, and the chain verifies.
// If recording the miss fails there, the milestones are stored all the same and the clocks' next look records it.
// On both backends (PostgreSQL on 127.0.0.1:5432, a fresh database per test).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import type { ClockBreach } from '../../../server/src/protocol/eventTypes';
import { ClockService } from '../../../server/src/services/clocks';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { StandardsService } from '../../../server/src/services/standards';
import type { Store, WriteTx } from '../../../server/src/store/port';
import { verifySnapshot } from '../../../server/src/services/audit';
import { postgresBackend } from '../../../server/src/store/postgres';
import { storeBackend } from '../../../server/src/storeBackend';
import { testDatabases } from '../support/postgres';
import { testClock } from '../support/testClock';
import { removeDir, tempDataDir } from '../support/testServer';
import { callMilestone } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const CALLS = 'call-answer-2-rings'; // a miss from 12 s on

const databases = testDatabases('ringside_miss_in_write');
afterAll(() => databases.dropAll());

const BACKENDS = {
  sqlite: (dataDir: string, now: () => number) => storeBackend.open({ dataDir, now }),
  postgres: async (_dataDir: string, now: () => number) => postgresBackend({ url: await databases.create() }).open({ dataDir: '(unused)', now }),
};

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Ingest and open clocks on one store, every write transaction counted; `failMiss`: the first miss written throws. */
async function setup(backend: keyof typeof BACKENDS, options: { failMiss?: boolean } = {}) {
  const dataDir = tempDataDir();
  const clock = testClock(T0);
  const now = () => clock.now();
  const store: Store = await BACKENDS[backend](dataDir, now);
  const standards = await StandardsService.open(store, DEFAULT_STANDARDS, now);
  const listenerErrors: unknown[] = [];
  const ingest = new IngestService({ store, standards, now, timeZone: 'UTC', onListenerError: (e) => listenerErrors.push(e) });
  const errors: unknown[] = [];
  const clocks = await ClockService.open({ store, standards, ingest, clock, timeZone: 'UTC', onError: (e) => errors.push(e) });
  const breaches: ClockBreach[] = [];
  clocks.onUpdate((u) => breaches.push(...u.breaches));
  clocks.start();
  await clocks.idle();
  const counted = { writes: 0, failMiss: options.failMiss ?? false };
  const write = store.write.bind(store);
  store.write = <T>(fn: (tx: WriteTx) => Promise<T>) => {
    counted.writes += 1;
    return write((tx) => fn(counted.failMiss ? failingMiss(tx, counted) : tx));
  };
  cleanup.push(async () => {
    await clocks.close();
    await store.close();
    removeDir(dataDir);
  });
  return { store, ingest, clocks, breaches, counted, errors, listenerErrors };
}

/** The transaction with its first case judgement refused (as a full disk would refuse it). */
function failingMiss(tx: WriteTx, counted: { failMiss: boolean }): WriteTx {
  const writes = { ...tx.writes, caseJudgement: () => {
    counted.failMiss = false;
    return Promise.reject(new Error('disk full'));
  } };
  return new Proxy(tx, { get: (target, p) => (p === 'writes' ? writes : Reflect.get(target, p)) });
}

/** The case judgements of the call `caseId` as stored. */
async function caseJudgements(store: Store, caseId: string) {
  const recorded = await store.reads.cases.judgements({ type: 'call', site: 'north', caseId });
  return recorded.map((r) => ({ caseId: r.caseId, standardId: r.judgement.standardId, met: r.judgement.met, reason: r.judgement.reason }));
}

const intact = async (store: Store) => (await store.snapshot((s) => verifySnapshot(s, null))).intact;

describe.each(['sqlite', 'postgres'] as const)('a call already past its deadline when its start arrives (%s)', (backend) => {
  it('has its miss recorded in the write that stores the start, and its breach pushed once', async () => {
    const { store, ingest, clocks, breaches, counted, errors } = await setup(backend);
    const out = await ingest.ingestMilestones([callMilestone('late', 'started', T0 - 30_000), callMilestone('fresh', 'started', T0 - 1_000)]);
    expect(out.kind).toBe('stored');
    await clocks.idle();
    expect(counted.writes).toBe(1);
    expect(await caseJudgements(store, 'late')).toEqual([{ caseId: 'late', standardId: CALLS, met: false, reason: 'deadline' }]);
    expect(breaches).toEqual([{ type: 'call', site: 'north', caseId: 'late', standardId: CALLS, standardVersion: 1, standardLabel: 'Calls ≤ 2 rings', deadline: new Date(T0 - 18_000).toISOString(), missed: true }]);
    expect(clocks.openClocks({ state: 'breached' }).map((c) => [c.caseId, c.standards[0]!.judged])).toEqual([['late', { met: false, reason: 'deadline' }]]);
    expect(errors).toEqual([]);

    // The stop keeps the recorded verdict; the other call breaches later, at its own deadline, in a write of its own.
    await ingest.ingestMilestones([callMilestone('late', 'answered', T0 - 1_000)]);
    await clocks.idle();
    expect(breaches).toHaveLength(1);
    expect(await intact(store)).toBe(true);
  });

  it('pushes the breach once when a look at shared cases runs between the commit and the write\'s own refresh', async () => {
    const { store, ingest, clocks, breaches } = await setup(backend);
    // The clocks' queue as another node's signal or the sharing timer uses it.
    const queue = clocks as unknown as { enqueue(task: () => Promise<void>): void; adoptShared(): Promise<void> };
    let release!: () => void;
    const running = new Promise<void>((resolve) => (release = resolve));
    const write = store.write.bind(store);
    store.write = <T>(fn: (tx: WriteTx) => Promise<T>) => {
      store.write = write;
      queue.enqueue(() => running); // a look still running while the start is written
      queue.enqueue(() => queue.adoptShared()); // queued behind it: it reads the new case after the commit
      return write(fn).finally(release);
    };
    await ingest.ingestMilestones([callMilestone('late', 'started', T0 - 30_000)]);
    await clocks.idle();
    expect(breaches).toEqual([expect.objectContaining({ caseId: 'late', standardId: CALLS, missed: true })]);
    expect(clocks.openClocks({ state: 'breached' }).map((c) => c.caseId)).toEqual(['late']);
  });

  it('is stored and answered as before when recording the miss fails there; the next look records it', async () => {
    const { store, ingest, clocks, breaches, counted, listenerErrors } = await setup(backend, { failMiss: true });
    const out = await ingest.ingestMilestones([callMilestone('late', 'started', T0 - 30_000)]);
    expect(out).toMatchObject({ kind: 'stored', results: [{ duplicate: false, milestone: { caseId: 'late' } }] });
    expect(listenerErrors).toEqual([expect.objectContaining({ message: 'disk full' })]);
    await clocks.idle();
    expect(counted.writes).toBe(2);
    expect(await caseJudgements(store, 'late')).toEqual([{ caseId: 'late', standardId: CALLS, met: false, reason: 'deadline' }]);
    expect(breaches).toEqual([expect.objectContaining({ caseId: 'late', standardId: CALLS, missed: true })]);
    expect(await intact(store)).toBe(true);
  });
});
