// Two nodes on one PostgreSQL database, without Redis: a site created, renamed or retired through one node reaches a
// dashboard connected to the other as a fresh snapshot naming the site as it now is, as soon as that node hears the
// commit (pg_notify), not at the dashboard's next reconnect.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { testDatabases } from '../support/postgres';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { connected, postJson, type LiveClient } from '../clocks/support';
import { nodeDataDir } from '../support/nodeDataDir';

const databases = testDatabases('ringside_nodes_sites');
const NOW = Date.parse('2026-06-01T12:00:00Z');
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const databaseUrl = await databases.create();
  const clock = testClock(NOW);
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

/** The next snapshot the client receives whose harbour entry is `name` (undefined: harbour is not listed). */
function snapshotNaming(client: LiveClient, name: string | undefined): Promise<Snapshot> {
  return new Promise((resolve) => {
    const heard = (snapshot: Snapshot) => {
      if (snapshot.sites?.find((s) => s.id === 'harbour')?.name !== name) return;
      client.off('snapshot', heard);
      resolve(snapshot);
    };
    client.on('snapshot', heard);
  });
}

async function request(server: TestServer, method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  await res.body?.cancel();
  return res.status;
}

it('a site created, renamed and retired through node A is pushed to a dashboard on node B each time', async () => {
  const { client, snapshot } = await connected(b);
  try {
    expect(snapshot.sites?.find((s) => s.id === 'harbour')).toBeUndefined();
    const created = snapshotNaming(client, 'Harbour');
    expect((await postJson(a, '/api/v1/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' })).status).toBe(201);
    await created;

    const renamed = snapshotNaming(client, 'Harbour front desk');
    expect(await request(a, 'PUT', '/api/v1/sites/harbour', { id: 'harbour', name: 'Harbour front desk', timeZone: 'UTC' })).toBe(200);
    expect((await renamed).sites).toContainEqual({ id: 'harbour', name: 'Harbour front desk' });

    const retired = snapshotNaming(client, undefined);
    expect(await request(a, 'DELETE', '/api/v1/sites/harbour')).toBe(200);
    await retired;
  } finally {
    client.close();
  }
});

it('a rename through node B reaches a dashboard on node A the same way', async () => {
  expect((await postJson(b, '/api/v1/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' })).status).toBe(201);
  const { client, snapshot } = await connected(a);
  try {
    expect(snapshot.sites).toContainEqual({ id: 'harbour', name: 'Harbour' });
    const renamed = snapshotNaming(client, 'Harbour (east)');
    expect(await request(b, 'PUT', '/api/v1/sites/harbour', { id: 'harbour', name: 'Harbour (east)', timeZone: 'UTC' })).toBe(200);
    await renamed;
  } finally {
    client.close();
  }
});
