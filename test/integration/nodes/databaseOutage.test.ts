// PostgreSQL going away under a running node: requests that need it answer 503 with Retry-After and store nothing;
// when the database takes connections again, the node serves again by itself (no restart), and everything it
// acknowledged is stored exactly once, the chain intact. The outage is the database refusing connections and its
// sessions being terminated (as a restart does to them), without stopping the machine's shared server.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminSql, testDatabases } from '../support/postgres';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const databases = testDatabases('ringside_outage');
let server: TestServer;
let name: string;

beforeAll(async () => {
  const url = await databases.create();
  name = new URL(url).pathname.slice(1);
  server = await startTestServer({ databaseUrl: url, logLevel: 'silent' });
});
afterAll(async () => {
  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await server?.close();
  if (server) removeDir(server.dataDir);
  await databases.dropAll();
});

it('answers 503 with Retry-After while the database is away, and recovers by itself', async () => {
  expect((await server.postEvents({ events: [call({ id: 'before' })] })).status).toBe(201);
  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await adminSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);

  const refused = await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify(call({ id: 'during' })) });
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('30');
  expect(((await refused.json()) as { type: string }).type).toMatch(/storage-unavailable/);
  expect((await server.getJson('/api/v1/compliance?window=1h')).status).toBe(503);

  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  expect((await server.postEvents({ events: [call({ id: 'after' }), call({ id: 'during' })] })).status).toBe(201);
  const exported = await (await fetch(`${server.url}/api/v1/export/events?from=${new Date(Date.now() - 3_600_000).toISOString()}&format=csv`, { headers: { authorization: `Bearer ${server.apiKey}` } })).text();
  expect(exported.match(/^\d+,(before|during|after),/gm)?.map((line) => line.split(',')[1]).sort()).toEqual(['after', 'before', 'during']);
  const verify = await server.getJson('/api/v1/audit/verify');
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({ intact: true });
});
