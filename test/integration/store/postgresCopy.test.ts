// COPY on the store's connections (store/postgres/copy.ts): the rows read back as given in every column type the
// store copies into (text, double precision, bigint, smallint), on a plain and on a pipelined client; and a COPY
// whose data goes out behind it without waiting for the server's go-ahead fails alone when it fails (the statement
// refused, or a row refused mid-copy): its own error, the statements sent right behind it answered as usual, the
// connection still usable.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, Sql } from '../../../server/src/store/postgres/db';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_copy');
let url: string;
beforeAll(async () => {
  url = await databases.create();
  const pool = createPool({ url, max: 1 });
  await pool.query('CREATE TABLE copied (k BIGINT PRIMARY KEY, t TEXT, d DOUBLE PRECISION, i BIGINT, s SMALLINT)');
  await pool.end();
});
afterAll(() => databases.dropAll());

const TEXTS = ['', 'plain', 'tab\there', 'new\nline', 'cr\rlf\r\n', 'back\\slash', '\\', 'ends\\', '\\N', 'NULL', '\\.', '\\.\n', '\\t literally', '"quoted", {braces}', 'Zürich ✓ 東京 👩‍💻 \u200f', null];
const NUMBERS = [0, -0.5, 1 / 3, 1e21, 5e-324, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null];
type Row = [k: number, t: string | null, d: number | null, i: number | null, s: number | null];
const rows = (from: number): Row[] =>
  TEXTS.map((t, n) => [from + n, t, NUMBERS[n % NUMBERS.length]!, n % 5 === 4 ? null : (n % 2 === 0 ? 1 : -1) * (Number.MAX_SAFE_INTEGER - n), n % 3 === 2 ? null : n % 2]);

const read = (s: Sql, from: number, to: number) => s.tuples<Row>('SELECT k, t, d, i, s FROM copied WHERE k >= ? AND k < ? ORDER BY k', [from, to]);

it('is refused on the pool, which would not take back a client after a query it cannot see the end of', async () => {
  const pool = createPool({ url, max: 1 });
  try {
    await expect(new Sql(pool).copy('copied', 'k', [[-1]], 1)).rejects.toThrow(/client of its own/);
    expect(await new Sql(pool).one<{ n: number }>('SELECT count(*) AS n FROM copied WHERE k = -1')).toEqual({ n: 0 });
  } finally {
    await pool.end();
  }
});

describe.each([
  ['a plain client', false],
  ['a pipelined client', true],
])('COPY on %s', (_, pipeline) => {
  const base = pipeline ? 1_000 : 0;
  const withClient = async (fn: (s: Sql, client: pg.PoolClient) => Promise<void>) => {
    const pool = createPool({ url, max: 1, pipeline });
    const client = await pool.connect();
    try {
      await fn(new Sql(client), client);
    } finally {
      client.release();
      await pool.end();
    }
  };

  it('reads back every value as given, the statements sent behind it seeing its rows', async () => {
    await withClient(async (s) => {
      const given = rows(base);
      const copied = s.copy('copied', 'k, t, d, i, s', given, 5);
      const back = read(s, base, base + 100); // sent at once behind the COPY on a pipelined client
      expect(await copied).toBe(given.length);
      expect(await back).toEqual(given);
      expect(await s.copy('copied', 'k, t, d, i, s', [], 5)).toBe(0);
    });
  });

  it('reads back rows whose text outgrows the buffer it is first written into (long, multi-byte, escaped text)', async () => {
    await withClient(async (s) => {
      const from = base + 300;
      // The data's first buffer is sized by rows and columns (4 KiB here): each of these rows is many times that.
      const given: Row[] = ['東'.repeat(40_000), `${'a\tb\\'.repeat(10_000)}👩‍💻`, 'é'.repeat(70_000)].map((t, n) => [from + n, t, n, n, n]);
      expect(await s.copy('copied', 'k, t, d, i, s', given, 5)).toBe(given.length);
      expect(await read(s, from, from + 10)).toEqual(given);
    });
  });

  it('a COPY refused at its statement or at a row fails alone; what is sent behind it runs, in a transaction as aborted', async () => {
    await withClient(async (s) => {
      const from = base + 500;
      const refused = s.copy('no_such_table', 'k', [[1]], 1);
      const after = s.one<{ n: number }>('SELECT 1 AS n');
      await expect(refused).rejects.toThrow(/no_such_table/);
      expect(await after).toEqual({ n: 1 });

      const duplicate = s.copy('copied', 'k, t, d, i, s', [...rows(from), [from, 'again', 0, 0, 0]], 5);
      const behind = s.one<{ n: number }>('SELECT count(*) AS n FROM copied WHERE k >= ?', [from]);
      await expect(duplicate).rejects.toThrow(/copied_pkey/);
      expect(await behind).toEqual({ n: 0 });

      await s.run('BEGIN');
      const inTransaction = s.copy('copied', 'k, t, d, i, s', [[from, 'x', 0, 0, 2]], 5);
      const clash = s.copy('copied', 'k, t, d, i, s', [[from, 'y', 0, 0, 0]], 5);
      const aborted = s.one('SELECT 1');
      expect(await inTransaction).toBe(1);
      await expect(clash).rejects.toThrow(/copied_pkey/);
      await expect(aborted).rejects.toThrow(/current transaction is aborted/);
      await s.run('ROLLBACK');

      const given = rows(from);
      expect(await s.copy('copied', 'k, t, d, i, s', given, 5)).toBe(given.length);
      expect(await read(s, from, from + 100)).toEqual(given);
    });
  });
});
