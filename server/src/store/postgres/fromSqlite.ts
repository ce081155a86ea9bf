// Moving a SQLite store into an empty PostgreSQL database (migrate-to-postgres): every table copied row for row in
// one transaction (under the write lock, so no node writes meanwhile), seqs kept as they are (the chain's records name
// them), and each identity continued after the highest number SQLite ever gave out (its AUTOINCREMENT memory), so a
// seq is never reused. The caller verifies the chain on PostgreSQL afterwards.
// Every table of the file is copied but NOT_COPIED's, which hold nothing between transactions; a table of the file
// that is in neither list is refused before anything is written, so a table added later cannot be left behind.
import { existsSync, renameSync, rmSync } from 'node:fs';
import type pg from 'pg';
import { databasePath, existingDatabasePath, openDatabase, openReader } from '../sqlite/database';
import { createPool, Sql } from './db';
import { migrate as migratePg } from './migrate';
import { WRITE_LOCK } from './store';

/**
 * Tables in an order their foreign keys accept. Each is copied in the order of its primary key, and a key column
 * PostgreSQL numbers (an identity) goes on after the copied rows; both are read from PostgreSQL's schema.
 */
const TABLES: readonly string[] = [
  'sites',
  'standards',
  'standard_withdrawals',
  'events',
  'judgements',
  'rollup_minute',
  'rollup_15m',
  'rollup_hour',
  'value_hist_15m',
  'value_hist_day',
  'site_history',
  'audit_chain',
  'chain_tags',
  'audit_corrections',
  'audit_log',
  'audit_checkpoints',
  'pruned_corrections',
  'api_keys',
  'alerts',
  'alert_acks',
  'incidents',
  'incident_changes',
  'incident_deliveries',
  'incident_delivery_attempts',
  // The webhook outbox of the alerts before incidents: read-only history, kept with its alerts.
  'alert_deliveries',
  'alert_delivery_attempts',
  'milestones',
  'cases',
  'case_judgements',
  'case_breaches',
  'event_types',
  'signing_key',
  'audit_secret',
];

/**
 * Tables of the file that are not copied, and why: audit_pruning holds its one flag row only inside a prune's
 * transaction (it lets the append-only triggers allow that prune's deletes), so at rest it is empty, and a copied
 * row would let any later delete through. SQLite's own tables (isSqlitesOwn) are not ours to copy; sqlite_sequence's
 * numbers continue the identities.
 */
const NOT_COPIED: readonly string[] = ['audit_pruning'];

/** SQLite's own tables (sqlite_sequence, and sqlite_stat1/4 once anyone runs ANALYZE or PRAGMA optimize): never ours. */
const isSqlitesOwn = (table: string) => table.startsWith('sqlite_');

const CHUNK = 500;

export interface CopyReport {
  /** Rows copied, per table. */
  rows: Record<string, number>;
  /** The chain head copied (seq, hash), as SQLite had it. */
  head: { seq: number; hash: string } | null;
}

