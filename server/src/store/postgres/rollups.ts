// Rollup rows and value-histogram cells on PostgreSQL: contributions of one write collected per row, each row read
// once and written once (store/sqlite/rollups.ts explains the order of the folds). Exact with several nodes: every
// write holds the store's write lock (store.ts), so no other transaction changes a row between its read and write.
import { bucketStart, contribution, fold, ROLLUP_GRAINS, VALUE_GRAINS, valueContribution, type JudgementFacts, type Sign, type Sums } from '../../domain/rollups';
import { ROLLUP_TABLE, VALUE_TABLE, type RollupPlace } from '../sqlite/rollups';
import type { Sql } from './db';

const SUM_COLUMNS = 'judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';
type RollupKey = [standardId: string, bucketMs: number, site: string, version: number];
type CellKey = [site: string, standardId: string, bucketMs: number, version: number, value: number];

export class PgRollupWriter {
  private readonly rollups = ROLLUP_GRAINS.map((g) => ({ ms: g.ms, table: ROLLUP_TABLE[g.name], rows: new Map<string, { key: RollupKey; sums: Sums }>() }));
  private readonly cells = VALUE_GRAINS.map((g) => ({ ms: g.ms, table: VALUE_TABLE[g.name], counts: new Map<string, { key: CellKey; n: number; met: number }>() }));

  constructor(private readonly s: Sql) {}

  /** Adds (sign 1) or takes back (sign −1) a judgement's part in every rollup grain and value histogram. */
  async add(place: RollupPlace, facts: JudgementFacts, sign: Sign = 1): Promise<void> {
    const c = contribution(facts, sign);
    for (const g of this.rollups) {
      const key: RollupKey = [place.standardId, bucketStart(place.occurredAtMs, g.ms), place.site, place.standardVersion];
      const id = key.join('\u0000');
      const row = g.rows.get(id);
      if (row) fold(row.sums, c);
      else g.rows.set(id, { key, sums: fold(await this.stored(g.table, key), c) });
    }
    const v = valueContribution(facts, sign);
    if (!v) return;
    for (const g of this.cells) {
      const key: CellKey = [place.site, place.standardId, bucketStart(place.occurredAtMs, g.ms), place.standardVersion, v.value];
      const id = key.join('\u0000');
      let cell = g.counts.get(id);
      if (!cell) {
        const stored = await this.s.one<{ n: number; met: number }>(`SELECT n, met FROM ${g.table} WHERE site = ? AND standard_id = ? AND bucket_ms = ? AND standard_version = ? AND value = ?`, key);
        g.counts.set(id, (cell = { key, n: stored?.n ?? 0, met: stored?.met ?? 0 }));
      }
      cell.n += v.n;
      cell.met += v.met;
    }
  }

  /** Writes the collected rows; a cell taken back to nothing is deleted. */
  async flush(): Promise<void> {
    for (const g of this.rollups) {
      for (const { key, sums: s } of g.rows.values()) {
        await this.s.run(
          `INSERT INTO ${g.table} (standard_id, bucket_ms, site, standard_version, ${SUM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET judged = excluded.judged, counted = excluded.counted,
            met = excluded.met, considered = excluded.considered, abandoned = excluded.abandoned, value_n = excluded.value_n,
            value_sum = excluded.value_sum, wait_max = excluded.wait_max`,
          [...key, s.judged, s.counted, s.met, s.considered, s.abandoned, s.valueN, s.valueSum, s.waitMax],
        );
      }
      g.rows.clear();
    }
    for (const g of this.cells) {
      for (const c of g.counts.values()) {
        if (c.n === 0) await this.s.run(`DELETE FROM ${g.table} WHERE site = ? AND standard_id = ? AND bucket_ms = ? AND standard_version = ? AND value = ?`, c.key);
        else {
          await this.s.run(
            `INSERT INTO ${g.table} (site, standard_id, bucket_ms, standard_version, value, n, met) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = excluded.n, met = excluded.met`,
            [...c.key, c.n, c.met],
          );
        }
      }
      g.counts.clear();
    }
  }

  private async stored(table: string, key: RollupKey): Promise<Sums> {
    const row = await this.s.tuples<[number, number, number, number, number, number, number, number | null]>(
      `SELECT ${SUM_COLUMNS} FROM ${table} WHERE standard_id = ? AND bucket_ms = ? AND site = ? AND standard_version = ?`,
      key,
    );
    const r = row[0];
    if (!r) return { judged: 0, counted: 0, met: 0, considered: 0, abandoned: 0, valueN: 0, valueSum: 0, waitMax: null };
    const [judged, counted, met, considered, abandoned, valueN, valueSum, waitMax] = r;
    return { judged, counted, met, considered, abandoned, valueN, valueSum, waitMax };
  }
}
