// A full disk, a read-only data folder or an I/O failure: the server is fine, its storage is not.
// SQLite rolls the transaction back, so nothing partial is written; the client may retry later.
import { folderAccessProblem } from '../dataFolder';
import { databasePath } from './database';
import { StorageUnavailable } from '../../domain/errors';
const UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|PROTOCOL)/;

export function isStorageUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNAVAILABLE.test(code) || code === 'ENOSPC' || code === 'EROFS' || code === 'EACCES')) return true;
  return false;
}

/** The data folder has no room for a write. */
export const folderFull = (): StorageUnavailable => new StorageUnavailable('the data folder is full', 'free space, then retry');

/** A storage failure in words; a failure of no known kind is said as a write that failed. */
export function storageFailure(error: unknown): StorageUnavailable {
  const code = errorCode(error);
  if (/FULL|ENOSPC/.test(code)) return folderFull();
  if (/READONLY|EROFS|EACCES/.test(code)) return new StorageUnavailable('the data folder is read-only', 'fix its permissions, then retry');
  if (/BUSY|LOCKED/.test(code)) return new StorageUnavailable('the database is busy', 'retry shortly');
  return new StorageUnavailable('the database could not be written', 'retry later');
}

/** A storage failure as the domain error the edges answer (503 and retry); anything else as it is. */
export function asUnavailable(error: unknown): unknown {
  return isStorageUnavailable(error) ? storageFailure(error) : error;
}

/** SQLite cannot read the file as a database: pages that are not what SQLite wrote, or not its file at all. */
export function isDamaged(error: unknown): boolean {
  return /^SQLITE_(CORRUPT|NOTADB)/.test(errorCode(error));
}

/** Opening the data folder failed: say why in words (main.ts prints it and exits 1). */
export function openingError(error: unknown, dataDir: string): Error {
  const code = errorCode(error);
  const message = (error as Error)?.message ?? String(error);
  if (isDamaged(error)) {
    // The file is kept by restore (as it was), so what was stored in it after the backup can still be recovered.
    return new Error(`${databasePath(dataDir)} is damaged (SQLite: ${message}): restore the newest backup (restore --from FILE --data ${dataDir}; the damaged file is kept beside it), docs/operations.md "Backup and restore"`, { cause: error });
  }
  if (/READONLY|EROFS|EACCES|EPERM/.test(code) || /readonly|read-only/i.test(message)) {
    // A folder this user may not write is said as every command says it (whose it is, what to do); a read-only
    // file system in SQLite's words.
    return new Error(folderAccessProblem(dataDir, 'write') ?? `the data folder ${dataDir} is read-only (or not writable by this user): ${message}`);
  }
  if (/FULL|ENOSPC/.test(code)) return new Error(`the data folder ${dataDir} is full: ${message}`);
  if (/CANTOPEN|IOERR/.test(code)) return new Error(`cannot open the database in ${dataDir} (${code}; is it read-only or missing?): ${message}`);
  return error instanceof Error ? error : new Error(message);
}

/** The code Node and better-sqlite3 put on their errors (ENOSPC, SQLITE_FULL, …); '' when there is none. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
