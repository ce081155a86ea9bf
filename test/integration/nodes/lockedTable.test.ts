// A statement stuck behind a lock another session holds (an administrator's `LOCK TABLE events`, a long maintenance
// statement): the requests that need that table are answered 503 with the reason once the node's lock wait is over,
// rather than held without an answer for as long as the lock is; the node serves again by itself once it is released,
// and a retry of what was refused stores it once. The wait is shortened here (300 ms instead of 10 s).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabases } from '../support/postgres';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const databases = testDatabases('ringside_locked');
let server: TestServer;
let url: string;

beforeAll(async () => {
  url = await databases.create();
  server = await startTestServer({ databaseUrl: url, databaseLockTimeoutMs: 300, logLevel: 'silent' });
});
afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
  await databases.dropAll();
});

it('answers 503 naming the lock while a table is locked, instead of holding the request for as long as the lock', async () => {
  expect((await server.postEvents({ events: [call({ id: 'before' })] })).status).toBe(201);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');

    const refused = await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify(call({ id: 'during' })) });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    const problem = (await refused.json()) as { type: string; detail: string };
    expect(problem.type).toMatch(/storage-unavailable$/);
    expect(problem.detail).toMatch(/^the database is busy: a lock another session holds .*; nothing from this request was stored — retry shortly$/);

    const read = await server.getJson('/api/v1/events/before');
    expect(read.status).toBe(503);
    expect(read.body.detail).toMatch(/a lock another session holds/);
  } finally {
    await admin.query('ROLLBACK');
    await admin.end();
  }

  expect((await server.postEvents({ events: [call({ id: 'during' })] })).status).toBe(201);
  expect((await server.getJson('/api/v1/events/during')).status).toBe(200);
  const verify = await server.getJson('/api/v1/audit/verify');
  expect(verify.body).toMatchObject({ intact: true });
});
