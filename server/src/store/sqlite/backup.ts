// Online backup (SQLite's backup API: a consistent copy, also while the server writes) and restore of a file.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../../domain/fileModes';
import { GENESIS_HASH, lastAgreement } from '../../domain/chain';
import type { BackupInfo, ChainHead, RestoreInfo } from '../port';
import { LATEST_VERSION } from '../migrations';
import { folderAccessProblem, isFolder } from '../dataFolder';
import { CHAIN_SQL } from './chain';
import { databasePath, existingDatabasePath, hasTable } from './database';
import { schemaVersion } from './migrate';
import { errorCode, isDamaged } from './storageErrors';
import { newerSchema } from '../schemaVersion';

export async function backupDatabase(dataDir: string, toFile: string): Promise<BackupInfo> {
  const source = existingDatabasePath(dataDir);
  if (existsSync(toFile)) throw new Error(`${toFile} already exists; choose a new file name`);
  // A missing folder is made (the owner's only), and the caller says so: a mistyped path shows where the copy went.
  // A normal (read-write) connection: it takes part in WAL, so the copy includes every committed transaction.
  const createdFolder = unwritable(toFile, () => makeFolder(dirname(toFile)));
  const db = new Database(source, { fileMustExist: true });
  const partial = toFile + '.partial';
  let checked: ReturnType<typeof inspect>;
  try {
    db.pragma('busy_timeout = 5000');
    // The copy holds what the database does: made the owner's only before SQLite writes into it (empty, it is a new
    // database to SQLite, which keeps the file's mode and gives its journal the same).
    unwritable(toFile, () => {
      rmSync(partial, { force: true });
      closeSync(openSync(partial, 'wx', PRIVATE_FILE_MODE));
    });
    // A newer release's store is refused before anything is copied, as every command of this release refuses it.
    const version = schemaVersion(db);
    if (version > LATEST_VERSION) throw new Error(`${source}: ${newerSchema(version, LATEST_VERSION)}`);
    try {
      await db.backup(partial);
      singleFile(partial);
    } catch (error) {
      // Only the copy is written: a full disk is the backup's (SQLite's words would read as the data folder's).
      throw errorCode(error).startsWith('SQLITE_FULL') ? cannotWrite(toFile, error) : error;
    }
    // Checked before it takes its name: a copy that fails the check (the database itself damaged) is not left as
    // a backup beside the refusal.
    checked = inspect(partial, `the copy of ${source}`);
    renameSync(partial, toFile);
  } catch (error) {
    // Nothing half-written is kept; SQLite's "readonly database" (a folder this user may not write, whose -shm it
    // would have to make) said as every command says it.
    try {
      // The copy, and the rollback journal SQLite keeps beside it while it writes (left when the write failed).
      for (const suffix of ['', '-journal']) rmSync(partial + suffix, { force: true });
    } catch {
      // A folder this user may not search has no copy of ours in it either; the first failure is the one to say.
    }
    // SQLITE_READONLY at the copy; SQLITE_READONLY_CANTINIT and the like at the first read (the schema's version).
    const readOnly = errorCode(error).startsWith('SQLITE_READONLY') ? folderAccessProblem(dataDir, 'write') : null;
    if (error instanceof BackupProblem) throw new Error(`${error.message}; no backup was written`, { cause: error });
    throw readOnly ? new Error(readOnly) : error;
  } finally {
    db.close();
  }
  return { file: toFile, ...checked, ...(createdFolder !== undefined ? { createdFolder } : {}) };
}

/**
 * Creates `dir` and the folders above it that are missing (the owner's only), one at a time: Node's recursive mkdir
 * never returns where mkdir answers ENOENT under a folder that exists (/proc). The outermost one created; undefined
 * when `dir` was there.
 */
function makeFolder(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const at of missing) mkdirSync(at, { mode: PRIVATE_FOLDER_MODE });
  return missing[0];
}

/** `write`'s result, or its failure as why `toFile` cannot be written, naming it (not Node's raw words). */
function unwritable<T>(toFile: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw cannotWrite(toFile, error);
  }
}

