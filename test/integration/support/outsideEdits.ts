// Editing a test server's store directly, outside Ringside, as an auditor's trial would: plain SQL on its SQLite file
// or on its PostgreSQL database (the integration-postgres project), and updates of append-only tables past their guard
// triggers.
import pg from 'pg';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { databaseUrlOf } from './testServer';

const onPostgres = () => process.env.RINGSIDE_TEST_BACKEND === 'postgres';

/** `?` placeholders as PostgreSQL numbers them. */
const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${(n += 1)}`);
};

/** A client of the data directory's PostgreSQL database, for `use` and closed after it. */
async function withClient<T>(dataDir: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: (await databaseUrlOf(dataDir))! });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL (`?` placeholders) on the store of `dataDir` directly; rows as objects, numbers as numbers. */
export async function storeSql(dataDir: string, text: string, args: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const numeric = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])));
  if (onPostgres()) return withClient(dataDir, async (client) => numeric((await client.query(numbered(text), args)).rows));
  const db = openDatabase(dataDir);
  try {
    const statement = db.prepare(text);
    if (statement.reader) return statement.all(...args) as Array<Record<string, unknown>>;
    statement.run(...args);
    return [];
  } finally {
    db.close();
  }
}

/**
 * Updates an append-only table as someone with the store's files would: past its guard triggers (dropped and put back
 * around the UPDATE on SQLite; on PostgreSQL, a session that fires no triggers).
 */
export async function tamper(dataDir: string, table: string, set: string, where: string, args: unknown[]): Promise<void> {
  const text = `UPDATE ${table} SET ${set} WHERE ${where}`;
  if (onPostgres()) {
    await withClient(dataDir, async (client) => {
      await client.query('SET session_replication_role = replica');
      await client.query(numbered(text), args);
    });
    return;
  }
  const db = openDatabase(dataDir);
  try {
    const triggers = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?").all(table) as Array<{ name: string; sql: string }>;
    db.transaction(() => {
      for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
      db.prepare(text).run(...args);
      for (const t of triggers) db.exec(t.sql);
    })();
  } finally {
    db.close();
  }
}
