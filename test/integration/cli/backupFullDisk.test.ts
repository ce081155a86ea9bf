// backup to a disk that fills during the copy (a real tmpfs, the built CLI): the refusal names the backup file and
// its disk, not only SQLite's "database or disk is full" (which reads as the data folder's), and nothing of the copy
// is left there: neither the partial file nor the journal SQLite kept beside it.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { mainJs, repo, useCliScratch } from '../support/cli';
import { useTmpfs } from '../support/tmpfs';

const { dataDir } = useCliScratch();

describe('backup to a full disk', () => {
  const tmpfs = useTmpfs('1m');
  let mountPoint: string | null = null;
  beforeAll(() => {
    mountPoint = tmpfs.mountPoint();
  });

  it('names the backup file and its full disk, and leaves nothing of the copy behind', (ctx) => {
    if (!mountPoint) return ctx.skip(tmpfs.why());
    const dir = dataDir();
    const db = openDatabase(dir);
    db.exec('CREATE TABLE filler (b BLOB)'); // a store larger than the tmpfs
    db.prepare('INSERT INTO filler VALUES (randomblob(?))').run(2 * 1024 * 1024);
    db.close();
    const to = join(mountPoint, 'backups', 'ringside.db');
    const r = spawnSync(process.execPath, [mainJs, 'backup', '--data', dir, '--to', to], { cwd: repo, encoding: 'utf8', env: { ...process.env, RINGSIDE_DATABASE_URL: '' }, timeout: 30_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ringside backup: cannot write the backup ${to}: the disk holding ${join(mountPoint, 'backups')} is full (SQLITE_FULL)`);
    expect(readdirSync(join(mountPoint, 'backups'))).toEqual([]);
  });
});
