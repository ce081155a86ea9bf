// PostgreSQL migration 13 on a database at version 12 that holds quarter-hour rollups: rollup_hour is filled with
// them added up per UTC hour (counters summed, the longest wait the largest), has rollup_15m's covering site index,
// and from then on the store keeps it equal to the quarter hours added up.
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { defaultSite } from '../../../server/src/domain/sites';
import { prepareEvent } from '../../../server/src/services/ingest/prepare';
import { PG_MIGRATIONS } from '../../../server/src/store/migrations/postgres';
import { postgresBackend } from '../../../server/src/store/postgres';
import { createPool } from '../../../server/src/store/postgres/db';
import { migrate } from '../../../server/src/store/postgres/migrate';
import { testDatabases } from '../support/postgres';

const databases = testDatabases('ringside_pg_migration_13');
afterAll(() => databases.dropAll());

const T = Date.parse('2026-06-01T10:00:00Z');
const QUARTER = 900_000;
const SUMS = 'judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';
const BY_HOUR = `SELECT standard_id, bucket_ms - (bucket_ms % 3600000) AS bucket_ms, site, standard_version, SUM(judged)::bigint AS judged, SUM(counted)::bigint AS counted,
  SUM(met)::bigint AS met, SUM(considered)::bigint AS considered, SUM(abandoned)::bigint AS abandoned, SUM(value_n)::bigint AS value_n, SUM(value_sum) AS value_sum,
  MAX(wait_max) AS wait_max FROM rollup_15m GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
const HOURS = `SELECT standard_id, bucket_ms, site, standard_version, ${SUMS} FROM rollup_hour ORDER BY 1, 2, 3, 4`;

it('upgrades a version-12 database with quarter-hour rollups: rollup_hour is their hours, and stays so', async () => {
  const databaseUrl = await databases.create();
  const pool = createPool({ url: databaseUrl, max: 1 });
  try {
    expect(await migrate(pool, PG_MIGRATIONS.slice(0, 12))).toBe(12);
    // Quarter hours of three hours, two sites, two versions; some without a wait, fractional value sums.
    let n = 0;
    for (let q = 0; q < 12; q += 1) {
      for (const site of ['north', 'south']) {
        for (const version of [1, 2]) {
          n += 1;
          if ((q + version) % 3 === 0) continue;
          const wait = n % 4 === 0 ? null : (n * 7) % 50;
          await pool.query(`INSERT INTO rollup_15m (bucket_ms, standard_id, standard_version, site, ${SUMS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
            T + q * QUARTER, DEFAULT_STANDARDS[0]!.id, version, site, n, n - 1, n % 5, n, n % 3, n - 1, n * 2.5 + 0.25, wait,
          ]);
        }
      }
    }
    expect(await migrate(pool, PG_MIGRATIONS)).toBe(PG_MIGRATIONS.length);
    const filled = (await pool.query(HOURS)).rows;
    expect(filled.length).toBe(3 * 2 * 2);
    expect(filled).toEqual((await pool.query(BY_HOUR)).rows);
    const index = await pool.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'rollup_hour_by_site'`);
    expect(index.rows.map((r) => r.indexdef)).toEqual([expect.stringMatching(/ON public\.rollup_hour USING btree \(site, standard_id, bucket_ms, standard_version\) INCLUDE \(judged, counted, met, considered, abandoned, value_n, value_sum, wait_max\)/)]);
  } finally {
    await pool.end();
  }

  // The store writes the hour grain with the others: an event in a migrated hour, one in a new hour.
  const store = await postgresBackend({ url: databaseUrl }).open({ dataDir: '(unused)', now: () => T + 4 * 3_600_000 });
  try {
    await store.write((tx) => Promise.all(DEFAULT_STANDARDS.map((s) => tx.writes.standardVersion({ id: s.id, version: 3, definition: s, validFromMs: null, retired: false }))));
    const events = [T + 20 * 60_000, T + 3 * 3_600_000 + 5 * 60_000].map((ms, i) =>
      prepareEvent({ id: `e${i}`, type: 'call', site: 'north', occurredAt: new Date(ms).toISOString(), outcome: 'answered', rings: 2 }, { standardsAt: () => DEFAULT_STANDARDS.map((s) => ({ ...s, version: 3 })), site: defaultSite('north', 'UTC'), receivedAtMs: ms }),
    );
    await store.write((tx) => tx.writes.events(events));
  } finally {
    await store.close();
  }
  const check = createPool({ url: databaseUrl, max: 1 });
  try {
    const hours = (await check.query(HOURS)).rows;
    expect(hours.length).toBe(3 * 2 * 2 + 2);
    expect(hours).toEqual((await check.query(BY_HOUR)).rows);
  } finally {
    await check.end();
  }
});
