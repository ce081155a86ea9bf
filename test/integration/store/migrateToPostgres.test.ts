// migrate-to-postgres: a SQLite store written through the API (events at several sites, corrections, a standard
// version's withdrawal, the audit log) moved into an empty PostgreSQL database by the built CLI; the chain verifies
// there, the figures are the same, a server on the database goes on numbering where SQLite left off, the SQLite file
// is set aside (no start runs on it by mistake), and a second move into the filled database is refused; a store holding text PostgreSQL cannot keep (NUL) is refused, named, first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { defaultSite } from '../../../server/src/domain/sites';
import type { EventInput } from '../../../server/src/protocol';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { mainJs, startCli } from '../support/cli';
import { openTestCore } from '../support/core';
import { tablesIn, testDatabases } from '../support/postgres';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir, TEST_ADMIN_KEY } from '../support/testServer';
import { createAt, fillAt } from './pastVersions';

const databases = testDatabases('ringside_move');
const dirs: string[] = [];
afterAll(async () => {
  await databases.dropAll();
  dirs.forEach(removeDir);
});

const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' } });
/** The name the move gave DIR's SQLite database (its -wal, if any, beside it under the same name). */
function movedAside(dir: string): string {
  const aside = readdirSync(dir).filter((f) => f.startsWith('ringside.db.moved-to-postgres-') && !f.endsWith('-wal'));
  expect(aside).toHaveLength(1);
  return aside[0]!;
}
const compliancePath = '/api/v1/compliance?window=1h';

