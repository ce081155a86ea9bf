// backup and restore on a disk that fills during the copy (a real tmpfs, the built CLI). backup: the refusal names
// the backup file and its disk, not only SQLite's "database or disk is full" (which reads as the data folder's), and
// nothing of the copy is left there, neither the partial file nor the journal SQLite kept beside it. restore: the
// folder's database is left as it was (it was deleted before the copy that failed), and the refusal says so. compact:
// said in its own words (not a request's "nothing from this request was stored"), the database as it was.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { mainJs, repo, useCliScratch } from '../support/cli';
import { call, startTestServer } from '../support/testServer';
import { useTmpfs } from '../support/tmpfs';

const { dataDir } = useCliScratch();

const cli = (...args: string[]) => spawnSync(process.execPath, [mainJs, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });

/** A data folder (on the ordinary disk) whose store is larger than the tmpfs. */
function largeStore(): string {
  const dir = dataDir();
  const db = openDatabase(dir);
  db.exec('CREATE TABLE filler (b BLOB)');
  db.prepare('INSERT INTO filler VALUES (randomblob(?))').run(2 * 1024 * 1024);
  db.close();
  return dir;
}

describe('backup and restore on a full disk', () => {
  const tmpfs = useTmpfs('1m');
  let mountPoint: string | null = null;
  beforeAll(() => {
    mountPoint = tmpfs.mountPoint();
  });

  it('names the backup file and its full disk, and leaves nothing of the copy behind', (ctx) => {
    if (!mountPoint) return ctx.skip(tmpfs.why());
    const to = join(mountPoint, 'backups', 'ringside.db');
    const r = cli('backup', '--data', largeStore(), '--to', to);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ringside backup: cannot write the backup ${to}: the disk holding ${join(mountPoint, 'backups')} is full (SQLITE_FULL)`);
    expect(readdirSync(join(mountPoint, 'backups'))).toEqual([]);
  });

  it('restore that cannot copy the backup in leaves the database as it was, and says so', async (ctx) => {
    if (!mountPoint) return ctx.skip(tmpfs.why());
    const backup = join(dataDir(), 'large.db');
    expect(cli('backup', '--data', largeStore(), '--to', backup).status).toBe(0);
    const dir = join(mountPoint, 'data');
    const server = await startTestServer({ dataDir: dir });
    try {
      expect((await server.postEvents(call({ id: 'kept' }))).status).toBe(201);
    } finally {
      await server.close();
    }
    const before = readFileSync(join(dir, 'ringside.db'));
    const files = readdirSync(dir);

    const r = cli('restore', '--from', backup, '--data', dir);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ringside restore: cannot restore into ${dir}: the disk holding ${dir} is full (ENOSPC); ${join(dir, 'ringside.db')} was left as it was`);
    expect(readdirSync(dir)).toEqual(files); // nothing left of the copy or of a copy kept aside
    expect(readFileSync(join(dir, 'ringside.db')).equals(before)).toBe(true);
  });

  it('compact without room for its copy says so, in its own words, and leaves the database as it was', (ctx) => {
    if (!mountPoint) return ctx.skip(tmpfs.why());
    for (const f of readdirSync(mountPoint)) rmSync(join(mountPoint, f), { recursive: true, force: true });
    // Made on the ordinary disk (the migrations' -wal alone would not fit), then copied in: more than half the
    // tmpfs, so there is no room for VACUUM's second copy.
    const made = dataDir();
    const db = openDatabase(made);
    db.exec('CREATE TABLE filler (b BLOB)');
    db.prepare('INSERT INTO filler VALUES (randomblob(?))').run(500 * 1024);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const dir = join(mountPoint, 'compact');
    mkdirSync(dir);
    copyFileSync(join(made, 'ringside.db'), join(dir, 'ringside.db'));
    const before = readFileSync(join(dir, 'ringside.db'));
    const r = cli('compact', '--data', dir);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ringside compact: the data folder ${dir} is full: compact needs free space up to twice the database's size while it runs; ${join(dir, 'ringside.db')} was left as it was`);
    expect(r.stderr).not.toContain('request');
    expect(readFileSync(join(dir, 'ringside.db')).equals(before)).toBe(true);
  });
});
