// Two Ringside nodes on one PostgreSQL database, joined through Redis (--redis): an event posted to node A reaches a
// live client connected to node B (its judged events and figures), and a client of node B that reconnects to node A
// replays what it missed from the shared database.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientToServerEvents, JudgedEvent, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { testDatabases } from '../support/postgres';
import { requireRedis } from '../support/redis';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const databases = testDatabases('ringside_nodes_live');
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const redisUrl = await requireRedis();
  const databaseUrl = await databases.create();
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

async function connect(server: TestServer): Promise<{ client: Client; snapshot: Snapshot }> {
  const client: Client = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
  const snapshot = await new Promise<Snapshot>((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  });
  return { client, snapshot };
}

it('an event posted to node A reaches a client of node B, with its figures', async () => {
  const { client } = await connect(b);
  try {
    const judged = new Promise<JudgedEvent[]>((resolve) => client.on('judged', (events) => events.some((e) => e.event.id === 'via-a') && resolve(events)));
    const compliance = new Promise<unknown>((resolve) => client.once('compliance', resolve));
    expect((await a.postEvents({ events: [call({ id: 'via-a', site: 'harbour', rings: 1 })] })).status).toBe(201);
    const events = await judged;
    expect(events.map((e) => e.event.id)).toEqual(['via-a']);
    expect(events[0]!.judgements[0]).toMatchObject({ met: true });
    await compliance;
  } finally {
    client.disconnect();
  }
});

it('a client that left node B catches up on node A: replay from the shared database, nothing lost, nothing twice', async () => {
  const first = await connect(b);
  const seenSeq = first.snapshot.recent[0]?.event.seq ?? 0;
  first.client.disconnect();
  expect((await b.postEvents({ events: [call({ id: 'missed-1' }), call({ id: 'missed-2' })] })).status).toBe(201);
  const { client } = await connect(a);
  try {
    const replayed = await client.timeout(10_000).emitWithAck('replay', { afterSeq: seenSeq });
    expect(JSON.stringify(replayed)).toMatch(/missed-1[\s\S]*missed-2/);
    expect(JSON.stringify(replayed).match(/missed-1/g)).toHaveLength(1);
  } finally {
    client.disconnect();
  }
});
