// The subcommands that touch data, on a PostgreSQL store (--database): keys, rebuild-rollups, prune and verify answer
// as they do on SQLite; backup and restore refuse, pointing at pg_dump. A prune runs beside a running node from
// another folder holding a copy of its audit.secret, as its refusal in the node's own folder says. A node refused for
// want of a key names the keys create that puts one into its PostgreSQL store; a node names that store when it starts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mainJs, repo, startCli } from '../support/cli';
import { tablesIn, testDatabases } from '../support/postgres';
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

it("a database without Ringside's store is refused by every command that works on a store, and given none; keys create --init makes one", { timeout: 120_000 }, async () => {
  // A URL naming another database than the nodes' (a typo, or none named: the user's own, or the maintenance
  // database) must not get a new, empty store whose keys, checkpoint secret or prunes no node ever sees.
  const url = await databases.create();
  const dir = tempDataDir();
  dirs.push(dir);
  const data = ['--data', dir, '--database', url];
  for (const command of [
    ['keys', 'create', ...data, '--name', 'wallboard', '--scope', 'read'],
    ['keys', 'revoke', ...data, '--id', 'k_000000000000'],
    ['keys', 'list', ...data],
    ['verify', ...data],
    ['rebuild-rollups', ...data],
    ['prune', ...data, '--retain-days', '1'],
  ]) {
    const refused = cli(...command);
    expect(refused.status, `${command.join(' ')}: ${refused.stdout}`).toBe(1);
    expect(refused.stderr).toContain(`no Ringside store in ${url}`);
    expect(await tablesIn(url)).toBe(0);
  }
  expect(readdirSync(dir)).toEqual([]);
  const created = cli('keys', 'create', ...data, '--init', '--name', 'ops', '--scope', 'admin');
  expect(created.status, created.stderr).toBe(0);
  expect(await tablesIn(url)).toBeGreaterThan(0);
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

// The two places a URL carries its password (node-postgres, like libpq, takes both), each shown as *** in the hint,
// with what to leave out of the URL for PGPASSWORD instead.
const PASSWORD_PLACES = [
  { place: 'user:password@', put: (url: URL, password: string) => void (url.password = password), shown: (url: URL) => `postgres://${url.username}:***@${url.host}${url.pathname}`, placeholder: ':***' },
  { place: '?password=', put: (url: URL, password: string) => url.searchParams.set('password', password), shown: (url: URL) => `postgres://${url.username}@${url.host}${url.pathname}?password=***`, placeholder: 'password=***' },
];

it.each(PASSWORD_PLACES)('a node without a key on 0.0.0.0 is refused with a keys create that writes into its PostgreSQL store, its password ($place) hidden', { timeout: 120_000 }, async ({ put, shown: shownOf, placeholder }) => {
  const url = new URL(await databases.create());
  const password = url.password || 'not-a-password-trust-auth-ignores';
  url.password = '';
  put(url, password);
  const dir = tempDataDir();
  dirs.push(dir);
  const refusedOn = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [mainJs, '--host', '0.0.0.0', '--port', '0', '--data', dir, ...args], { encoding: 'utf8', env: { ...process.env, RINGSIDE_API_KEY: '', RINGSIDE_DATABASE_URL: '', ...env }, timeout: 30_000 });
  const shown = shownOf(url);
  // From the command line and from the environment alike: the shell the command is pasted into may not have the variable.
  const refusals = [refusedOn(['--database', url.href], {}), refusedOn([], { RINGSIDE_DATABASE_URL: url.href })];
  for (const refused of refusals) {
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(
      `create a key first (node server/dist/main.js keys create --data ${dir} --database '${shown}' --init --name NAME --scope admin; ` +
        `put the password back in place of ***, or leave out ${placeholder} and give the password in PGPASSWORD), or bind to 127.0.0.1\n`,
    );
    expect(refused.stderr).not.toContain(password);
  }
  // Refused before the database is touched: no schema migrated into it, no signing key or secret in the folder.
  expect(await tablesIn(url.href)).toBe(0);
  expect(readdirSync(dir)).toEqual([]);
  // Pasted into a shell as it says, the key goes where the node reads keys: the node then starts, and no SQLite store appeared.
  const hint = /\(node (server\/dist\/main\.js keys create .*?); put the password back/.exec(refusals[0]!.stderr)![1]!;
  const paste = (command: string, env: Record<string, string> = {}) =>
    spawnSync('sh', ['-c', `"${process.execPath}" ${command}`], { cwd: repo, encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '', ...env } });
  const created = paste(hint.replace('***', password).replace('NAME', 'ops'));
  expect(created.status, created.stderr).toBe(0);
  expect(existsSync(join(dir, 'ringside.db'))).toBe(false);
  const node = await startCli(['--host', '0.0.0.0', '--port', '0', '--data', dir, '--database', url.href], { RINGSIDE_DATABASE_URL: '' });
  node.child.kill('SIGTERM');
  expect(await node.exit).toBe(0);
  // The other way it names: the URL without the placeholder, the password in PGPASSWORD.
  const fromEnvironment = paste(hint.replace(placeholder, '').replace('NAME', 'ops2'), { PGPASSWORD: password });
  expect(fromEnvironment.status, fromEnvironment.stderr).toBe(0);
});

it('a node names its PostgreSQL store in its server started line, without the password', { timeout: 120_000 }, async () => {
  const url = new URL(await databases.create());
  url.password ||= 'not-a-password-trust-auth-ignores';
  const dir = tempDataDir();
  dirs.push(dir);
  const node = await startCli(['--port', '0', '--data', dir, '--database', url.href], { RINGSIDE_DATABASE_URL: '' });
  try {
    const [started] = await node.until('stderr', /^\{.*"msg":"server started".*\}$/m);
    expect(JSON.parse(started)).toMatchObject({ dataDir: dir, store: `postgres://${url.username}:***@${url.host}${url.pathname}` });
    expect(node.stderr()).not.toContain(url.password);
  } finally {
    node.child.kill('SIGTERM');
    expect(await node.exit).toBe(0);
  }
});
