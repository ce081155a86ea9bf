// Giving the space of deleted rows back to the file system. Pruning frees pages inside ringside.db, which later
// writes reuse, but the file keeps its size: SQLite's VACUUM rewrites it without them. Offline (the caller holds
// <data>/ringside.lock): VACUUM holds the write lock for as long as it copies the whole database.
import { statSync } from 'node:fs';
import type { CompactInfo } from '../port';
import { existingDatabasePath, openSqliteFile } from './database';
import { asUnavailable, errorCode } from './storageErrors';

export function compactDatabase(dataDir: string): CompactInfo {
  const file = existingDatabasePath(dataDir);
  const before = bytesOf(file);
  const db = openSqliteFile(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Into the main file first: what the -wal holds is part of the database and must be in the copy.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    // VACUUM wrote the new pages through the -wal; the checkpoint moves them into the file and truncates it.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    // VACUUM is one transaction: a failure leaves the file as it was. A full folder is the likely one: VACUUM needs
    // room for a second copy of the database (and its -wal) while it runs.
    if (/FULL|ENOSPC/.test(errorCode(error))) {
      throw new Error(`the data folder ${dataDir} is full: compact needs free space up to twice the database's size while it runs; ${file} was left as it was`, { cause: error });
    }
    throw asUnavailable(error);
  } finally {
    db.close();
  }
  return { file, bytesBefore: before, bytesAfter: bytesOf(file) };
}

/** The database's size on disk: the file and its -wal. */
function bytesOf(file: string): number {
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}
