// The commands on a store another release wrote (real files, real processes): one that reads a store as it is
// (verify, keys list) refuses an older or newer schema in words that say which and what to do, rather than SQL's "no
// such table" or a reading of tables it does not know; backup copies an older store but refuses a newer one before it
// writes anything; keys create, which upgrades a store it opens, refuses an older
// store a live server holds (an older release, which would go on writing it as it was) and upgrades it once none does.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { openDatabase, openSqliteFile } from '../../../server/src/store/sqlite/database';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import { mainJs, repo, useCliScratch } from '../support/cli';

const { dataDir } = useCliScratch();
const LATEST = MIGRATIONS.at(-1)!.version;
const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });
const others: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const c of others.splice(0)) c.kill('SIGKILL');
});

/** A data folder whose ringside.db an older release wrote: the migrations before the newest one. */
function olderStore(): string {
  const dir = dataDir();
  const db = openSqliteFile(join(dir, 'ringside.db'));
  db.pragma('journal_mode = WAL');
  expect(migrate(db, MIGRATIONS.slice(0, -1))).toBe(LATEST - 1);
  db.close();
  return dir;
}

function versionOf(dir: string): number {
  const db = openSqliteFile(join(dir, 'ringside.db'), { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** When the kernel started `pid` (/proc/<pid>/stat field 22, counted after the name's ")"). */
const startOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[19]);

describe('commands on a store of another release', () => {
  it('verify and keys list refuse an older store, saying so and how to upgrade it, and leave it as it was', () => {
    const dir = olderStore();
    for (const args of [['verify', '--data', dir], ['keys', 'list', '--data', dir]]) {
      const r = cli(...args);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${join(dir, 'ringside.db')} has database schema version ${LATEST - 1}, older than this Ringside's (${LATEST})`);
      expect(r.stderr).toContain("start this release's server on it once (it upgrades the store at start");
    }
    expect(versionOf(dir)).toBe(LATEST - 1);
  });

  it('verify and keys list refuse a newer store as a start does', () => {
    const dir = dataDir();
    const db = openDatabase(dir);
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    for (const args of [['verify', '--data', dir], ['keys', 'list', '--data', dir]]) {
      const r = cli(...args);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`database schema version ${LATEST + 1} is newer than this Ringside understands (${LATEST}); upgrade Ringside`);
    }
  });

  it('backup refuses a newer store before it writes anything, and copies an older one as it is', () => {
    const newer = dataDir();
    const db = openDatabase(newer);
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    const to = join(dataDir(), 'backup.db');
    const r = cli('backup', '--data', newer, '--to', to);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${join(newer, 'ringside.db')}: database schema version ${LATEST + 1} is newer than this Ringside understands (${LATEST}); upgrade Ringside`);
    expect(existsSync(to)).toBe(false);
    expect(existsSync(`${to}.partial`)).toBe(false);

    const older = cli('backup', '--data', olderStore(), '--to', to);
    expect(older.status, older.stderr).toBe(0);
    expect(older.stderr).toContain(`backup written to ${to} (0 events, schema version ${LATEST - 1})`);
  });

  it.runIf(process.platform === 'linux')('keys create does not upgrade an older store under the live server that holds it; once it stopped, it does', async () => {
    const dir = olderStore();
    // The older release's server: a live process its lock names (this release cannot run an older one).
    const server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    others.push(server);
    const lock = { pid: server.pid!, processStart: startOf(server.pid!), startedAt: '2026-12-01T00:00:00.000Z', url: 'http://127.0.0.1:4870' };
    writeFileSync(join(dir, 'ringside.lock'), JSON.stringify(lock) + '\n');

    const refused = cli('keys', 'create', '--data', dir, '--name', 'wallboard', '--scope', 'read');
    expect(refused.status, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`a Ringside server (pid ${server.pid}, http://127.0.0.1:4870, started 2026-12-01T00:00:00.000Z) is using ${dir}`);
    expect(refused.stderr).toContain(`database schema version ${LATEST - 1}, older than this Ringside's (${LATEST}): this command would upgrade the store under that server`);
    expect(versionOf(dir)).toBe(LATEST - 1);

    const gone = once(server, 'exit');
    server.kill('SIGKILL');
    await gone;
    const made = cli('keys', 'create', '--data', dir, '--name', 'wallboard', '--scope', 'read');
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^rs_/);
    expect(versionOf(dir)).toBe(LATEST);
  });
});
