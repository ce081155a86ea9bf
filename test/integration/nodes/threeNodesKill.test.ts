// Three Ringside processes on one PostgreSQL database take a stream of batches (three senders, one per node); one
// node is killed with SIGKILL while they send. A batch that fails (its node died under it) is sent again to another
// node, as a client would (had the dead node committed it, the retry would be answered as a duplicate). Afterwards:
// every acknowledged event is stored exactly once, the audit chain verifies on every node, and each node's figures
// equal a recount of what was sent.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ComplianceReport } from '../../../server/src/protocol';
import { startCli, type CliServer } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { call, isoAgo, removeDir } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

const databases = testDatabases('ringside_nodes_kill');
const BATCHES_PER_SENDER = 12;
const BATCH = 40;
let databaseUrl: string;
const nodes: CliServer[] = [];
const killed = new Set<CliServer>();
const dirs: string[] = [];

beforeAll(async () => {
  databaseUrl = await databases.create();
  const start = () => {
    const dir = nodeDataDir();
    dirs.push(dir);
    return startCli(['--port', '0', '--no-auth', '--data', dir, '--database', databaseUrl, '--log-level', 'warn']);
  };
  nodes.push(await start()); // the first migrates the empty database; the others find it current
  nodes.push(...(await Promise.all([start(), start()])));
});
afterAll(async () => {
  for (const n of nodes) if (!killed.has(n) && n.child.exitCode === null) n.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exit));
  for (const dir of dirs) removeDir(dir);
  await databases.dropAll();
});

type Sent = { id: string; rings: number };

/** Set while the stream runs: the next batch posted to the victim is in flight when the victim is killed. */
let armed: CliServer | null = null;

function killIfArmed(node: CliServer): void {
  if (armed !== node) return;
  armed = null;
  killed.add(node); // first: a failure from it from now on is expected
  node.child.kill('SIGKILL');
}

/** Posts a batch to node `prefer`, or, when that fails, to the next node that is not known dead; resolves once acknowledged. */
async function deliver(batch: Sent[], prefer: number): Promise<{ retried: boolean }> {
  const body = JSON.stringify({ events: batch.map((e) => call({ id: e.id, rings: e.rings, occurredAt: isoAgo(60) })) });
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const alive = nodes.filter((n) => !killed.has(n));
    const node = alive[(prefer + attempt) % alive.length]!;
    try {
      const answer = fetch(`${node.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      killIfArmed(node);
      const res = await answer;
      if (res.status === 201 || res.status === 200) return { retried: attempt > 0 };
      throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    } catch (error) {
      if (!killed.has(node)) throw error; // only the killed node may fail
    }
  }
  throw new Error('no node acknowledged the batch');
}

async function rows<T>(sql: string): Promise<T[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return (await db.query(sql)).rows as T[];
  } finally {
    await db.end();
  }
}

it('kill -9 of a node during a stream: every acknowledged event stored once, the chain intact, figures equal a recount', async () => {
  const acknowledged: Sent[] = [];
  let retried = 0;
  const victim = nodes[1]!;
  const sender = async (index: number) => {
    for (let b = 0; b < BATCHES_PER_SENDER; b += 1) {
      const batch = Array.from({ length: BATCH }, (_, i) => ({ id: `s${index}-b${b}-e${i}`, rings: i % 4 === 0 ? 5 : 1 }));
      const result = await deliver(batch, index);
      acknowledged.push(...batch);
      if (result.retried) retried += 1;
      if (index === 1 && b === 2) armed = victim; // its next batch (in flight) dies with it
    }
  };
  await Promise.all([0, 1, 2].map(sender));
  expect(await victim.exit).toBe(null); // killed, not exited
  expect(acknowledged).toHaveLength(3 * BATCHES_PER_SENDER * BATCH);
  expect(retried).toBeGreaterThanOrEqual(1); // the batch in flight when it died, sent again to another node

  const [stored] = await rows<{ n: number; ids: number }>("SELECT COUNT(*)::int AS n, COUNT(DISTINCT id)::int AS ids FROM events WHERE id LIKE 's%'");
  expect(stored).toEqual({ n: acknowledged.length, ids: acknowledged.length });
  const missing = await rows<{ id: string }>(`SELECT x.id FROM unnest(ARRAY[${acknowledged.map((e) => `'${e.id}'`).join(',')}]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM events WHERE events.id = x.id)`);
  expect(missing).toEqual([]);

  const met = acknowledged.filter((e) => e.rings <= 2).length;
  for (const node of nodes.filter((n) => !killed.has(n))) {
    const verify = (await (await fetch(`${node.url}/api/v1/audit/verify`)).json()) as { intact: boolean };
    expect(verify.intact).toBe(true);
    const report = (await (await fetch(`${node.url}/api/v1/compliance?window=1h`)).json()) as ComplianceReport;
    const calls = report.standards.find((s) => s.standardId === 'call-answer-2-rings')!;
    expect({ total: calls.total, met: calls.met }).toEqual({ total: acknowledged.length, met });
  }
}, 120_000);
