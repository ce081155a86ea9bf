// A statement stuck behind a lock another session holds (an administrator's `LOCK TABLE events`, a long maintenance
// statement): the requests that need that table are answered 503 with the reason once the node's lock wait is over,
// rather than held without an answer for as long as the lock is; the node serves again by itself once it is released,
// and a retry of what was refused stores it once. Another node's write (a prune's long transaction) is the store's
// order, not a fault: it is waited for however long. The wait is shortened here (300 ms instead of 10 s).
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WRITE_LOCK } from '../../../server/src/store/postgres/store';
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

it("waits for another node's write however long it holds the write lock (a prune), past the lock wait, and stores", async () => {
  const otherNode = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await Promise.all([otherNode.connect(), watcher.connect()]);
  try {
    // As a node's write or a prune's transaction holds it (store.ts, WRITE_LOCK), here for as long as the test says.
    await otherNode.query('SELECT pg_advisory_lock($1)', [WRITE_LOCK.toString()]);
    const posted = server.postEvents({ events: [call({ id: 'behind-a-prune' })] }).then((res) => res.status);
    // The node's write waiting on the lock for three lock waits, seen in the database itself (no timer in the test).
    const waitedLong = async (): Promise<'waited'> => {
      for (;;) {
        const { rows } = await watcher.query<{ long: boolean }>(
          "SELECT now() - query_start > interval '900 milliseconds' AS long FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'",
        );
        if (rows[0]?.long) return 'waited';
      }
    };
    expect(await Promise.race([posted, waitedLong()])).toBe('waited');
    await otherNode.query('SELECT pg_advisory_unlock($1)', [WRITE_LOCK.toString()]);
    expect(await posted).toBe(201);
  } finally {
    await Promise.all([otherNode.end(), watcher.end()]);
  }
  expect((await server.getJson('/api/v1/events/behind-a-prune')).status).toBe(200);
});
