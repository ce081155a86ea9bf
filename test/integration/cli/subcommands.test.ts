// The subcommands as an operator runs them (the built CLI, real SQLite files in temp folders, real processes):
// --help at every level, a DIR holding no database refused without creating one, offline-only commands refused
// while a server uses DIR, a backup's target named when it cannot be written, the kiosk link's address, keys list
// reading the store without writing it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, mainJs, runNode, startCli } from '../support/cli';
import { call, removeDir, startTestServer, tempDataDir } from '../support/testServer';

const dirs: string[] = [];
beforeAll(buildServer);
afterAll(() => dirs.forEach(removeDir));

function dataDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });
/** `cli` without blocking: the runs of one table are independent processes, side by side. */
const cliAsync = (...args: string[]) => runNode([mainJs, ...args], { env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });

// Each case is one independent process on its own: side by side (describe.concurrent) they keep every core busy.
describe.concurrent('--help', () => {
  it.each([
    [['keys', '--help'], /Usage: node server\/dist\/main\.js keys create [\s\S]*--init[\s\S]*keys list [\s\S]*keys revoke --data DIR --id ID/],
    [['keys', 'create', '--help'], /^Usage: node server\/dist\/main\.js keys create --data DIR --name NAME --scope [\s\S]*\n {2}--json {14}answer in JSON\n/],
    [['keys', 'create', '-h'], /^Usage: node server\/dist\/main\.js keys create /],
    [['forward', '--help'], /forward asterisk-queue-log [\s\S]*--start-at beginning\|end[\s\S]*--poll-interval MS[\s\S]*forward mqtt --broker URL/],
    [['forward', 'mqtt', '-h'], /^Usage: node server\/dist\/main\.js forward mqtt --broker URL --topic T --server URL/],
    [['verify', '--help'], /^Usage: node server\/dist\/main\.js verify --data DIR \[--database URL\] \[--json\]/],
    [['--help'], /forward asterisk-queue-log [^\n]*\[--start-at beginning\|end\][\s\S]*\[--poll-interval MS\][\s\S]*/],
  ])('%j prints the usage, exit 0', async (args, usage) => {
    const r = await cliAsync(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.stderr).toBe('');
  });

  it.each([
    [['keys'], /ringside keys: name the action first: use keys create \| keys list \| keys revoke\nUsage: /],
    [['keys', 'rotate'], /ringside keys: unknown action "rotate": use keys create/],
    [['keys', 'create', '--data', 'x', '--colour', 'red'], /ringside keys create: Unknown option '--colour'\nUsage: node server\/dist\/main\.js keys create /],
    [['keys', 'create', '--data', 'x', '--sites', 'harbour'], /ringside keys create: Unknown option '--sites' \(did you mean "--site"\?\)\nUsage: /],
    [['verify', '--data', 'x', '--json', 'yes'], /ringside verify: --json takes no value \(got "yes"\)\nUsage: /],
    [['forward', 'mqtt', '--file', 'x'], /ringside forward mqtt: --file is not an option of forward mqtt\nUsage: /],
    [['prune', '--data', 'x', '--retain-days', '-3'], /ringside prune: --retain-days must be a whole number of days, at least 1 \(got "-3"\)\nUsage: /],
    [['keys', 'crate', '--data', 'x'], /ringside keys: unknown action "crate" \(did you mean "keys create"\?\): use keys create/],
  ])('%j is bad usage: exit 2, naming what is wrong, then the usage', async (args, message) => {
    const r = await cliAsync(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  const commands = 'use keys | backup | restore | rebuild-rollups | verify | public-key | prune | compact | migrate-to-postgres | forward, or no command to run the server';
  it.each([
    [['frobnicate'], `ringside: unknown command "frobnicate": ${commands}`],
    [['frobnicate', '--port', '0'], `ringside: unknown command "frobnicate": ${commands}`],
    [['verfy', '--data', 'x'], `ringside: unknown command "verfy" (did you mean "verify"?): ${commands}`],
    [['keyz', 'list'], `ringside: unknown command "keyz" (did you mean "keys"?): ${commands}`],
    [['rebuild', '--data', 'x'], `ringside: unknown command "rebuild" (did you mean "rebuild-rollups"?): ${commands}`],
  ])('%j is an unknown command: exit 2, the commands (and a near miss), not the server\'s options', async (args, message) => {
    const r = await cliAsync(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${message}\n(node server/dist/main.js --help: every command and option explained)\n`);
    expect(r.stdout).toBe('');
  });
});

describe('a DIR that holds no database', () => {
  it.concurrent.each([
    ['keys', 'create', '--name', 'x', '--scope', 'read'],
    ['keys', 'list'],
    ['keys', 'revoke', '--id', 'k_0123456789ab'],
    ['verify'],
    ['backup', '--to', '@/backup.db'],
    ['rebuild-rollups'],
    ['prune', '--retain-days', '30'],
    ['public-key'],
    ['migrate-to-postgres', '--database', 'postgres://127.0.0.1:1/none'],
  ])('%s … is refused, exit 1, and nothing is created', async (...command) => {
    const parent = dataDir();
    const missing = join(parent, 'mistyped'); // not there at all
    const empty = dataDir(); // there, but empty
    for (const dir of [missing, empty]) {
      const [name, ...rest] = command;
      const action = name === 'keys' ? [rest.shift()!] : [];
      const r = await cliAsync(name, ...action, '--data', dir, ...rest.map((a) => a.replace('@', parent)));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(`no database in ${dir} (no ringside.db; is --data the server's data directory?)`);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(parent)).toEqual([]);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('keys create --init makes the store (before the first start), and keys list sees the key', () => {
    const dir = join(dataDir(), 'new');
    const r = cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ key: expect.stringMatching(/^rs_/), name: 'x', scopes: ['read'] });
    expect(existsSync(join(dir, 'ringside.db'))).toBe(true);
    const listed = cli('keys', 'list', '--data', dir);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'x' })]);
  });

  it('bad usage is still said first (exit 2), before the missing store', () => {
    const dir = dataDir();
    const r = cli('keys', 'create', '--data', dir, '--name', 'x', '--scope', 'root');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--scope must be one of ingest, read, audit, admin, metrics/);
    writeFileSync(join(dir, 'keep'), '');
    expect(readdirSync(dir)).toEqual(['keep']);
  });

  it('an option without its value is named with what it takes, not in node:util parseArgs words', () => {
    const [last, beforeAnother] = [cli('backup', '--to', 'x.db', '--data'), cli('backup', '--data', '--to', 'x.db')];
    for (const r of [last, beforeAnother]) expect(r.status).toBe(2);
    expect(last.stderr).toMatch(/^ringside backup: --data needs a value, and nothing follows it \(--data DIR: /);
    expect(beforeAnother.stderr).toMatch(/^ringside backup: --data needs a value, and the next word "--to" is an option \(--data DIR: /);
  });

  it('a refused scope is named with what was given, and the scope it most likely mistypes', () => {
    const dir = dataDir();
    const r = cli('keys', 'create', '--data', dir, '--name', 'x', '--scope', 'reed,admin,root');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--scope must be one of ingest, read, audit, admin, metrics (got "reed") (did you mean "read"?); --scope must be one of ingest, read, audit, admin, metrics (got "root")\n');
  });
});