/** Copies the SQLite store of `dataDir` (migrated to the current schema first) into the empty database at `url`. */
export async function copySqliteToPostgres(dataDir: string, url: string): Promise<CopyReport> {
  existingDatabasePath(dataDir);
  openDatabase(dataDir).close(); // brings the file's schema up to date, as starting a server on it would
  const sqlite = openReader(databasePath(dataDir), true);
  try {
    refuseUnknownTables(sqlite);
    refuseNulText(sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
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
      for (const table of TABLES) rows[table] = await copyTable(sqlite, client, table);
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

/**
 * After a verified move, `dataDir`'s SQLite database takes another name (its -wal with it; the -shm is SQLite's
 * index of it, remade on open), so that a start on the folder without --database (RINGSIDE_DATABASE_URL lost) is
 * refused for holding the audit files but no ringside.db, rather than run on this copy and take events the nodes on
 * PostgreSQL never see. Renamed back, it is a SQLite store as before. Returns the new name.
 */
export function setAsideMovedSqlite(dataDir: string, at: Date): string {
  const file = databasePath(dataDir);
  const aside = `${file}.moved-to-postgres-${at.toISOString().replace(/[:.]/g, '-')}`;
  if (existsSync(`${file}-wal`)) renameSync(`${file}-wal`, `${aside}-wal`);
  rmSync(`${file}-shm`, { force: true });
  renameSync(file, aside);
  return aside;
}

/** How many places holding a NUL the refusal names (each table is read to its end regardless). */
const NUL_PLACES_NAMED = 20;

/**
 * Text PostgreSQL cannot keep (U+0000; the API refuses it since, protocol/text.ts, but a file written before may
 * hold it) is named before anything is written: table, the row's primary key, column. Read as bytes (CAST AS BLOB):
 * SQLite's text functions stop at a NUL.
 */
function refuseNulText(sqlite: ReturnType<typeof openReader>): void {
  const places: string[] = [];
  let total = 0;
  for (const table of TABLES) {
    const info = sqlite.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as Array<{ name: string; pk: number }>;
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const holds = (c: string) => `(typeof("${c}") = 'text' AND instr(CAST("${c}" AS BLOB), x'00') > 0)`;
    const rows = sqlite
      .prepare(`SELECT ${[...key, ...info.map((c) => c.name)].map((c) => `"${c}"`).join(', ')} FROM ${table} WHERE ${info.map((c) => holds(c.name)).join(' OR ')} ORDER BY ${(key.length > 0 ? key : ['rowid']).map((c) => `"${c}"`).join(', ')}`)
      .raw(true)
      .all() as unknown[][];
    for (const row of rows) {
      const values = row.slice(key.length);
      const columns = info.filter((_, i) => typeof values[i] === 'string' && values[i].includes('\0')).map((c) => c.name);
      total += columns.length;
      if (places.length >= NUL_PLACES_NAMED) continue;
      const id = key.map((c, i) => `${c} ${JSON.stringify(typeof row[i] === 'bigint' ? Number(row[i]) : row[i])}`).join(', ');
      for (const column of columns) places.push(`${table} (${id}) column ${column}`);
    }
  }
  if (total === 0) return;
  const more = total > places.length ? `; and ${total - places.length} more` : '';
  throw new Error(`the SQLite store holds text with the NUL character (U+0000), which PostgreSQL cannot store: ${places.slice(0, NUL_PLACES_NAMED).join('; ')}${more}. Nothing was copied (docs/operations.md, "Moving a store to PostgreSQL")`);
}

/** Every table of the file is copied or named in NOT_COPIED: one no release knows about stops the move. */
function refuseUnknownTables(sqlite: ReturnType<typeof openReader>): void {
  const tables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((t) => t.name);
  const unknown = tables.filter((t) => !TABLES.includes(t) && !NOT_COPIED.includes(t) && !isSqlitesOwn(t));
  if (unknown.length > 0) throw new Error(`the SQLite store has tables this release cannot copy (${unknown.join(', ')}): nothing was copied`);
}

async function refuseNonEmpty(s: Sql): Promise<void> {
  for (const table of ['events', 'standards', 'sites', 'audit_chain', 'api_keys', 'incidents', 'milestones']) {
    if (await s.one(`SELECT 1 FROM ${table} LIMIT 1`)) throw new Error(`the PostgreSQL database is not empty (${table} has rows): migrate-to-postgres only fills an empty one`);
  }
}

/** The table's columns in PostgreSQL, its primary key's columns in key order, and its identity column (if any). */
async function tableShape(client: pg.PoolClient, table: string): Promise<{ columns: string[]; key: string[]; identity: string | undefined }> {
  const columns = (
    await client.query<{ column_name: string; is_identity: string }>(
      `SELECT column_name, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
  ).rows;
  const key = (
    await client.query<{ column_name: string }>(
      `SELECT k.column_name FROM information_schema.table_constraints c
        JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
        WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position`,
      [table],
    )
  ).rows.map((r) => r.column_name);
  if (key.length === 0) throw new Error(`${table} has no primary key to copy it in order`);
  return { columns: columns.map((c) => c.column_name), key, identity: columns.find((c) => c.is_identity === 'YES')?.column_name };
}

async function copyTable(sqlite: ReturnType<typeof openReader>, client: pg.PoolClient, table: string): Promise<number> {
  const { columns, key, identity } = await tableShape(client, table);
  const list = columns.map((c) => `"${c}"`).join(', ');
  const select = sqlite.prepare(`SELECT ${list} FROM ${table} ORDER BY ${key.map((c) => `"${c}"`).join(', ')}`).raw(true);
  let count = 0;
  let chunk: unknown[][] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const values = chunk.map((row, r) => `(${row.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${table} (${list}) VALUES ${values}`, chunk.flat());
    count += chunk.length;
    chunk = [];
  };
  for (const row of select.iterate() as Iterable<unknown[]>) {
    chunk.push(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    if (chunk.length === CHUNK) await flush();
  }
  await flush();
  if (identity) await continueIdentity(sqlite, client, table, identity);
  return count;
}

/** The table's identity goes on after both its highest row and SQLite's AUTOINCREMENT counter. */
async function continueIdentity(sqlite: ReturnType<typeof openReader>, client: pg.PoolClient, table: string, column: string): Promise<void> {
  const remembered = (sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined)?.seq ?? 0;
  const highest = (sqlite.prepare(`SELECT COALESCE(MAX(${column}), 0) AS m FROM ${table}`).get() as { m: number }).m;
  const next = Math.max(remembered, highest) + 1;
  await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3, false)`, [table, column, next]);
}
