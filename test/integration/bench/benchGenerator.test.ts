// The query bench's generator (generateBulk, test/bench/lib/bulkLoad.ts) writes events and judgements
// with its own SQL and sums the rollups and value histograms itself. Properties checked on a small generated set
// (off-grid range ends, several days, both standards):
//  - the rollup and histogram tables equal the engine's rebuildRollups() from the raw rows, row for row and type
//    for type;
//  - the file ends with the product's schema (every index and trigger back, WAL);
//  - the same seed gives the same rows, another seed other rows;
//  - the generated rows chain (chainGenerated, as migration 5 chains older rows) into a chain the verifier accepts.
import { describe, expect, it } from 'vitest';
import { chainGenerated, generateBulk, openBenchStore, openDatabase } from '../../bench/lib/storeTools';
import { verifyDir } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

type Db = ReturnType<typeof openDatabase>;

const HOUR = 3_600_000;
const FROM = Date.parse('2026-03-05T10:07:12.345Z');
const TO = FROM + 50 * HOUR + 1_234;
const TABLES = ['events', 'judgements', 'rollup_minute', 'rollup_15m', 'rollup_hour', 'value_hist_day', 'value_hist_15m'] as const;

/** Every row of a table with each value's SQLite type, in primary-key order. */
function dump(db: Db, table: string): unknown[][] {
  const columns = (db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as Array<{ name: string; pk: number }>);
  const key = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const select = columns.map((c) => `${c.name}, typeof(${c.name})`).join(', ');
  return db.prepare(`SELECT ${select} FROM ${table} ORDER BY ${key.join(', ')}`).raw().all() as unknown[][];
}

async function generate(seed: number, events = 20_000): Promise<string> {
  const dir = tempDataDir();
  await generateBulk({ dataDir: dir, events, sites: 5, fromMs: FROM, toMs: TO, seed });
  return dir;
}

function schema(db: Db): string[] {
  return (db.prepare(`SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1`).pluck().all() as string[]);
}

describe('generateBulk (the query bench fixture)', () => {
  it('writes rollups and histograms equal to the engine rebuild, and leaves the product schema in WAL', async () => {
    const dir = await generate(7);
    const fresh = tempDataDir();
    try {
      await (await openBenchStore(fresh)).store.close();
      const db = openDatabase(dir);
      const reference = openDatabase(fresh);
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(schema(db)).toEqual(schema(reference));
        expect((db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number)).toBe(20_000);
        const generated = Object.fromEntries(TABLES.map((t) => [t, dump(db, t)]));
        expect(generated.rollup_minute!.length).toBeGreaterThan(1000);
        expect(generated.rollup_hour!.length).toBeGreaterThan(100);
        expect(generated.value_hist_15m!.length).toBeGreaterThan(1000);
        const { store: store2 } = await openBenchStore(dir);
        try {
          await store2.write((tx) => tx.writes.rebuildRollups());
        } finally {
          await store2.close();
        }
        for (const t of TABLES) expect(dump(db, t), t).toEqual(generated[t]);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
        reference.close();
      }
    } finally {
      removeDir(dir);
      removeDir(fresh);
    }
  }, 60_000);

  it('is deterministic for a seed', async () => {
    const [a, b, c] = [await generate(3, 5_000), await generate(3, 5_000), await generate(4, 5_000)];
    try {
      const dbs = [a, b, c].map((d) => openDatabase(d));
      try {
        for (const t of TABLES) {
          expect(dump(dbs[1]!, t), t).toEqual(dump(dbs[0]!, t));
          if (t !== 'value_hist_day') expect(dump(dbs[2]!, t), t).not.toEqual(dump(dbs[0]!, t));
        }
      } finally {
        dbs.forEach((d) => d.close());
      }
    } finally {
      [a, b, c].forEach(removeDir);
    }
  }, 60_000);

  it('chains into a chain the verifier accepts', async () => {
    const dir = await generate(11, 3_000);
    try {
      expect(chainGenerated(dir)).toBe(6_000);
      const db = openDatabase(dir);
      try {
        const result = await verifyDir(dir);
        expect(result).toMatchObject({ intact: true });
        expect(result.records).toBe(db.prepare('SELECT MAX(seq) FROM audit_chain').pluck().get());
      } finally {
        db.close();
      }
    } finally {
      removeDir(dir);
    }
  }, 60_000);
});
