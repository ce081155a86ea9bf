// Two deployments on one Redis (staging beside production, each on its own PostgreSQL store): the live fan-out of
// one never reaches the dashboards of the other, while the nodes of one deployment still hear each other.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../server/src/protocol';
import { testDatabases } from '../support/postgres';
import { requireRedis } from '../support/redis';
import { call, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const databases = testDatabases('ringside_two_deployments');
/** Staging: one node with a signing key of its own. */
let staging: TestServer;
/** Production: two nodes on one store, with the shared key. */
let production: TestServer[] = [];

beforeAll(async () => {
  const redisUrl = await requireRedis();
  staging = await startTestServer({ dataDir: tempDataDir(), databaseUrl: await databases.create(), redisUrl });
  const databaseUrl = await databases.create();
  production = [await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl }), await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl })];
});
afterAll(async () => {
  for (const s of [staging, ...production]) if (s) await s.close();
  for (const s of [staging, ...production]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

it("a staging node's events never reach production's dashboards; production's nodes still share theirs", async () => {
  const client: Client = io(production[1]!.url, { forceNew: true, reconnection: false, auth: { token: production[1]!.apiKey } });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('snapshot', () => resolve());
      client.once('connect_error', reject);
    });
    const heard: string[] = [];
    const marker = new Promise<void>((resolve) =>
      client.on('judged', (events) => {
        heard.push(...events.map((e) => e.event.id));
        if (heard.includes('production-marker')) resolve();
      }),
    );
    // Staging's push goes to Redis first; production's marker after it, through Redis to the other production node.
    // Redis delivers in order, so a staging push that crossed over would be heard before the marker.
    expect((await staging.postEvents({ events: [call({ id: 'staging-event', site: 'harbour', rings: 1 })] })).status).toBe(201);
    expect((await production[0]!.postEvents({ events: [call({ id: 'production-marker', site: 'harbour', rings: 1 })] })).status).toBe(201);
    await marker;
    expect(heard).toEqual(['production-marker']);
  } finally {
    client.close();
  }
});
