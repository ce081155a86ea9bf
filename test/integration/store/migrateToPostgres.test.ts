// migrate-to-postgres: a SQLite store written through the API (events at several sites, corrections, the audit log)
// moved into an empty PostgreSQL database by the built CLI; the chain verifies there, the figures are the same, a
// server on the database goes on numbering where SQLite left off, and a second move into the filled database is refused.
import { spawnSync } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { mainJs, startCli } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, TEST_ADMIN_KEY } from '../support/testServer';
import { createAt, fillAt } from './pastVersions';

const databases = testDatabases('ringside_move');
const dirs: string[] = [];
afterAll(async () => {
  await databases.dropAll();
  dirs.forEach(removeDir);
});

const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' } });
const compliancePath = '/api/v1/compliance?window=1h';

it('moves a SQLite store into an empty PostgreSQL database, chain verified, figures and numbering carried on', async () => {
  const sqlite = await startTestServer();
  dirs.push(sqlite.dataDir);
  const events = Array.from({ length: 40 }, (_, i) => call({ id: `m-${i}`, site: ['north', 'south', 'east'][i % 3], rings: 1 + (i % 5) }));
  expect((await sqlite.postEvents({ events })).status).toBe(201);
  const post = (path: string, body: unknown) => fetch(`${sqlite.url}/api/v1${path}`, { method: 'POST', headers: { ...adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('/events/m-1/void', { reason: 'test call' })).status).toBe(201);
  expect((await post('/events/m-2/amend', { reason: 'miscounted', changes: { rings: 1 } })).status).toBe(201);
  const before = (await sqlite.getJson(compliancePath)).body;
  await sqlite.close();

  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', sqlite.dataDir, '--database', url);
  expect(moved.status, moved.stderr).toBe(0);
  expect(moved.stdout).toMatch(/^INTACT: /);
  expect(moved.stderr).toMatch(/copied .*40 events/);
  expect(cli('verify', '--data', sqlite.dataDir, '--database', url).stdout).toMatch(/^INTACT: /);

  const again = cli('migrate-to-postgres', '--data', sqlite.dataDir, '--database', url);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/not empty/);

  const pg = await startCli(['--port', '0', '--data', sqlite.dataDir, '--database', url, '--log-level', 'error'], { RINGSIDE_API_KEY: TEST_ADMIN_KEY });
  try {
    const get = async (path: string) => (await fetch(`${pg.url}${path}`, { headers: adminHeaders() })).json();
    const after = (await get(compliancePath)) as { generatedAt?: unknown };
    expect(strip(after)).toEqual(strip(before));
    const stored = await fetch(`${pg.url}/api/v1/events`, { method: 'POST', headers: { ...adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(call({ id: 'after-move' })) });
    const body = (await stored.json()) as { results: Array<{ seq: number }> };
    expect(stored.status).toBe(201);
    expect(body.results[0]!.seq).toBe(40 + 1);
  } finally {
    pg.child.kill('SIGTERM');
    await pg.exit;
  }
  expect(cli('verify', '--data', sqlite.dataDir, '--database', url).stdout).toMatch(/^INTACT: /);
});

it('says what it needs', () => {
  const missing = cli('migrate-to-postgres', '--data', '/nonexistent');
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/--database .* is required/);
});

/** Figures without the moment they were computed at (the two answers are some seconds apart). */
function strip(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (key, value) => (['generatedAt', 'asOf', 'at', 'from', 'to'].includes(key) ? undefined : value)));
}

it('moves a store written before links had tags with the tags records migration 16 chained: the chain verifies there', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const old = createAt(dir, 15);
  fillAt(old, 15, 8);
  old.close();
  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', dir, '--database', url);
  expect(moved.status, moved.stderr).toBe(0);
  expect(moved.stderr).toMatch(/copied .*chain_tags/);
  expect(cli('verify', '--data', dir, '--database', url).stdout).toMatch(/^INTACT: /);
});