describe('a --data that names a file, not a folder', () => {
  // The likeliest slip is the database itself, DIR/ringside.db: each command says it is a file (and, for the database,
  // which folder holds it), not a permission problem with a chmod that would change nothing.
  it.concurrent.each([
    [['keys', 'list'], 'read'],
    [['keys', 'create', '--name', 'x', '--scope', 'read'], 'read'],
    [['keys', 'create', '--init', '--name', 'x', '--scope', 'read'], 'write'],
    [['verify'], 'read'],
    [['public-key'], 'read'],
    [['backup', '--to', '@/copy.db'], 'read'],
    [['prune', '--retain-days', '30'], 'write'],
    [['rebuild-rollups'], 'write'],
    [['compact'], 'write'],
  ])('%j is refused, exit 1, naming the file and its folder', async (command, use) => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const file = join(dir, 'ringside.db');
    const [name, ...rest] = command;
    const action = name === 'keys' ? [rest.shift()!] : [];
    const r = await cliAsync(name!, ...action, '--data', file, ...rest.map((a) => a.replace('@', dir)));
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe(`ringside ${[name, ...action].join(' ')}: cannot ${use} ${file}: it is a file, not a folder (the database itself: its folder is ${dir})\n`);
    expect(readdirSync(dir)).toEqual(['ringside.db']);
  });

  it('a folder under the database file is refused the same way, naming the file', async () => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const file = join(dir, 'ringside.db');
    const r = await cliAsync('keys', 'create', '--data', join(file, 'sub'), '--init', '--name', 'y', '--scope', 'read');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toBe(`ringside keys create: cannot write ${join(file, 'sub')}: ${file} is a file, not a folder (the database itself: its folder is ${dir})\n`);
  });

  it('a start is refused the same way, before anything is created', async () => {
    const parent = dataDir();
    const file = join(parent, 'notes.txt');
    writeFileSync(file, 'not a folder\n');
    const r = await cliAsync('--port', '0', '--data', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`ringside: could not start: cannot write ${file}: it is a file, not a folder\n`);
    expect(readdirSync(parent)).toEqual(['notes.txt']);
  });
});

