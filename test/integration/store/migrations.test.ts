// Every past schema version upgrades to the same schema a fresh file gets, keeping its data: a file is built at each
// version from the frozen migrations, filled through that version's own SQL (its triggers at work), upgraded by
// opening it as the server does, and compared with a fresh file. The rollups and value histograms the past
// versions' SQL maintained (triggers, frozen) must equal what the store's JavaScript rebuild computes from the same
// rows: the arithmetic did not change, whoever does it.
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { rebuildRollups } from '../../../server/src/store/sqlite/rebuild';
import { verifyDir } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';
import { createAt, fillAt, LATEST_VERSION, schemaOf } from './pastVersions';

const dirs: string[] = [];
const newDir = () => {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach(removeDir));

const TABLES = ['rollup_minute', 'rollup_15m', 'rollup_hour', 'value_hist_day', 'value_hist_15m'] as const;
/** rollup_15m added up per UTC hour: what migration 21 fills rollup_hour with, and what the writer keeps it at. */
const quartersByHour = (db: ReturnType<typeof openDatabase>) =>
  db
    .prepare(
      `SELECT standard_id, bucket_ms - (bucket_ms % 3600000) AS bucket_ms, site, standard_version, SUM(judged) AS judged, SUM(counted) AS counted, SUM(met) AS met,
        SUM(considered) AS considered, SUM(abandoned) AS abandoned, SUM(value_n) AS value_n, SUM(value_sum) AS value_sum, MAX(wait_max) AS wait_max
      FROM rollup_15m GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    )
    .all();
const dump = (db: ReturnType<typeof openDatabase>) => TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5`).all() as Array<Record<string, number>>);

const count = (db: ReturnType<typeof openDatabase>, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('upgrading a file of every past version', () => {
  const fresh = openDatabase(newDir());
  const freshSchema = schemaOf(fresh);
  fresh.close();

  for (let version = 1; version < LATEST_VERSION; version += 1) {
    it(`version ${version} → ${LATEST_VERSION}: same schema as a fresh file, data kept, chain intact, rollups and histograms as the store rebuilds them`, async () => {
      const dir = newDir();
      const old = createAt(dir, version);
      fillAt(old, version, version);
      const before = { events: count(old, 'events'), judgements: count(old, 'judgements') };
      old.close();

      const db = openDatabase(dir); // the server's own open: migrates to the latest version
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
        expect(schemaOf(db)).toEqual(freshSchema);
        expect({ events: count(db, 'events'), judgements: count(db, 'judgements') }).toEqual(before);
        expect(before.judgements).toBe(120);
        if (version >= 3 && version < 10) {
          // The alert history stays, read-only: its pending webhook deliveries ended, nothing can be added.
          expect(count(db, 'alerts')).toBe(1);
          expect(db.prepare(`SELECT status, last_error FROM alert_deliveries`).all()).toEqual([{ status: 'failed', last_error: 'alerts were replaced by incidents (migration 10)' }]);
          expect(() => db.prepare(`INSERT INTO alert_acks (alert_id, at_ms, by) VALUES (1, 0, 'x')`).run()).toThrow(/read-only/);
        }
        if (version >= 10) expect(() => db.prepare(`INSERT INTO alert_acks (alert_id, at_ms, by) VALUES (1, 0, 'x')`).run()).toThrow(/read-only/);
        const chain = await verifyDir(dir);
        expect(chain.message).toMatch(/^intact/);
        expect(chain.records).toBeGreaterThanOrEqual(240);
        const kept = dump(db);
        expect(kept[1]!.length).toBeGreaterThan(20);
        // Migration 21 filled the hour grain from the quarter hours (bucket_ms ≥ 0 here: % is the floor).
        expect(db.prepare('SELECT * FROM rollup_hour ORDER BY standard_id, bucket_ms, site, standard_version').all()).toEqual(quartersByHour(db));
        expect(kept[2]!.length).toBeGreaterThan(0);
        rebuildRollups(db);
        const rebuilt = dump(db);
        const exact = (rows: Array<Record<string, number>>) => rows.map(({ value_sum: _s, ...rest }) => rest);
        rebuilt.forEach((rows, t) => {
          expect(exact(rows)).toEqual(exact(kept[t]!));
          // Σ value of fractional seconds may differ in the last bits with the order of summation.
          rows.forEach((row, i) => row.value_sum !== undefined && expect(row.value_sum).toBeCloseTo(kept[t]![i]!.value_sum!, 9));
        });
      } finally {
        db.close();
      }
    });
  }
});
