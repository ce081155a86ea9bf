// Fresh PostgreSQL databases for tests: created on the local server (127.0.0.1:5432, trust auth) and dropped when the
// test file is done. RINGSIDE_TEST_PG_URL names another server's maintenance database (default: user postgres,
// database postgres). Where no PostgreSQL answers, the test fails with what to start: it never skips.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.RINGSIDE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${(error as Error).message}). These tests need a PostgreSQL server on ` +
        '127.0.0.1:5432 with trust authentication for local TCP connections: install it (apt-get install postgresql) and start it ' +
        '(service postgresql start), or set RINGSIDE_TEST_PG_URL to a maintenance database where the user may CREATE DATABASE.',
      { cause: error },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on the admin URL's server (ALTER DATABASE, pg_terminate_backend: an outage for a test). */
export function adminSql(sql: string): Promise<void> {
  return admin(async (c) => void (await c.query(sql)));
}

/** The URL of `name` on the admin URL's server. */
function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates empty databases and drops them all at `dropAll` (call it in afterAll). */
export function testDatabases(prefix = 'ringside_test'): { create(): Promise<string>; dropAll(): Promise<void> } {
  const names: string[] = [];
  return {
    async create() {
      const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      names.push(name);
      return databaseUrl(name);
    },
    async dropAll() {
      if (names.length === 0) return;
      await admin(async (c) => {
        for (const name of names.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

/** How many tables the database at `url` has (0: nothing was created in it). */
export async function tablesIn(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()`)).rows[0]!.n;
  } finally {
    await client.end();
  }
}
