// Which store Ringside runs on: the embedded SQLite database in --data DIR (the default), or PostgreSQL when a
// database URL is given (--database postgres://… or RINGSIDE_DATABASE_URL).
import type { StoreBackend } from './store/port';
import { postgresBackend } from './store/postgres';
import { redacted } from './store/postgres/db';
import { databasePath, sqliteBackend } from './store/sqlite';

export { sqliteBackend as storeBackend } from './store/sqlite';

/** Whether `url` names a PostgreSQL database (the only server database Ringside speaks). */
export const isDatabaseUrl = (url: string): boolean => /^postgres(ql)?:\/\/./i.test(url);

/** The refusal of a `setting` (--database, RINGSIDE_DATABASE_URL) that is no PostgreSQL URL; the value without its password. */
export const notADatabaseUrl = (setting: string, url: string): string =>
  `${setting} must be a PostgreSQL URL (postgres://user@host:5432/database), got ${JSON.stringify(redacted(url))}`;

/**
 * The backend for a database URL (PostgreSQL, with `poolSize` connections or its default, its statements waiting at
 * most `lockTimeoutMs` for a lock or its default), or SQLite without one.
 */
export function backendFor(databaseUrl: string | undefined, poolSize?: number, lockTimeoutMs?: number): StoreBackend {
  return databaseUrl ? postgresBackend({ url: databaseUrl, ...(poolSize ? { poolSize } : {}), ...(lockTimeoutMs ? { lockTimeoutMs } : {}) }) : sqliteBackend;
}

/** The SQLite file of a data folder (DIR/ringside.db). */
export { databasePath };

/** The store a start opens, as its log names it: the SQLite file in DIR, or the PostgreSQL URL without its password. */
export const storeName = (databaseUrl: string | undefined, dataDir: string): string => (databaseUrl ? redacted(databaseUrl) : databasePath(dataDir));

/** Whether this user may read or write a data folder, in words (the server's start, the subcommands). */
export { folderAccessProblem, isFolder } from './store/dataFolder';

/** Moving a SQLite store into PostgreSQL (the migrate-to-postgres subcommand), and URLs as logs may show them. */
export { copySqliteToPostgres, setAsideMovedSqlite } from './store/postgres/fromSqlite';
export { redacted as redactedDatabaseUrl };

/** A store whose schema is not this release's, opened read-only (the CLI tells an older one from a newer one). */
export { SchemaError } from './store/schemaVersion';
