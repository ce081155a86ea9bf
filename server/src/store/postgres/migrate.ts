// Running the frozen PostgreSQL migrations (store/migrations/postgres/) once, however many nodes start together:
// every node takes the same transaction-level advisory lock first, so one migrates and the others then find the
// schema current. ringside_schema says which version the database has (SQLite's user_version).
import type pg from 'pg';
import { PG_MIGRATIONS, type PgMigration } from '../migrations/postgres';
import { newerSchema } from '../schemaVersion';

/** The advisory lock key of migrations ("ringside" in ASCII, shortened to fit a bigint). */
const MIGRATION_LOCK = 0x72696e6773696465n;

export async function schemaVersion(client: pg.PoolClient | pg.Pool): Promise<number> {
  const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('ringside_schema') IS NOT NULL AS ok`);
  if (!exists.rows[0]?.ok) return 0;
  const row = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ringside_schema');
  return Number(row.rows[0]?.v ?? 0);
}

/** Applies every migration newer than the database's version; refuses a database from a newer Ringside. */
export async function migrate(pool: pg.Pool, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // A node starting beside one that migrates waits for it however long that takes: the pool's lock timeout is for
    // requests (db.ts, LOCK_WAIT_MS), not for this.
    await client.query('SET LOCAL lock_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query('CREATE TABLE IF NOT EXISTS ringside_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const current = await schemaVersion(client);
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) throw new Error(newerSchema(current, latest));
    for (const m of migrations.filter((m) => m.version > current)) {
      await client.query(m.sql);
      await client.query('INSERT INTO ringside_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
