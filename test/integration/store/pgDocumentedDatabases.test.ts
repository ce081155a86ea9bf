// docs/deployment.md's commands that make a database for the nodes and restore a pg_dump into a new one, run as the
// page writes them against the local PostgreSQL (db.example → 127.0.0.1, the user ringside → a role of this test's, the
// database and dump names → the test's), with a user that is no superuser, as the page's nodes connect: a node then
// starts on each database as that user. (On PostgreSQL 15 and later only a database's owner may create tables in its
// public schema, so a database made by postgres for another user refuses that user's migrations.)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repo } from '../support/cli';
import { adminSql } from '../support/postgres';
import { call, removeDir, startTestServer, tempDataDir } from '../support/testServer';

const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
const role = `rsdoc_user_${suffix}`;
const names = { database: `rsdoc_${suffix}`, restored: `rsdoc_restored_${suffix}` };
const dirs: string[] = [];
const dumpDir = tempDataDir();
dirs.push(dumpDir);
const dump = join(dumpDir, 'nodes.dump');

beforeAll(() => adminSql(`CREATE ROLE ${role} LOGIN`));
afterAll(async () => {
  for (const name of Object.values(names)) await adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminSql(`DROP ROLE IF EXISTS ${role}`);
  dirs.forEach(removeDir);
});

const shellLines = (() => {
  const doc = readFileSync(join(repo, 'docs/deployment.md'), 'utf8');
  return [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).map((l) => l.replace(/\s+#.*$/, '').trim());
})();

/** The page's command line that `pattern` picks, with this test's host, user, databases and dump put in. */
function documented(pattern: RegExp): string {
  const line = shellLines.find((l) => pattern.test(l));
  if (!line) throw new Error(`docs/deployment.md has no command line matching ${pattern}`);
  return line
    .replaceAll('/backups/ringside-2026-12-03.dump', '@DUMP@')
    .replaceAll('db.example', '127.0.0.1')
    .replace(/(-[UO]) ringside\b/g, `$1 ${role}`)
    .replaceAll('ringside_restored', names.restored)
    .replace(/\bringside\b/g, names.database)
    .replaceAll('@DUMP@', dump);
}

function run(command: string): void {
  const done = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  expect(done.status, `${command}\n${done.stderr}`).toBe(0);
}

const dataDir = tempDataDir();
dirs.push(dataDir);

/**
 * A node connecting as the page's user starts on `database` (its migrations run as that user) and stores an event;
 * one data folder for both databases, as a node's audit files are kept with the backups.
 */
async function nodeStartsOn(database: string, id: string): Promise<void> {
  const node = await startTestServer({ dataDir, databaseUrl: `postgres://${role}@127.0.0.1:5432/${database}`, logLevel: 'silent' });
  try {
    expect((await node.postEvents({ events: [call({ id })] })).status).toBe(201);
  } finally {
    await node.close();
  }
}

it("the page's database for the nodes, and the one it restores a dump into, take the nodes' user", { timeout: 120_000 }, async () => {
  run(documented(/^createdb .*\bringside$/));
  await nodeStartsOn(names.database, 'before-dump');
  run(documented(/^pg_dump /));
  run(documented(/^createdb .*ringside_restored$/));
  run(documented(/^pg_restore /));
  await nodeStartsOn(names.restored, 'after-restore');
});
