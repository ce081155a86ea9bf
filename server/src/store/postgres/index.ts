// The PostgreSQL backend of the store port: for an organisation that runs several Ringside nodes on one database
// (--database postgres://… or RINGSIDE_DATABASE_URL). The data directory still holds each node's own files (the
// audit secret, the admin key, the lock file); the store itself is the database.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { StoreBackend } from '../port';
import { PgCoordination } from './coordination';
import { createPool, LOCK_WAIT_MS, redacted } from './db';
import { migrate, schemaVersion } from './migrate';
import { PG_LATEST_VERSION } from '../migrations/postgres';
import { checkReadableSchema, SchemaError } from '../schemaVersion';
import { PgStore, readOnlyStore } from './store';

export interface PostgresBackendOptions {
  url: string;
  /** Connections per node (default 10). */
  poolSize?: number;
  /** How long a statement waits for a lock before it fails as a 503 (default LOCK_WAIT_MS; tests shorten it). */
  lockTimeoutMs?: number;
}

/** Opening fails with a sentence that says which database could not be reached, and why. */
function openingError(error: unknown, url: string): Error {
  const message = (error as Error)?.message ?? String(error);
  return new Error(`cannot use the PostgreSQL database ${redacted(url)}: ${message}`);
}

/** A database without Ringside's schema, where a store was to be there already (a subcommand, not a start or --init). */
const noStore = (url: string) => new DomainError('not-found', '--database', `no Ringside store in ${redacted(url)}`);

export function postgresBackend(options: PostgresBackendOptions): StoreBackend {
  const size = options.poolSize ?? 10;
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_WAIT_MS;
  const pool = (max = size) => createPool({ url: options.url, max, lockTimeoutMs });
  const noFiles = (what: string) => new DomainError('invalid', '--database', `${what} of a PostgreSQL store is PostgreSQL's own: use pg_dump / pg_restore (docs/operations.md)`);
  return {
    async exists() {
      const p = pool(1);
      try {
        return (await schemaVersion(p)) > 0;
      } catch (error) {
        throw openingError(error, options.url);
      } finally {
        await p.end().catch(() => undefined);
      }
    },
    async open(o) {
      // Writes run one at a time per node (store.ts), on one pipelined connection of the pool's size kept for them.
      const p = pool(size - 1);
      try {
        // As a mistyped --data gets no new SQLite store: a URL naming another database (a typo, or the user's own
        // database when the path is left out) is not given a store no node reads.
        if (o.existing && (await schemaVersion(p)) === 0) throw noStore(options.url);
        await migrate(p);
      } catch (error) {
        await p.end().catch(() => undefined);
        throw error instanceof DomainError ? error : openingError(error, options.url);
      }
      const writes = createPool({ url: options.url, max: 1, pipeline: true, lockTimeoutMs });
      return new PgStore(p, writes, o.now ?? Date.now, new PgCoordination(options.url, randomUUID()), lockTimeoutMs);
    },
    async openReadOnly(_dataDir, readOptions = {}) {
      const p = pool();
      try {
        const version = await schemaVersion(p);
        if (version === 0) throw noStore(options.url);
        checkReadableSchema(version, PG_LATEST_VERSION, `the PostgreSQL database ${redacted(options.url)}`, readOptions);
      } catch (error) {
        await p.end().catch(() => undefined);
        throw error instanceof DomainError || error instanceof SchemaError ? error : openingError(error, options.url);
      }
      return readOnlyStore(p);
    },
    backup: () => Promise.reject(noFiles('a backup')),
    restore: () => Promise.reject(noFiles('restoring')),
    compact: () => Promise.reject(new DomainError('invalid', '--database', "PostgreSQL gives deleted rows' space back by its own VACUUM (autovacuum reuses it; VACUUM FULL returns it to the file system): compact is for a SQLite store (docs/operations.md)")),
  };
}
