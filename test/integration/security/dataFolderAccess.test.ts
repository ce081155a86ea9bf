// A data folder this user may not use as a command needs it, with real processes run as another user (setpriv, as
// root): a 0700 folder another user owns is named with its owner, not reported as holding no database; a folder its
// owner made read-only (0500) still serves the commands that only read, which open the store read-only, and what
// needs to write there (a start, a first signing key, SQLite's -shm) says which folder and which permission.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSqliteFile } from '../../../server/src/store/sqlite/database';
import { mainJs, useCliScratch } from '../support/cli';

/** The trial's other user: nobody (65534), with no groups. */
const OTHER = 65534;
const SETPRIV = [`--reuid=${OTHER}`, `--regid=${OTHER}`, '--clear-groups'];
const env = { ...process.env, RINGSIDE_API_KEY: '', RINGSIDE_DATABASE_URL: '' };
const { dataDir } = useCliScratch();

/** Why a test here cannot run (not root, no setpriv, or the other user cannot run this checkout's Node): a skip reason. */
let unavailable: string | null = null;
beforeAll(() => {
  if (process.getuid?.() !== 0) return void (unavailable = 'needs root, to run commands as another user (setpriv)');
  const probe = spawnSync('setpriv', [...SETPRIV, process.execPath, mainJs, '--help'], { encoding: 'utf8' });
  if (probe.status !== 0) unavailable = `cannot run the built CLI as uid ${OTHER} with setpriv (${(probe.error?.message ?? probe.stderr).trim().split('\n')[0]})`;
});

/** The built CLI run as the other user, to its end (without blocking this process). */
const runAsOther = (...args: string[]) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile('setpriv', [...SETPRIV, process.execPath, mainJs, ...args], { encoding: 'utf8', env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** A folder holding a store (keys create --init, as root), with a key in it. */
function storeDir(): string {
  const dir = dataDir();
  const made = spawnSync(process.execPath, [mainJs, 'keys', 'create', '--data', dir, '--init', '--name', 'desk', '--scope', 'read'], { encoding: 'utf8', env });
  expect(made.status, made.stderr).toBe(0);
  return dir;
}

const chownAll = (dir: string) => [dir, ...readdirSync(dir).map((f) => join(dir, f))].forEach((p) => chownSync(p, OTHER, OTHER));
/** How the messages name root, the owner of the folders this test makes: `uid 0 (root)`. */
const rootOwner = () => {
  const name = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === '0')?.split(':')[0];
  return name ? `uid 0 (${name})` : 'uid 0';
};

describe("a 0700 data folder another user owns, holding a store", () => {
  it('is named with its owner by the commands that read it and by a start, exit 1, and nothing is written there', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const dir = storeDir();
    chmodSync(dir, 0o700);
    const before = readdirSync(dir).sort();
    const owner = rootOwner();
    const backups = dataDir();
    chmodSync(backups, 0o777);
    for (const command of [['keys', 'list'], ['verify'], ['public-key'], ['backup', '--to', join(backups, 'copy.db')]]) {
      const r = await runAsOther(...command, '--data', dir);
      expect(r.status, command.join(' ')).toBe(1);
      expect(r.stderr).toBe(`ringside ${command[0] === 'keys' ? 'keys list' : command[0]}: cannot read ${dir}: permission denied (it belongs to ${owner}, mode 0700: run as that user)\n`);
      expect(r.stdout).toBe('');
    }
    const start = await runAsOther('--port', '0', '--data', dir);
    expect(start.status).toBe(1);
    expect(start.stderr).toBe(`ringside: could not start: cannot write ${dir}: permission denied (it belongs to ${owner}, mode 0700: run as that user)\n`);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(backups)).toEqual([]);
  });
});

