// Talking to PostgreSQL with `pg`: a pool, numbers read back as JavaScript numbers (BIGINT epoch milliseconds and
// counters, NUMERIC sums), SQL written with `?` placeholders as the SQLite backend's, and connection failures
// answered as DomainError unavailable (503 with Retry-After at the HTTP edge).
import pg from 'pg';
import { redactedUrl } from '../../domain/redactedUrl';
import { DomainError, StorageUnavailable } from '../../domain/errors';
import { copyRows } from './copy';

const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format) as unknown;
  }) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  /** Connections of this node (default 10). */
  max?: number;
  /**
   * Each query is sent at once, behind the ones not yet answered (pg's pipeline mode), instead of after the previous
   * answer: statements a write does not wait on cost no round trip each. Not for cursors held across queries.
   */
  pipeline?: boolean;
  /**
   * How long a statement may wait for a lock another session holds (PostgreSQL's lock_timeout) before it fails, as
   * a 503; default none (wait as long as it takes). postgresBackend gives every pool it opens LOCK_WAIT_MS, the
   * subcommands' too (prune, keys, migrate-to-postgres); migrations lift it for their own transaction (migrate.ts),
   * and a write while it waits for its turn on the write lock (store.ts).
   */
  lockTimeoutMs?: number;
}

/**
 * How long a node's statements wait for a lock: a table an administrator locked (`LOCK TABLE events`), a long
 * maintenance statement (not a write's turn on the store's write lock, waited for however long: store.ts). Without a bound every request that
 * needs that table waits as long as the lock is held, each holding a connection and its client's socket, with no
 * answer; with it the request is answered 503 `storage-unavailable` saying so, and its client retries. As long as
 * a node waits for a free connection of its pool (connectionTimeoutMillis).
 */
export const LOCK_WAIT_MS = 10_000;

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 10_000,
    pipeline: options.pipeline ?? false,
    ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}),
  });
  // A connection that dies (the server restarted, an administrator terminated it) must not take the process down:
  // an idle one is replaced by the pool; a checked-out one fails its pending query, which answers 503.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

const converted = new Map<string, string>();
/** `?` placeholders as $1, $2, … (none of our SQL has a `?` elsewhere). */
export function numbered(sql: string): string {
  let text = converted.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${(n += 1)}`);
    converted.set(sql, text);
  }
  return text;
}

/** Something that runs queries: the pool (autocommit reads) or one client (a transaction). */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * Queries on one queryable, rows as objects or arrays. On one client (a transaction, a snapshot) they run one after
 * the other even when callers start several at once (Promise.all over a batch): a client takes one query at a time.
 * A pipelined client (PoolOptions.pipeline) is given each query at once; it runs them in the order given, and a
 * caller that does not await one (a write whose answer it does not need) goes on while the database works.
 */
export class Sql {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(readonly db: Queryable) {}

  async rows<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async one<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }

  /** Rows as arrays, in the SELECT's column order. */
  async tuples<T extends unknown[]>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.send({ text: numbered(sql), values: params as unknown[], rowMode: 'array' })).rows as T[];
  }

  /** Runs a statement; the number of rows it touched. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  /**
   * Inserts rows known to be new by COPY (copy.ts): `columnList` names the table's columns in the rows' order. On a
   * pipelined client it goes out at once, as a statement does. The rows copied. On one client only (a write): the
   * pool would not hand its client back after a query it cannot see the end of.
   */
  copy(table: string, columnList: string, rows: readonly (readonly unknown[])[], width: number): Promise<number> {
    const db = this.db;
    if (db instanceof pg.Pool) return Promise.reject(new Error('COPY runs on a client of its own, not on the pool'));
    return this.turnOf(() => copyRows(db, table, columnList, rows, width));
  }

  private query(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    return this.send({ text: numbered(sql), values: params as unknown[] });
  }

  private send(query: pg.QueryConfig & { rowMode?: 'array' }): Promise<pg.QueryResult> {
    return this.turnOf(() => this.db.query(query));
  }

  private turnOf<T>(submit: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        return await submit();
      } catch (error) {
        throw asUnavailable(error);
      }
    };
    if (this.db instanceof pg.Pool || this.db.pipeline) return run();
    const result = this.turn.then(run);
    this.turn = result.catch(() => undefined);
    return result;
  }
}

/**
 * Classes of SQLSTATE that mean the database, not the request, failed: connection exceptions (08), insufficient
 * resources (53), operator intervention (57: shutdown, cancelled), system errors (58); and a refused connection.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' ? raw : '';
  if (/^(08|53|57|58)/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  const message = String((error as Error | null)?.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections/i.test(message);
}

/** SQLSTATE lock_not_available: a statement gave up waiting for a lock (lock_timeout, LOCK_WAIT_MS). */
const LOCK_NOT_AVAILABLE = '55P03';
/** SQLSTATE query_canceled: a statement_timeout the database's administrator set, or pg_cancel_backend. */
const QUERY_CANCELED = '57014';

export function asUnavailable(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  // The database answers, but a lock or a cancel stopped the statement: saying "unreachable" would send an operator
  // to the network. Both are rolled back whole, and a retry may succeed.
  if (code === LOCK_NOT_AVAILABLE) return new StorageUnavailable('the database is busy: a lock another session holds (a LOCK TABLE, a long maintenance statement) kept this request waiting too long', 'retry shortly', { cause: error });
  if (code === QUERY_CANCELED) return new StorageUnavailable('the database cancelled the statement (a statement_timeout, or an administrator cancelled it)', 'retry shortly', { cause: error });
  if (!isDatabaseUnavailable(error)) return error;
  return new StorageUnavailable('the database is unreachable', 'retry shortly');
}

/** A database URL without its password, for logs and messages. */
export function redacted(url: string): string {
  return redactedUrl(url, 'database');
}
