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
      // The data is written in chunks of 64 KiB: each of these rows is more than that (its chunk made as large as it).
      const given: Row[] = ['東'.repeat(40_000), `${'a\tb\\'.repeat(10_000)}👩‍💻`, 'é'.repeat(70_000)].map((t, n) => [from + n, t, n, n, n]);
      expect(await s.copy('copied', 'k, t, d, i, s', given, 5)).toBe(given.length);
      expect(await read(s, from, from + 10)).toEqual(given);
    });
  });

  it("sends its data while the rows' text is still being written: PostgreSQL starts on the first rows before the last one is made", async () => {
    await withClient(async (s, client) => {
      const from = -100_000 - base * 10; // 5,001 keys of their own, below those the other cases count
      const connection = (client as unknown as { connection: { sendCopyFromChunk(chunk: Buffer): void } }).connection;
      const send = connection.sendCopyFromChunk.bind(connection);
      let sent = 0;
      connection.sendCopyFromChunk = (chunk) => {
        sent += chunk.length;
        send(chunk);
      };
      let sentBeforeLast = -1;
      const given: Row[] = Array.from({ length: 5_000 }, (_, n) => [from + n, 'x'.repeat(100), n, n, n % 2]);
      const last: Row = [from + given.length, 'last', 0, 0, 0];
      // The last row's text is made when its first value is read: by then the chunks before it must have gone out.
      const watched = new Proxy(last, { get: (row, key) => (key === '0' && sentBeforeLast < 0 ? ((sentBeforeLast = sent), row[0]) : Reflect.get(row, key)) });
      try {
        expect(await s.copy('copied', 'k, t, d, i, s', [...given, watched], 5)).toBe(given.length + 1);
      } finally {
        connection.sendCopyFromChunk = send;
      }
      expect(sentBeforeLast).toBeGreaterThan(400_000); // ~5,000 rows of ~115 bytes sent before the last row's text
      expect(sent).toBeGreaterThan(sentBeforeLast);
      expect((await s.one<{ n: number }>('SELECT count(*) AS n FROM copied WHERE k >= ? AND k <= ?', [from, from + given.length]))!.n).toBe(given.length + 1);
    });
  });

  it('a row it cannot write as COPY text fails the COPY with that error (sent as a failed copy); what is sent behind it runs', async () => {
    await withClient(async (s) => {
      const from = base + 250;
      const unwritable = s.copy('copied', 'k, t, d, i, s', [...rows(from), [from + 20, { not: 'text' }, 0, 0, 0]], 5);
      const behind = s.one<{ n: number }>('SELECT count(*) AS n FROM copied WHERE k >= ? AND k < ?', [from, from + 50]);
      await expect(unwritable).rejects.toThrow(/no COPY text for a object/);
      expect(await behind).toEqual({ n: 0 });
      const given = rows(from);
      expect(await s.copy('copied', 'k, t, d, i, s', given, 5)).toBe(given.length);
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