function cannotWrite(toFile: string, error: unknown): Error {
  const code = errorCode(error);
  return new Error(`cannot write the backup ${toFile}: ${whyNot(dirname(toFile), code, error as Error)} (${code || 'error'})`, { cause: error });
}

function whyNot(folder: string, code: string, error: Error): string {
  if (/EACCES|EPERM/.test(code)) return folderAccessProblem(folder, 'write') ?? 'permission denied';
  if (code === 'EROFS') return `${folder} is on a read-only file system`;
  if (code === 'ENOSPC' || code.startsWith('SQLITE_FULL')) return `the disk holding ${folder} is full`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `files cannot be created in ${folder}`;
  return error.message;
}

/**
 * The copy keeps the source's WAL mode, so every later open of it (our own check, a restore, sqlite3) would
 * create -wal and -shm files beside it, and a read-only open leaves them there. Rollback-journal mode makes the
 * backup one self-contained file; a restored database is switched back to WAL when the server opens it.
 */
function singleFile(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** Checks a backup file: a Ringside database this version can open, and intact. */
function inspect(file: string, name = file): { bytes: number; events: number; schemaVersion: number } {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupProblem(`${name} failed SQLite's integrity check: ${String(check)}`);
    const version = schemaVersion(db);
    const latest = LATEST_VERSION;
    if (version < 1 || version > latest) throw new BackupProblem(`${name} has schema version ${version}; this Ringside reads 1 to ${latest}`);
    const events = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    const { page_count, page_size } = { page_count: db.pragma('page_count', { simple: true }) as number, page_size: db.pragma('page_size', { simple: true }) as number };
    return { bytes: page_count * page_size, events, schemaVersion: version };
  } catch (error) {
    // SQLite's own words ("file is not a database", "no such table: events") name neither the file nor what it is not.
    if (error instanceof BackupProblem) throw error;
    throw new BackupProblem(`${name} is not a Ringside database: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/** A backup file refused, its message naming the file. */
class BackupProblem extends Error {}

/**
 * Replaces <data>/ringside.db with a backup (the caller checks that no server uses the folder). The current database
 * (if any) is kept as ringside.db.before-restore-<time> unless --force, or it holds nothing: no events, and no chain
 * link the restored one lacks (the only record of heads published from it). Migrations run on next start.
 */
export function restoreDatabase(fromFile: string, dataDir: string, options: { force?: boolean } = {}): RestoreInfo {
  // SQLite's words for a missing file ("unable to open database file") read as if it were there but broken.
  if (isMissing(fromFile)) throw new BackupProblem(`${fromFile} does not exist`);
  // SQLite's words for a folder ("disk I/O error") read as a damaged file; a data folder given here is the likely slip.
  if (isFolder(fromFile)) throw new BackupProblem(`${fromFile} is a folder, not a backup file: --from names the file that backup --to wrote${existsSync(databasePath(fromFile)) ? ` (this folder holds a store: back it up first, backup --data ${fromFile} --to FILE, and restore that FILE)` : ''}`);
  const checked = inspect(fromFile);
  const target = databasePath(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  let replaced: string | null = null;
  // The restored file keeps the mode of the one it replaces (the operator's choice); a new one is the owner's only.
  const mode = existsSync(target) ? statSync(target).mode & 0o777 : PRIVATE_FILE_MODE;
  const damaged = existsSync(target) ? unreadable(target) : null;
  const compared = existsSync(target) && !damaged ? chainRewound(target, fromFile, options.force === true) : undefined;
  const rewound = compared ?? null;
  // The backup is copied in first, the current database kept aside next, and only then is anything of the current
  // one removed: a copy that fails (a full disk) leaves the folder's database as it was, never none at all.
  const staging = join(dataDir, `.restore-${process.pid}.db`);
  try {
    copyFileSync(fromFile, staging);
    chmodSync(staging, mode); // not the backup's mode: the copy was made by whoever made the backup
    if (existsSync(target) && !options.force) {
      if (damaged) {
        // Kept as it is, its -wal beside it: SQLite could not read it, so it cannot checkpoint it either, and what it
        // holds that the backup does not (acknowledged after the backup was taken) is recovered from these files.
        replaced = beforeRestoreName(target);
        for (const suffix of ['', '-wal']) if (existsSync(target + suffix)) copyFileSync(target + suffix, replaced + suffix);
      } else if (rewound || eventCount(target) > 0) {
        replaced = beforeRestoreName(target);
        // Checkpoint the current file into one piece, then keep it aside.
        const db = new Database(target);
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        copyFileSync(target, replaced);
      }
    }
  } catch (error) {
    for (const file of [staging, ...(replaced ? [replaced, `${replaced}-wal`] : [])]) rmSync(file, { force: true });
    const code = errorCode(error);
    throw new Error(`cannot restore into ${dataDir}: ${whyNot(dataDir, code, error as Error)} (${code || 'error'})${existsSync(target) ? `; ${target} was left as it was` : ''}`, { cause: error });
  }
  // The current database's -wal and -shm belong to it, not to the file taking its name (SQLite would read them as
  // its own); its -wal is in the copy kept aside (checkpointed into it, or copied beside it).
  for (const suffix of ['-wal', '-shm']) rmSync(target + suffix, { force: true });
  renameSync(staging, target); // atomic on one file system: never a half-copied ringside.db
  return { replaced, events: checked.events, rewound, damaged, chainCompared: compared !== undefined };
}

const beforeRestoreName = (target: string) => `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;

/**
 * Why SQLite cannot read the database at `file` (its words), or null when it can: every page is read (quick_check,
 * about as long as the copy the restore makes), so a damaged file is known before it is replaced, not by a read that
 * happens to meet the damage.
 */
function unreadable(file: string): string | null {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const result = db.pragma('quick_check(1)', { simple: true }) as string;
      return result === 'ok' ? null : result;
    } finally {
      db.close();
    }
  } catch (error) {
    if (isDamaged(error)) return (error as Error).message;
    throw error;
  }
}

/**
 * What the chain of the database being replaced (`current`) holds that the backup's does not: both heads and the
 * last link they share, or null when it holds nothing more (the backup's chain passes through its head) or either
 * predates the chain (migration 5). The last link both share is found by halving (lastAgreement). `force`: a
 * damaged database (the reason for --force, often) has nothing to compare (undefined), and is replaced all the same.
 */
function chainRewound(current: string, backup: string, force: boolean): RestoreInfo['rewound'] | undefined {
  const open = (file: string) => new Database(file, { readonly: true, fileMustExist: true });
  try {
    return withBoth(open(current), () => open(backup), (a, b) => {
      if (!hasTable(a, 'audit_chain') || !hasTable(b, 'audit_chain')) return null;
      const head = (db: Database.Database) => (db.prepare(CHAIN_SQL.head).get() as ChainHead | undefined) ?? { seq: 0, hash: GENESIS_HASH };
      const [replacedHead, restoredHead] = [head(a), head(b)];
      const [hashA, hashB] = [a.prepare(CHAIN_SQL.hashAt).pluck(true), b.prepare(CHAIN_SQL.hashAt).pluck(true)];
      const same = (seq: number) => {
        const hash = hashA.get(seq) as string | undefined;
        return hash !== undefined && hash === hashB.get(seq);
      };
      const sharedSeq = lastAgreement(Math.min(replacedHead.seq, restoredHead.seq), same);
      return sharedSeq < replacedHead.seq ? { replacedHead, restoredHead, sharedSeq } : null;
    });
  } catch (error) {
    if (force) return undefined;
    throw error;
  }
}

/** `fn` over two open databases, both closed again however it ends (the second opened only once the first is). */
function withBoth<T>(a: Database.Database, openB: () => Database.Database, fn: (a: Database.Database, b: Database.Database) => T): T {
  try {
    const b = openB();
    try {
      return fn(a, b);
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}

/** Whether nothing is at `file` (not: whether this user may not look). */
function isMissing(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** How many events a database file holds (0 when it has no events table yet). */
function eventCount(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return hasTable(db, 'events') ? (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}