it('moves a SQLite store into an empty PostgreSQL database, chain verified, figures and numbering carried on', async () => {
  const sqlite = await startTestServer();
  dirs.push(sqlite.dataDir);
  const events = Array.from({ length: 40 }, (_, i) => call({ id: `m-${i}`, site: ['north', 'south', 'east'][i % 3], rings: 1 + (i % 5) }));
  expect((await sqlite.postEvents({ events })).status).toBe(201);
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${sqlite.url}/api/v1${path}`, { method, headers: { ...adminHeaders(), 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  expect((await send('POST', '/events/m-1/void', { reason: 'test call' })).status).toBe(201);
  expect((await send('POST', '/events/m-2/amend', { reason: 'miscounted', changes: { rings: 1 } })).status).toBe(201);
  // A version scheduled ahead and withdrawn: the withdrawal (a chain record of its own) moves with its link.
  expect((await send('PATCH', '/standards/call-answer-2-rings', { threshold: 3, validFrom: '2099-01-01T00:00:00Z' })).status).toBe(200);
  expect((await send('DELETE', '/standards/call-answer-2-rings/versions/2')).status).toBe(200);
  const before = (await sqlite.getJson(compliancePath)).body;
  await sqlite.close();

  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', sqlite.dataDir, '--database', url);
  expect(moved.status, moved.stderr).toBe(0);
  expect(moved.stdout).toMatch(/^INTACT: /);
  expect(moved.stderr).toMatch(/copied .*40 events/);
  expect(cli('verify', '--data', sqlite.dataDir, '--database', url).stdout).toMatch(/^INTACT: /);
  // The SQLite copy is set aside: a start that lost its --database (RINGSIDE_DATABASE_URL unset) is refused rather
  // than run on it, taking events the nodes on PostgreSQL never see.
  const aside = movedAside(sqlite.dataDir);
  expect(existsSync(join(sqlite.dataDir, 'ringside.db'))).toBe(false);
  expect(moved.stderr).toContain(`${join(sqlite.dataDir, 'ringside.db')} is now ${join(sqlite.dataDir, aside)}`);
  const stray = spawnSync(process.execPath, [mainJs, '--port', '0', '--data', sqlite.dataDir], { encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '', RINGSIDE_API_KEY: TEST_ADMIN_KEY }, timeout: 30_000 });
  expect(stray.status, stray.stderr).toBe(2);
  expect(stray.stderr).toContain('start with --database postgres://');
  expect(existsSync(join(sqlite.dataDir, 'ringside.db'))).toBe(false);

  // Renamed back (going on with SQLite, or moving again): a second move into the filled database is refused.
  for (const suffix of ['', '-wal']) if (existsSync(join(sqlite.dataDir, aside + suffix))) renameSync(join(sqlite.dataDir, aside + suffix), join(sqlite.dataDir, `ringside.db${suffix}`));
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

it('copies every table of the file, the alert history before incidents with its webhook deliveries and attempts too', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  // A store from before incidents (version 9): an alert, its acknowledgement and a webhook delivery with an attempt.
  const old = createAt(dir, 9);
  fillAt(old, 9, 11);
  old.prepare(`INSERT INTO alert_delivery_attempts (delivery_id, attempt, at_ms, duration_ms, status_code, error) VALUES (1, 1, ?, 120, 500, 'HTTP 500')`).run(Date.parse('2026-02-02T00:00:01Z'));
  old.close();
  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', dir, '--database', url);
  expect(moved.status, moved.stderr).toBe(0);
  expect(moved.stderr).toMatch(/alert_deliveries/);

  // The file as the move read it (brought to the current schema, then set aside), table by table, against PostgreSQL.
  const file = openSqliteFile(join(dir, movedAside(dir)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (file.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', 'audit_pruning') ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['alerts', 'alert_acks', 'alert_deliveries', 'alert_delivery_attempts']));
    for (const table of tables) {
      const inFile = (file.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const inPg = Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);
      expect({ table, rows: inPg }).toEqual({ table, rows: inFile });
    }
    const fileRows = (sql: string) => file.prepare(sql).all();
    const pgRows = async (sql: string) => (await client.query(sql)).rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) && k !== 'url' ? Number(v) : v])));
    const deliveries = 'SELECT id, alert_id, url, status, attempts, next_attempt_at_ms, last_error, created_at_ms, finished_at_ms FROM alert_deliveries ORDER BY id';
    const attempts = 'SELECT delivery_id, attempt, at_ms, duration_ms, status_code, error FROM alert_delivery_attempts ORDER BY delivery_id, attempt';
    expect(await pgRows(deliveries)).toEqual(fileRows(deliveries));
    expect(await pgRows(attempts)).toEqual(fileRows(attempts));
    expect(fileRows(deliveries)).toEqual([expect.objectContaining({ status: 'failed', last_error: 'alerts were replaced by incidents (migration 10)' })]);
    // Kept as history: PostgreSQL refuses to change it, as SQLite does.
    await expect(client.query(`UPDATE alert_deliveries SET status = 'delivered'`)).rejects.toThrow(/append-only/);
  } finally {
    await client.end();
    file.close();
  }
  expect(cli('verify', '--data', dir, '--database', url).stdout).toMatch(/^INTACT: /);
});

it("copies a file someone ran ANALYZE on: SQLite's statistics tables are its own, not a table it cannot copy", async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const old = createAt(dir, 15);
  fillAt(old, 15, 5);
  old.exec('ANALYZE');
  expect(old.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'").get()).toEqual({ n: 1 });
  old.close();
  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', dir, '--database', url);
  expect(moved.stderr).toMatch(/^copied .* events/);
  expect(moved.status).toBe(0);
  expect(cli('verify', '--data', dir, '--database', url).stdout).toMatch(/^INTACT: /);
});

it('refuses a file with a table it does not know how to copy, and copies nothing', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const old = createAt(dir, 15);
  fillAt(old, 15, 5);
  old.exec('CREATE TABLE notes_from_a_later_release (id INTEGER PRIMARY KEY, text TEXT)');
  old.close();
  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', dir, '--database', url);
  expect(moved.status).toBe(1);
  expect(moved.stderr).toMatch(/tables this release cannot copy \(notes_from_a_later_release\): nothing was copied/);
  // Refused before anything is written: not even the schema.
  expect(await tablesIn(url)).toBe(0);
});

it('refuses a store holding text with a NUL (written before the API refused it), naming table, row and column, before it writes anything', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const core = await openTestCore(dir, { timeZone: 'UTC' });
  const at = '2026-03-07T20:00:00Z';
  const input: EventInput = { type: 'call', id: 'c-nul', site: 'x\u0000y', occurredAt: at, outcome: 'answered', rings: 1, queue: 'sup\u0000port' };
  const item = prepareEvent(input, { standardsAt: (ms) => core.standards.inForceAt(ms), site: defaultSite(input.site, 'UTC'), receivedAtMs: Date.parse(at) + 1000 });
  await core.store.write((tx) => tx.writes.events([item]));
  await core.close();

  const url = await databases.create();
  const moved = cli('migrate-to-postgres', '--data', dir, '--database', url);
  expect(moved.status, moved.stderr).toBe(1);
  expect(moved.stderr).toContain('NUL character (U+0000), which PostgreSQL cannot store');
  expect(moved.stderr).toContain('events (seq 1) column site');
  expect(moved.stderr).toContain('events (seq 1) column queue');
  expect(moved.stderr).toContain('sites (name "x\\u0000y") column name');
  expect(moved.stderr).toContain('Nothing was copied');
  expect(await tablesIn(url)).toBe(0);
});
