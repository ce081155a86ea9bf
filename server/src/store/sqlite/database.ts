// Opening the SQLite file with the settings Ringside's guarantees depend on: one read-write connection (the
// writer, which also migrates), read-only connections for reads outside writes and for snapshots.
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../domain/errors';
import { othersMayRead, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '../../domain/fileModes';
import { folderAccessProblem } from '../dataFolder';
import { migrate } from './migrate';

export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'ringside.db';
/** Page cache of a snapshot's connection, in KiB. */
const SNAPSHOT_CACHE_KB = 2048;

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/**
 * DIR's database file, which must be there: what works on an existing store (verify, backup, the subcommands that
 * manage one) never creates it, since a mistyped --data would otherwise get a new, empty store. A folder this user
 * may not read is said so first: it hides whether the file is there.
 */
export function existingDatabasePath(dataDir: string): string {
  const denied = folderAccessProblem(dataDir, 'read');
  if (denied) throw new DomainError('forbidden', '--data', denied);
  const file = databasePath(dataDir);
  if (!existsSync(file)) throw new DomainError('not-found', '--data', `no database in ${dataDir} (no ${DATABASE_FILE}; is --data the server's data directory?)`);
  return file;
}

/**
 * DIR's database file, created (with DIR, if missing) for its owner only before SQLite opens it: SQLite gives the
 * -wal and -shm files it creates beside it the main file's mode, and would create the main file readable by all.
 * An existing file keeps its mode.
 */
function privateDatabasePath(dataDir: string): string {
  // Said in words before mkdir's own (EEXIST for a file given as the folder, EACCES) name neither what nor why.
  const denied = folderAccessProblem(dataDir, 'write');
  if (denied) throw new Error(denied);
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  const file = databasePath(dataDir);
  try {
    closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
  } catch {
    /* there already, or the folder refuses it: SQLite opens it, or says why not */
  }
  return file;
}

/**
 * What to tell the operator about DIR's database file: that every user of the machine may read it (a file made by a
 * release that created it so, or opened on purpose), with how to close it. Null when it is private enough or absent.
 */
export function databaseExposure(dataDir: string): string | null {
  const file = databasePath(dataDir);
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return null;
  }
  if (!othersMayRead(mode)) return null;
  return `${file} is readable by every user of this machine (mode 0${mode.toString(8)}): it holds every event, agent names and API key hashes; \`chmod 600 ${file}*\` makes it (and its -wal and -shm files) the owner's only. Ringside creates new databases so, and leaves an existing file's mode as it is`;
}

/** The read-write connection: creates and migrates the file. */
export function openDatabase(dataDir: string): Database.Database {
  const db = new Database(privateDatabasePath(dataDir));
  try {
    // WAL: readers (dashboards, reports, exports) never block the writer (ingest), nor it them.
    db.pragma('journal_mode = WAL');
    // FULL, not WAL's usual NORMAL: with NORMAL a commit lives only in the OS cache until the next
    // checkpoint, so a power loss or OS crash can drop events we already answered 201 for. FULL fsyncs
    // the WAL on every commit: once acknowledged, an event survives a crash. Batches keep it cheap.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Group commit writes each request in a savepoint of one transaction; a page the transaction already changed is
    // copied to the savepoint's journal before a later savepoint changes it again. That journal is temporary storage:
    // in memory it costs a copy, in a temp file a write() per page (a third of the writer's CPU time for groups of
    // single-event requests). Durability is the WAL's (synchronous = FULL), never the temp store's.
    db.pragma('temp_store = MEMORY');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * A read-only connection (after the writer opened the file). `scanning`: for a snapshot that scans in index order
 * (exports, verify), where a small page cache does as well as better-sqlite3's 16 MB default, which an export of a
 * large store fills, adding 16 MB to the RSS per open export. The reads of figures keep the default: they read the
 * same rollup pages again and again.
 */
export function openReader(file: string, scanning = false): Database.Database {
  const reader = new Database(file, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  if (scanning) reader.pragma(`cache_size = -${SNAPSHOT_CACHE_KB}`);
  return reader;
}

/** A file as it is, without migrating it (upgrade tests, inspection and repair tools). */
export function openRawDatabase(dataDir: string): Database.Database {
  return new Database(privateDatabasePath(dataDir));
}

/** A SQLite file by its path, as it is (backups, tests that look at a file as an auditor would). */
export function openSqliteFile(file: string, options?: Database.Options): Database.Database {
  return new Database(file, options);
}

/** Whether the database has the table `name` (a database not yet migrated by this version may predate it). */
export function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Prepared statements of a connection, by their SQL text (prepared on first use). */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly rawCache = new Map<string, Database.Statement>();
  constructor(readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** The statement answering rows as arrays (no row objects: cheaper for many rows). */
  raw(sql: string): Database.Statement {
    let s = this.rawCache.get(sql);
    if (!s) this.rawCache.set(sql, (s = this.db.prepare(sql).raw(true)));
    return s;
  }
}
