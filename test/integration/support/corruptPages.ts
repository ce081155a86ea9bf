// A real storage failure for a SQLite test server: every page of some tables overwritten on disk, so reading them
// fails with SQLITE_CORRUPT ("database disk image is malformed") while the rest of the file still works.
import { closeSync, cpSync, openSync, writeSync } from 'node:fs';
import { databasePath, openSqliteFile } from '../../../server/src/store/sqlite/database';
import { tempDataDir } from './testServer';

/**
 * A copy of the (closed) data directory `from` with every page of the b-trees `names` overwritten: tables (with
 * their indexes) or indexes, by name. Returns the copy's path.
 */
export function copyWithCorruptPages(from: string, names: readonly string[]): string {
  const dir = tempDataDir();
  cpSync(from, dir, { recursive: true });
  const file = databasePath(dir);
  const db = openSqliteFile(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const marks = names.map(() => '?').join(',');
  const pages = db
    .prepare(`SELECT DISTINCT pageno FROM dbstat WHERE name IN (${marks}) OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${marks}))`)
    .pluck()
    .all(...names, ...names) as number[];
  db.close();
  if (pages.length === 0) throw new Error(`no pages of ${names.join(', ')} in ${file}`);
  const fd = openSync(file, 'r+');
  for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
  return dir;
}