describe('restore from a file that is not a backup', () => {
  it('names the file and why, and leaves DIR as it was (a DIR not there yet is not created)', () => {
    const dir = dataDir();
    const parent = dataDir();
    const text = join(parent, 'notes.db');
    writeFileSync(text, 'these are not the pages of a database\n'.repeat(200));
    for (const into of [dir, join(parent, 'new')]) {
      for (const [from, why] of [
        [text, 'is not a Ringside database: file is not a database'],
        [join(dir, 'missing.db'), 'does not exist'],
      ]) {
        const r = cli('restore', '--from', from!, '--data', into);
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`ringside restore: ${from} ${why}\n`);
      }
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(parent)).toEqual(['notes.db']);
  });

  it('a folder is named as one (a data folder: back it up first), not as a file SQLite cannot read', () => {
    const store = dataDir();
    expect(cli('keys', 'create', '--data', store, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const empty = dataDir();
    const into = join(dataDir(), 'new');
    for (const [from, why] of [
      [store, ` is a folder, not a backup file: --from names the file that backup --to wrote (this folder holds a store: back it up first, backup --data ${store} --to FILE, and restore that FILE)`],
      [empty, ' is a folder, not a backup file: --from names the file that backup --to wrote'],
    ]) {
      const r = cli('restore', '--from', from!, '--data', into);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`ringside restore: ${from}${why}\n`);
    }
    // A path under a file cannot be looked at: the database's own check names it, never a raw ENOTDIR.
    const under = join(store, 'ringside.db', 'copy.db');
    const r = cli('restore', '--from', under, '--data', into);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ringside restore: ${under} is not a Ringside database: `));
    expect(existsSync(into)).toBe(false);
  });
});

describe('commands that must run while no server uses DIR', () => {
  it('rebuild-rollups and prune are refused while a server runs on DIR, as restore is, and run once it stopped', async () => {
    const dir = dataDir();
    const server = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: 'rs_cli-lock-test-key-0123456789ab' });
    try {
      for (const command of [['rebuild-rollups'], ['prune', '--retain-days', '30'], ['compact'], ['restore', '--from', join(dir, 'ringside.db')]]) {
        const r = cli(...command, '--data', dir);
        expect(r.status, command[0]).toBe(1);
        expect(r.stderr).toContain(`ringside ${command[0]}: a Ringside server (pid ${server.child.pid}, ${server.url}, started `);
        // A server prunes itself when given --retain-days: prune says so, beside stopping it.
        const instead = command[0] === 'prune' ? ', or restart it with --retain-days 30, and it prunes itself (at start, then daily)' : '';
        expect(r.stderr).toContain(`) is using ${dir} (its lock: ${join(dir, 'ringside.lock')}): stop it first${instead}\n`);
        expect(r.stdout).toBe('');
      }
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toBe(0);
    const rebuilt = cli('rebuild-rollups', '--data', dir);
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/^rollups rebuilt in \d+ ms/);
    const pruned = cli('prune', '--data', dir, '--retain-days', '30');
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(existsSync(join(dir, 'ringside.lock'))).toBe(false);
  }, 60_000);

  it('compact gives back the space a prune freed: the file shrinks, and the chain still verifies', async () => {
    const dir = dataDir();
    const server = await startTestServer({ dataDir: dir });
    try {
      const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
      for (let b = 0; b < 4; b++) {
        const events = Array.from({ length: 1000 }, (_, i) => call({ id: `old-${b}-${i}`, occurredAt: old, agent: 'a'.repeat(200), queue: 'q'.repeat(200) }));
        expect((await server.postEvents({ events })).status).toBe(201);
      }
    } finally {
      await server.close();
    }
    const size = () => statSync(join(dir, 'ringside.db')).size + (existsSync(join(dir, 'ringside.db-wal')) ? statSync(join(dir, 'ringside.db-wal')).size : 0);
    const pruned = await cliAsync('prune', '--data', dir, '--retain-days', '30');
    expect(pruned.stdout).toMatch(/^pruned 4000 events/);
    const before = size();
    const compacted = await cliAsync('compact', '--data', dir);
    expect(compacted.status, compacted.stderr).toBe(0);
    expect(compacted.stdout).toMatch(new RegExp(`^compacted ${join(dir, 'ringside.db').replace(/[.]/g, '\\.')}: \\d+\\.\\d MB → \\d+\\.\\d MB\n$`));
    expect(size()).toBeLessThan(before / 2);
    const verified = await cliAsync('verify', '--data', dir);
    expect(verified.status, verified.stdout).toBe(0);
    expect(existsSync(join(dir, 'ringside.lock'))).toBe(false);
  }, 120_000);

  it('reads the lock file as restore does: a live pid refuses (migrate-to-postgres too), a dead one is stale', () => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const startedAt = new Date().toISOString();
    writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid: process.pid, startedAt }) + '\n');
    for (const command of [['rebuild-rollups'], ['prune', '--retain-days', '30'], ['migrate-to-postgres', '--database', 'postgres://127.0.0.1:1/none']]) {
      const r = cli(...command, '--data', dir);
      expect(r.status, command[0]).toBe(1);
      expect(r.stderr).toContain(`a Ringside server (pid ${process.pid}, started ${startedAt}) is using ${dir} (its lock: ${join(dir, 'ringside.lock')}): stop it first`);
    }
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'ringside.lock'), JSON.stringify({ pid: Number(gone.stdout), startedAt: new Date().toISOString() }) + '\n');
    const r = cli('rebuild-rollups', '--data', dir);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('backup --to', () => {
  it.runIf(existsSync('/proc/self'))('a file that cannot be written is named with why (/proc takes no new files or folders), and nothing is left behind', async () => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    for (const [file, folder] of [
      ['/proc/ringside-backup.db', '/proc'],
      ['/proc/backups/ringside-backup.db', '/proc/backups'],
    ]) {
      const r = await cliAsync('backup', '--data', dir, '--to', file!);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`ringside backup: cannot write the backup ${file}: files cannot be created in ${folder} (ENOENT)\n`);
    }
    expect(readdirSync(dir)).toEqual(['ringside.db']);
  });

  it('creates a missing folder for the file, and says so', async () => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const parent = dataDir();
    const one = await cliAsync('backup', '--data', dir, '--to', join(parent, 'new', 'copy.db'));
    expect(one.status, one.stderr).toBe(0);
    expect(one.stderr).toMatch(new RegExp(`^created the folder ${join(parent, 'new')} \\(mode 0700\\) for the backup\nbackup written to ${join(parent, 'new', 'copy.db')} \\(0 events, schema version \\d+\\)\n$`));
    const deeper = await cliAsync('backup', '--data', dir, '--to', join(parent, 'a', 'b', 'copy.db'));
    expect(deeper.stderr).toContain(`created the folders ${join(parent, 'a')} … ${join(parent, 'a', 'b')} (mode 0700) for the backup\n`);
    const into = await cliAsync('backup', '--data', dir, '--to', join(parent, 'copy.db'));
    expect(into.stderr).toMatch(/^backup written to /); // an existing folder: nothing to say
  });

  it('a FILE ending in a slash names a folder: bad usage, exit 2, and no file is written under the folder\'s name', async () => {
    const dir = dataDir();
    expect(cli('keys', 'create', '--data', dir, '--init', '--name', 'x', '--scope', 'read').status).toBe(0);
    const parent = dataDir();
    const r = await cliAsync('backup', '--data', dir, '--to', join(parent, 'backups') + '/');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ringside backup: --to names the backup file, not a folder \\(got "${join(parent, 'backups')}/"\\): e\\.g\\. --to ${join(parent, 'backups')}/ringside-\\d{4}-\\d\\d-\\d\\d\\.db\nUsage: `));
    expect(readdirSync(parent)).toEqual([]);
    // An existing folder named without the slash is the same slip.
    const folder = await cliAsync('backup', '--data', dir, '--to', parent);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(new RegExp(`^ringside backup: --to names the backup file, not a folder \\(got "${parent}"\\): e\\.g\\. --to ${parent}/ringside-\\d{4}-\\d\\d-\\d\\d\\.db\nUsage: `));
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('keys create --site (the kiosk link)', () => {
  const create = (dir: string, ...more: string[]) => cliAsync('keys', 'create', '--data', dir, '--init', '--name', 'desk', '--scope', 'ingest', '--site', 'harbour', ...more);

  it.concurrent.each([['ftp://x'], ['127.0.0.1:4870'], ['not a url']])('refuses --url %s: bad usage (exit 2), naming it, and nothing is created', async (url) => {
    const dir = dataDir();
    const r = await create(dir, '--url', url);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ringside keys create: --url must be an http:// or https:// URL \\(the server's address the kiosk link starts with\\), got "${url.replace(/[.]/g, '\\.')}"\nUsage: `));
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with no server running on DIR and no --url, says the link assumes the default address', async () => {
    const dir = dataDir();
    const r = await create(dir);
    expect(r.status, r.stderr).toBe(0);
    const key = r.stdout.trim();
    expect(r.stderr).toContain(`kiosk link (open it on the reception tablet; it holds the key): http://127.0.0.1:4870/kiosk?site=harbour#key=${key}\n`);
    expect(r.stderr).toContain(`note: no server is running on ${dir}, so the kiosk link assumes the default address http://127.0.0.1:4870; if the tablet reaches the server at another address, put that one before /kiosk (--url URL gives it)\n`);
    const given = await create(dir, '--url', 'https://ringside.example/desk/');
    expect(given.stderr).toContain('kiosk link (open it on the reception tablet; it holds the key): https://ringside.example/desk/kiosk?site=harbour#key=');
    expect(given.stderr).not.toContain('note:');
  });

  it("takes the running server's address, without a note", async () => {
    const dir = dataDir();
    const server = await startCli(['--port', '0', '--data', dir], { RINGSIDE_API_KEY: 'rs_cli-kiosk-test-key-0123456789ab' });
    try {
      const r = await create(dir, '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).kioskUrl).toMatch(new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/kiosk\\?site=harbour#key=rs_`));
      expect(r.stderr).toBe('');
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });
});

describe('keys list', () => {
  it("opens the store read-only: a store a killed server left with its -wal is not written (no checkpoint), though it is listed", async () => {
    const dir = dataDir();
    const server = await startCli(['--port', '0', '--data', dir]);
    server.child.kill('SIGKILL');
    await server.exit;
    // The database and its log as they are (the -shm is the readers' shared index: reading writes it).
    const files = () => Object.fromEntries(['ringside.db', 'ringside.db-wal'].map((f) => [f, existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('base64') : 'gone']));
    const before = files();
    expect(before['ringside.db-wal']).not.toBe('gone');
    const r = await cliAsync('keys', 'list', '--data', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ name: 'local admin (auto)', scopes: ['admin'] })]);
    expect(files()).toEqual(before);
  });
});
