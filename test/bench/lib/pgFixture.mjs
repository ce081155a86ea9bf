// The query case's fixture on PostgreSQL: a fresh database per run (created and dropped here), filled from the
// SQLite fixture that generateBulk (bulkLoad.ts) wrote, so both stores hold the same rows. The database is
// migrated and its standards seeded by the product itself (the store as `--database URL` opens it); the rows of
// the tables the load wrote (sites, events, judgements, both rollup grains, both value-histogram grains) are
// streamed by COPY … FROM STDIN in primary-key order, as text; the events' identity goes on after the copied
// seqs, as migrate-to-postgres leaves it. For speed the secondary indexes of events and judgements are dropped
// during the COPY and rebuilt from their stored definitions afterwards, and the session skips the foreign-key
// triggers (session_replication_role = replica: the rows are consistent by construction, as the SQLite load's
// foreign_keys = OFF); then VACUUM ANALYZE, which autovacuum would have run on a store that received these rows.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { serverRequire } from './common.mjs';
import { Database } from './db.mjs';
import { loadStoreTools } from './build.mjs';
import { join } from 'node:path';

const pg = serverRequire('pg');
const ADMIN_URL = process.env.RINGSIDE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The tables generateBulk writes, in an order their foreign keys accept. */
const TABLES = ['sites', 'events', 'judgements', 'rollup_minute', 'rollup_15m', 'rollup_hour', 'value_hist_15m', 'value_hist_day'];
const CHUNK_CHARS = 1 << 18;

export const redactedUrl = (url) => url.replace(/\/\/[^@]*@/, '//');

/** A connected client to the maintenance database, or null and why not (PostgreSQL not reachable). */
async function adminClient() {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return { client };
  } catch (error) {
    await client.end().catch(() => undefined);
    return { reason: `PostgreSQL is not reachable at ${redactedUrl(ADMIN_URL)} (${error.message}); start it or set RINGSIDE_BENCH_PG_URL to a maintenance database where the user may CREATE DATABASE` };
  }
}

/** A fresh database (named after `label`): { url, drop() }, or { reason } when PostgreSQL cannot be reached. */
export async function createBenchDatabase(label = 'query') {
  const admin = await adminClient();
  if (!admin.client) return admin;
  const name = `ringside_bench_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    await admin.client.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.client.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = await adminClient();
      if (!again.client) throw new Error(`could not drop the bench database ${name}: ${again.reason}`);
      try {
        await again.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.client.end();
      }
    },
  };
}

/** COPY … FROM STDIN fed by an (async) iterable of Buffers, as a pg submittable (pg has no COPY API of its own). */
class CopyIn extends pg.Query {
  constructor(text, chunks, callback) {
    super({ text, callback });
    this.chunks = chunks;
  }

  handleCopyInResponse(connection) {
    void (async () => {
      try {
        for await (const chunk of this.chunks) {
          connection.sendCopyFromChunk(chunk);
          if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
        }
        connection.endCopyFrom();
      } catch (error) {
        connection.sendCopyFail(String(error?.message ?? error));
      }
    })();
  }
}

export const copyIn = (client, text, chunks) => new Promise((resolve, reject) => client.query(new CopyIn(text, chunks, (error, result) => (error ? reject(error) : resolve(result)))));

/** A SQLite table's rows (these columns, this order) as COPY text (the store's `copyLine`), in chunks. */
function* sqliteCopyText(db, sql, copyLine) {
  let parts = [];
  let size = 0;
  for (const row of db.prepare(sql).raw(true).iterate()) {
    const line = copyLine(row, row.length);
    parts.push(line);
    size += line.length;
    if (size >= CHUNK_CHARS) {
      yield Buffer.from(parts.join(''));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''));
}

/** PostgreSQL's columns of a table that SQLite has too, and its primary key (the copy's order). */
async function shape(client, db, table) {
  const q = (sql) => client.query(sql, [table]).then((r) => r.rows.map((x) => x.c));
  const pgColumns = await q('SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position');
  const key = await q(`SELECT a.attname AS c FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.n`);
  const sqliteColumns = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table));
  const missing = pgColumns.filter((c) => !sqliteColumns.has(c));
  if (missing.length > 0) throw new Error(`the SQLite fixture's ${table} has no ${missing.join(', ')}: the two schemas differ`);
  return { columns: pgColumns.map((c) => `"${c}"`).join(', '), key: key.map((c) => `"${c}"`).join(', ') };
}

/**
 * Fills the (migrated, standards seeded) database at `url` from the SQLite fixture in `sqliteDir`. Returns the
 * rows copied per table and timings (ms): copy, indexes, vacuum.
 */
export async function copyFixture(sqliteDir, url) {
  const { copyLine } = await loadStoreTools();
  const db = new Database(join(sqliteDir, 'ringside.db'), { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'");
    // Superuser only; without it the foreign keys are checked row by row (slower, same rows).
    await client.query('SET session_replication_role = replica').catch(() => undefined);
    const dropped = (await client.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('events', 'judgements')
      AND indexname NOT IN (SELECT conname FROM pg_constraint)`)).rows;
    for (const i of dropped) await client.query(`DROP INDEX ${i.indexname}`);
    const t0 = performance.now();
    const rows = {};
    for (const table of TABLES) {
      const { columns, key } = await shape(client, db, table);
      const result = await copyIn(client, `COPY ${table} (${columns}) FROM STDIN`, sqliteCopyText(db, `SELECT ${columns} FROM ${table} ORDER BY ${key}`, copyLine));
      rows[table] = result.rowCount;
    }
    const remembered = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() ?? 0;
    const highest = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get();
    await client.query("SELECT setval(pg_get_serial_sequence('events', 'seq'), $1, false)", [Math.max(remembered, highest) + 1]);
    const copyMs = performance.now() - t0;
    const t1 = performance.now();
    for (const i of dropped) await client.query(i.indexdef);
    const indexMs = performance.now() - t1;
    const t2 = performance.now();
    await client.query(`VACUUM ANALYZE ${TABLES.join(', ')}`);
    const vacuumMs = performance.now() - t2;
    // The copy's dirty buffers written out now, not by the checkpointer during the measured requests (superuser or
    // pg_checkpoint only; without it the server's own checkpoints write them, as before).
    const t3 = performance.now();
    const checkpointed = await client.query('CHECKPOINT').then(() => true, () => false);
    return { rows, copyMs, indexMs, vacuumMs, ...(checkpointed ? { checkpointMs: performance.now() - t3 } : {}) };
  } finally {
    await client.end();
    db.close();
  }
}

/** Runs `fn(client)` on a connection to `url`. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Bytes PostgreSQL uses for the database at `url`. */
export const databaseBytes = (url) => withClient(url, async (c) => Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n));
