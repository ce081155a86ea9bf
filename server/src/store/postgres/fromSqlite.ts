// Moving a SQLite store into an empty PostgreSQL database (migrate-to-postgres): every table copied row for row in
// one transaction (under the write lock, so no node writes meanwhile), seqs kept as they are (the chain's records name
// them), and each identity continued after the highest number SQLite ever gave out (its AUTOINCREMENT memory), so a
// seq is never reused. The caller verifies the chain on PostgreSQL afterwards.
import type pg from 'pg';
import { existsSync } from 'node:fs';
import { DomainError } from '../../domain/errors';
import { databasePath, openDatabase, openReader } from '../sqlite/database';
import { createPool, Sql } from './db';
import { migrate as migratePg } from './migrate';
import { WRITE_LOCK } from './store';

/** Tables in an order their foreign keys accept, with their identity column (if any). */
const TABLES: ReadonlyArray<{ name: string; order: string; identity?: string }> = [
  { name: 'sites', order: 'name' },
  { name: 'standards', order: 'id, version' },
  { name: 'events', order: 'seq', identity: 'seq' },
  { name: 'judgements', order: 'event_seq, standard_id' },
  { name: 'rollup_minute', order: 'standard_id, bucket_ms, site, standard_version' },
  { name: 'rollup_15m', order: 'standard_id, bucket_ms, site, standard_version' },
  { name: 'value_hist_15m', order: 'site, standard_id, bucket_ms, standard_version, value' },
  { name: 'value_hist_day', order: 'site, standard_id, bucket_ms, standard_version, value' },
  { name: 'site_history', order: 'seq', identity: 'seq' },
  { name: 'audit_chain', order: 'seq' },
  { name: 'audit_corrections', order: 'seq', identity: 'seq' },
  { name: 'audit_log', order: 'seq', identity: 'seq' },
  { name: 'audit_checkpoints', order: 'seq', identity: 'seq' },
  { name: 'pruned_corrections', order: 'site, standard_id, bucket_ms, standard_version' },
  { name: 'api_keys', order: 'id' },
  { name: 'alerts', order: 'id', identity: 'id' },
  { name: 'alert_acks', order: 'alert_id' },
  { name: 'incidents', order: 'id', identity: 'id' },
  { name: 'incident_changes', order: 'seq', identity: 'seq' },
  { name: 'incident_deliveries', order: 'id', identity: 'id' },
  { name: 'incident_delivery_attempts', order: 'delivery_id, attempt' },
  { name: 'milestones', order: 'seq', identity: 'seq' },
  { name: 'cases', order: 'type, site, case_id' },
  { name: 'case_judgements', order: 'seq', identity: 'seq' },
  { name: 'case_breaches', order: 'type, site, case_id, standard_id' },
  { name: 'event_types', order: 'id' },
];

const CHUNK = 500;

export interface CopyReport {
  /** Rows copied, per table. */
  rows: Record<string, number>;
  /** The chain head copied (seq, hash), as SQLite had it. */
  head: { seq: number; hash: string } | null;
}

/** Copies the SQLite store of `dataDir` (migrated to the current schema first) into the empty database at `url`. */
export async function copySqliteToPostgres(dataDir: string, url: string): Promise<CopyReport> {
  if (!existsSync(databasePath(dataDir))) throw new DomainError('not-found', '--data', `no SQLite store in ${dataDir}`);
  openDatabase(dataDir).close(); // brings the file's schema up to date, as starting a server on it would
  const sqlite = openReader(databasePath(dataDir), true);
  const pool = createPool({ url, max: 2 });
  try {
    await migratePg(pool);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK.toString()]);
      await refuseNonEmpty(new Sql(client));
      sqlite.exec('BEGIN'); // one read snapshot of the file for the whole copy
      const rows: Record<string, number> = {};
      for (const t of TABLES) rows[t.name] = await copyTable(sqlite, client, t);
      const head = sqlite.prepare('SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      sqlite.exec('COMMIT');
      await client.query('COMMIT');
      return { rows, head: head ?? null };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } finally {
    sqlite.close();
    await pool.end();
  }
}

async function refuseNonEmpty(s: Sql): Promise<void> {
  for (const table of ['events', 'standards', 'sites', 'audit_chain', 'api_keys', 'incidents', 'milestones']) {
    if (await s.one(`SELECT 1 FROM ${table} LIMIT 1`)) throw new Error(`the PostgreSQL database is not empty (${table} has rows): migrate-to-postgres only fills an empty one`);
  }
}

async function copyTable(sqlite: ReturnType<typeof openReader>, client: pg.PoolClient, t: (typeof TABLES)[number]): Promise<number> {
  const columns = (await client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [t.name])).rows.map((r: { column_name: string }) => r.column_name);
  const list = columns.map((c) => `"${c}"`).join(', ');
  const select = sqlite.prepare(`SELECT ${list} FROM ${t.name} ORDER BY ${t.order}`).raw(true);
  let count = 0;
  let chunk: unknown[][] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const values = chunk.map((row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${t.name} (${list}) VALUES ${values}`, chunk.flat());
    count += chunk.length;
    chunk = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    chunk.push(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    if (chunk.length === CHUNK) await flush();
  }
  await flush();
  if (t.identity) await continueIdentity(sqlite, client, t.name, t.identity);
  return count;
}

/** The table's identity goes on after both its highest row and SQLite's AUTOINCREMENT counter. */
async function continueIdentity(sqlite: ReturnType<typeof openReader>, client: pg.PoolClient, table: string, column: string): Promise<void> {
  const remembered = (sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined)?.seq ?? 0;
  const highest = (sqlite.prepare(`SELECT COALESCE(MAX(${column}), 0) AS m FROM ${table}`).get() as { m: number }).m;
  const next = Math.max(remembered, highest) + 1;
  await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3, false)`, [table, column, next]);
}