describe('a data folder its owner may not write (0500)', () => {
  it('serves keys list, verify and public-key read-only while SQLite finds its -shm there, and says why not once it is gone', async (ctx) => {
    if (unavailable) return ctx.skip(unavailable);
    const dir = storeDir();
    // An open connection keeps the -wal and -shm files (a server running, or one stopped after the folder was made
    // read-only: it cannot remove them then).
    const open = openSqliteFile(join(dir, 'ringside.db'));
    open.pragma('journal_mode = WAL');
    open.prepare('SELECT COUNT(*) FROM api_keys').get();
    chownAll(dir);
    chmodSync(dir, 0o500);
    try {
      const listed = await runAsOther('keys', 'list', '--data', dir);
      expect(listed.status, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'desk', scopes: ['read'] })]);
      const verified = await runAsOther('verify', '--data', dir);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^INTACT: /);
      // A backup into a folder this user may not write: named, with whose it is.
      const backups = dataDir();
      const copy = join(backups, 'copy.db');
      const refused = await runAsOther('backup', '--data', dir, '--to', copy);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe(`ringside backup: cannot write the backup ${copy}: cannot write ${backups}: permission denied (it belongs to ${rootOwner()}, mode 0700: run as that user) (EACCES)\n`);
      expect(readdirSync(backups)).toEqual([]);
      // No signing key in the folder, and none can be made there: said so, with what to do.
      const noKey = await runAsOther('public-key', '--data', dir);
      expect(noKey.status).toBe(1);
      expect(noKey.stderr).toBe(
        `ringside public-key: ${dir} has no signing key yet (audit-signing.json) and this user cannot create one there: cannot write ${dir}: permission denied (it belongs to this user but its mode 0500 gives no write permission: chmod u+wx ${dir}). Start the server on it once (it creates the key), or run this as the folder's owner\n`,
      );
    } finally {
      open.close(); // the last connection: SQLite removes the -wal and -shm files (root may, whatever the mode)
    }
    expect(readdirSync(dir).sort()).toEqual(['ringside.db']);
    const file = join(dir, 'ringside.db');
    for (const command of [['keys', 'list'], ['verify']]) {
      const r = await runAsOther(...command, '--data', dir);
      expect(r.status, command.join(' ')).toBe(1);
      expect(r.stderr).toBe(
        `ringside ${command.join(' ')}: cannot read ${file} read-only: SQLite must create ${file}-shm beside it (the database is in WAL mode, and the last connection to close removes that file), and this user may not: cannot write ${dir}: permission denied (it belongs to this user but its mode 0500 gives no write permission: chmod u+wx ${dir})\n`,
      );
    }
    // The commands that write the store say it as a start does, whose folder it is and what gives the permission back.
    const denied = `cannot write ${dir}: permission denied (it belongs to this user but its mode 0500 gives no write permission: chmod u+wx ${dir})`;
    for (const command of [['keys', 'revoke', '--id', 'k'], ['prune', '--retain-days', '30'], ['rebuild-rollups']]) {
      const r = await runAsOther(...command, '--data', dir);
      expect({ command, status: r.status }).toEqual({ command, status: 1 });
      expect(r.stderr).toBe(`ringside ${command.slice(0, command[0] === 'keys' ? 2 : 1).join(' ')}: ${denied}\n`);
    }
    // A backup needs what a reader of the live database needs: said the same way, and no half-made copy left.
    const writable = dataDir();
    chmodSync(writable, 0o777);
    const backup = await runAsOther('backup', '--data', dir, '--to', join(writable, 'copy.db'));
    expect(backup.status).toBe(1);
    expect(backup.stderr).toBe(`ringside backup: cannot write ${dir}: permission denied (it belongs to this user but its mode 0500 gives no write permission: chmod u+wx ${dir})\n`);
    expect(readdirSync(writable)).toEqual([]);
    const start = await runAsOther('--port', '0', '--data', dir);
    expect(start.status).toBe(1);
    expect(start.stderr).toBe(`ringside: could not start: cannot write ${dir}: permission denied (it belongs to this user but its mode 0500 gives no write permission: chmod u+wx ${dir})\n`);
    expect(readdirSync(dir).sort()).toEqual(['ringside.db']);
  });
});
