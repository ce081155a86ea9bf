// Readiness and the log through a PostgreSQL outage: while the database refuses connections (its sessions
// terminated, as a restart does to them), GET /health/ready answers 503 naming why and GET /health (liveness) stays
// 200; the background jobs that meet the outage (open clocks shared between nodes, alert evaluation, leadership) say
// it once, as a warning without a stack, and the end of it once; readiness is 200 again without a restart.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminSql, testDatabases } from '../support/postgres';
import { captureLog } from '../support/serverLog';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const databases = testDatabases('ringside_ready');
const clock = testClock();
let server: TestServer;
let name: string;
let log: ReturnType<typeof captureLog>;

beforeAll(async () => {
  const url = await databases.create();
  name = new URL(url).pathname.slice(1);
  log = captureLog();
  server = await startTestServer({ databaseUrl: url, logLevel: 'info', clock });
});
afterAll(async () => {
  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await server?.close();
  log?.stop();
  if (server) removeDir(server.dataDir);
  await databases.dropAll();
});

const probe = async (path: string) => {
  const res = await fetch(`${server.url}/api/v1/${path}`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};

it('answers readiness 503 while the database is away and 200 once it is back; one warning and one recovery line', async () => {
  expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await adminSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);

  const away = { status: 503, retryAfter: '5', body: { type: 'https://ringside.dev/problems/storage-unavailable', status: 503, detail: 'not ready: the database is unreachable' } };
  expect(await probe('health/ready')).toMatchObject(away);
  // Several rounds of every background job (open clocks every 5 s, leadership every 2 s, alert evaluation).
  for (let round = 0; round < 3; round++) {
    await clock.advance(5_000);
    await server.testApi.clocksIdle();
  }
  expect(await probe('health/ready')).toMatchObject(away);
  expect(await probe('health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  // The scraper still gets the node's figures, ringside_ready 0 among them (the alert operations.md suggests), and
  // the outbox's figures, which the database holds, as unknown (NaN, which prom-client writes Nan) rather than none waiting.
  const scrape = await fetch(`${server.url}/api/v1/metrics`, { headers: adminHeaders() });
  const figures = await scrape.text();
  expect(scrape.status).toBe(200);
  expect(figures).toMatch(/^ringside_ready 0$/m);
  expect(figures).toMatch(/^ringside_webhook_deliveries_pending nan$/im);
  expect(figures).toMatch(/^ringside_webhook_oldest_pending_seconds nan$/im);
  // A write that fails too: after it only the store's word that a write could succeed again (the write pool reaches a
  // database that takes writes) ends the outage, with no write posted since.
  expect((await server.postEvents(call({ id: 'during-outage' }))).status).toBe(503);

  await adminSql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  await clock.advance(27_000);
  expect(await probe('health/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });

  const lines = log.lines();
  const storage = lines.filter((l) => l.component === 'storage');
  expect(storage.map((l) => [l.level, l.msg])).toEqual([
    [40, expect.stringMatching(/^storage unavailable: the database is unreachable; /)],
    [30, 'storage available again: the database is reachable again after 42 s'],
  ]);
  expect(JSON.stringify(storage)).not.toContain('stack');
  // No job logs the outage on its own (no "open clocks failed" every 5 s, no stack).
  expect(lines.filter((l) => l.level >= 50 && l.msg !== 'request')).toEqual([]);
});
