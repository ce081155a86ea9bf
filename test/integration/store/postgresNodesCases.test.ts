// Open clocks with several nodes on one PostgreSQL database, at the store: the same milestone posted to three nodes
// at once is stored once (the others answer the stored original), one case is opened, a deadline judged by every
// node at once is recorded once and its breach claimed once, and the chain stays one verifiable chain.
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { verifyChain } from '../../../server/src/domain/verify';
import { postgresBackend } from '../../../server/src/store/postgres';
import type { NewMilestone, Store } from '../../../server/src/store/port';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_nodes_cases');
afterAll(() => databases.dropAll());

const T = Date.parse('2026-04-01T10:00:00Z');
const CALLS = DEFAULT_STANDARDS[0]!;
const key = { type: 'call', site: 'north', caseId: 'c1' };
const started: NewMilestone = (() => {
  const m = { id: 'c1/started', ...key, milestone: 'started', at: new Date(T - 30_000).toISOString(), agent: null, queue: null, handleSeconds: null };
  return { milestone: m, atMs: Date.parse(m.at), receivedAtMs: T, content: JSON.stringify(m), siteDefaults: { timeZone: 'UTC', ringCycleSeconds: 6 } };
})();
const miss = { standardId: CALLS.id, standardVersion: 1, measure: 'rings', value: null, threshold: 2, met: false, counted: true, reason: 'deadline' as const };

it('three nodes: one milestone stored once, one case, a deadline claimed and recorded once, one chain', async () => {
  const url = await databases.create();
  const stores: Store[] = await Promise.all([0, 1, 2].map(() => postgresBackend({ url, poolSize: 3 }).open({ dataDir: '(unused)', now: () => T })));
  try {
    await stores[0]!.write((tx) => tx.writes.standardVersion({ id: CALLS.id, version: 1, definition: CALLS, validFromMs: null, retired: false }));
    const outcomes = (await Promise.all(stores.map((s) => s.write((tx) => tx.writes.milestones([started]))))).flat();
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.milestone.seq))).toEqual(new Set([outcomes[0]!.milestone.seq]));
    expect(await stores[1]!.reads.cases.open()).toHaveLength(1);

    const judged = await Promise.all(stores.map((s) => s.write(async (tx) => [await tx.writes.claimBreach(key, CALLS.id, T), await tx.writes.caseJudgement(key, miss)])));
    expect(judged.map(([claimed]) => claimed).filter(Boolean)).toHaveLength(1);
    expect(judged.map(([, recorded]) => recorded).filter(Boolean)).toHaveLength(1);
    expect((await stores[2]!.reads.cases.judgements(key)).map((j) => j.judgement)).toEqual([miss]);

    const verified = await stores[2]!.snapshot(async (s) => verifyChain({ links: s.chain.links(), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained() }, Buffer.alloc(32, 7)));
    expect(verified).toMatchObject({ intact: true, problems: [] });
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});
