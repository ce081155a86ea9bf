// Several Ringside nodes on one PostgreSQL database, as store instances of their own (each its own pool, as separate
// processes would have): migrations run once when they open together, the same id written by two nodes at once is
// stored once, concurrent batches keep one verifiable chain and rollups equal to a recount.
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../../server/src/domain/verify';
import { defaultSite } from '../../../server/src/domain/sites';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import type { EventInput } from '../../../server/src/protocol';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { postgresBackend } from '../../../server/src/store/postgres';
import { PG_MIGRATIONS } from '../../../server/src/store/migrations/postgres';
import type { Store } from '../../../server/src/store/port';
import pg from 'pg';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_nodes');
afterAll(() => databases.dropAll());

const T = Date.parse('2026-04-01T10:00:00Z');
const CALLS = DEFAULT_STANDARDS[0]!;
const event = (id: string, rings: number): EventInput => ({ id, type: 'call', site: `site-${rings % 3}`, occurredAt: new Date(T - rings * 60_000).toISOString(), outcome: 'answered', rings });
const prepared = (inputs: EventInput[]) => inputs.map((i) => prepareEvent(i, { standardsAt: () => DEFAULT_STANDARDS, site: defaultSite(i.site, 'UTC'), receivedAtMs: T }));

async function nodes(n: number): Promise<{ url: string; stores: Store[] }> {
  const url = await databases.create();
  const stores = await Promise.all(Array.from({ length: n }, () => postgresBackend({ url, poolSize: 4 }).open({ dataDir: '(unused)', now: () => T })));
  return { url, stores };
}

describe('PostgreSQL: several nodes on one database', () => {
  it('migrates once when three nodes open an empty database together', async () => {
    const { url, stores } = await nodes(3);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version, name FROM ringside_schema ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toEqual(PG_MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('stores an id posted to two nodes at once once; concurrent batches keep one chain and exact rollups', async () => {
    const { stores } = await nodes(3);
    try {
      await stores[0]!.write((tx) => Promise.all(DEFAULT_STANDARDS.map((s) => tx.writes.standardVersion({ id: s.id, version: 1, definition: s, validFromMs: null, retired: false }))));
      // Each node writes 8 batches of 5; every batch also carries the shared id "same".
      const outcomes = await Promise.all(
        stores.flatMap((store, node) =>
          Array.from({ length: 8 }, (_, b) => store.write((tx) => tx.writes.events(prepared([event('same', 1), ...Array.from({ length: 5 }, (_, i) => event(`n${node}-b${b}-${i}`, 1 + ((node + b + i) % 5)))])))),
        ),
      );
      const fresh = outcomes.flat().filter((o) => !o.duplicate);
      expect(outcomes.flat().filter((o) => o.judged.event.id === 'same' && !o.duplicate)).toHaveLength(1);
      expect(fresh).toHaveLength(1 + 3 * 8 * 5);
      const all = await stores[1]!.reads.events.after(0, 1000);
      expect(all).toHaveLength(1 + 3 * 8 * 5);
      expect(new Set(all.map((e) => e.event.id)).size).toBe(all.length);
      // Rollups equal a recount of the raw judgements.
      const range = { standardIds: [CALLS.id], fromMs: T - 3_600_000, toMs: T, sites: [] as string[] };
      const rollup = await stores[2]!.reads.figures.rollupSums({ ...range, grain: 'minute', shape: 'detail' });
      const raw = await stores[2]!.reads.figures.rawGroups(range);
      expect(rollup.reduce((n, r) => n + r.judged, 0)).toBe(all.length);
      expect(rollup.reduce((n, r) => n + r.met, 0)).toBe(raw.reduce((n, g) => n + g.met, 0));
      // One chain: every event and judgement linked once, and it verifies.
      const result = await stores[0]!.snapshot(async (s) => verifyChain({ links: s.chain.links(), checkpoints: await s.chain.checkpoints(), unchained: s.chain.unchained() }, null));
      expect(result).toMatchObject({ intact: true, problems: [] });
      expect(result.checked).toBe(DEFAULT_STANDARDS.length + 3 + 2 * all.length); // standards, three auto-created sites, events and judgements
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('says which database it cannot reach, and why', async () => {
    await expect(postgresBackend({ url: 'postgres://postgres@127.0.0.1:1/none' }).open({ dataDir: '(unused)' })).rejects.toThrow(/cannot use the PostgreSQL database postgres:\/\/postgres@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
  });
});
