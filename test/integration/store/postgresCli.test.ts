// The subcommands that touch data, on a PostgreSQL store (--database): keys, rebuild-rollups, prune and verify answer
// as they do on SQLite; backup and restore refuse, pointing at pg_dump. A prune runs beside a running node from
// another folder holding a copy of its audit.secret, as its refusal in the node's own folder says.
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mainJs } from '../support/cli';
import { testDatabases } from '../support/postgres';
import { call, isoAgo, removeDir, startTestServer, tempDataDir } from '../support/testServer';

const databases = testDatabases('ringside_cli');
const dirs: string[] = [];
afterAll(async () => {
  await databases.dropAll();
  dirs.forEach(removeDir);
});

const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' } });

it('keys, rebuild-rollups, prune and verify work on --database; backup and restore refuse', { timeout: 120_000 }, async () => {
  const url = await databases.create();
  const server = await startTestServer({ databaseUrl: url });
  dirs.push(server.dataDir);
  expect((await server.postEvents({ events: [call({ id: 'old', occurredAt: isoAgo(3 * 86_400) }), call({ id: 'new' })] })).status).toBe(201);
  await server.close();
  const data = ['--data', server.dataDir, '--database', url];

  const created = cli('keys', 'create', ...data, '--name', 'wallboard', '--scope', 'read', '--json');
  expect(created.status, created.stderr).toBe(0);
  const { id } = JSON.parse(created.stdout) as { id: string };
  expect(JSON.parse(cli('keys', 'list', ...data).stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id, name: 'wallboard' })]));
  expect(cli('keys', 'revoke', ...data, '--id', id).status).toBe(0);

  const rebuilt = cli('rebuild-rollups', ...data);
  expect(rebuilt.status, rebuilt.stderr).toBe(0);
  expect(rebuilt.stdout).toMatch(/rollups rebuilt .*\(\d+ rollup rows/);
  const pruned = cli('prune', ...data, '--retain-days', '1');
  expect(pruned.status, pruned.stderr).toBe(0);
  expect(pruned.stdout).toMatch(/^pruned 1 events and 1 judgements before .*; checkpoint \d+/);
  const verified = cli('verify', ...data, '--json');
  expect(verified.status, verified.stderr).toBe(0);
  expect(JSON.parse(verified.stdout)).toMatchObject({ intact: true, checkpoints: 1 });

  const backup = cli('backup', ...data, '--to', `${tempDataDir()}/copy.db`);
  expect(backup.status).toBe(1);
  expect(backup.stderr).toMatch(/pg_dump/);
  expect(cli('verify', '--data', server.dataDir, '--database', 'mysql://nope').status).toBe(2);
});

it('prune beside a running node: refused in the node\'s folder, saying what works; run from a folder with a copy of its audit.secret', { timeout: 120_000 }, async () => {
  const url = await databases.create();
  const server = await startTestServer({ databaseUrl: url });
  dirs.push(server.dataDir);
  try {
    expect((await server.postEvents({ events: [call({ id: 'old', occurredAt: isoAgo(3 * 86_400) }), call({ id: 'new' })] })).status).toBe(201);
    const refused = cli('prune', '--data', server.dataDir, '--database', url, '--retain-days', '1');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `(its lock: ${join(server.dataDir, 'ringside.lock')}): on PostgreSQL, prune can run beside it: give --data another folder holding a copy of ${join(server.dataDir, 'audit.secret')} ` +
        "(the nodes' writes wait while it prunes), or restart it with --retain-days 1, and it prunes itself (at start, then daily)\n",
    );
    // What the refusal says works, while the node runs; the node then reads the pruned store as its own.
    const elsewhere = tempDataDir();
    dirs.push(elsewhere);
    copyFileSync(join(server.dataDir, 'audit.secret'), join(elsewhere, 'audit.secret'));
    const pruned = cli('prune', '--data', elsewhere, '--database', url, '--retain-days', '1');
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^pruned 1 events and 1 judgements before .*; checkpoint \d+/);
    expect((await server.getJson('/api/v1/audit/verify')).body).toMatchObject({ intact: true, checkpoints: 1 });
    expect((await server.postEvents({ events: [call({ id: 'after' })] })).status).toBe(201);
  } finally {
    await server.close();
  }
});
