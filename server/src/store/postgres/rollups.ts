// Rollup rows and value-histogram cells on PostgreSQL: contributions of one write collected per row, in order; the
// touched rows are read in one query per table (at `prefetch`, sent ahead with the write's other statements, or at
// `flush`), each contribution folded into its row's stored counters in the order given (IEEE doubles: the same bits
// as SQLite's writer, store/sqlite/rollups.ts), and written back in one statement per table, sent together. Exact with several nodes: every write holds the store's write lock (store.ts), so no other
// transaction changes a row between its read and its write.
import { bucketStart, contribution, fold, ROLLUP_GRAINS, VALUE_GRAINS, valueContribution, zeroSums, type JudgementFacts, type Sign, type Sums } from '../../domain/rollups';
import { ROLLUP_TABLE, VALUE_TABLE, type RollupPlace } from '../sqlite/rollups';
import { columns } from './chain';
import type { Sql } from './db';

type RollupKey = [standardId: string, bucketMs: number, site: string, version: number];
type CellKey = [site: string, standardId: string, bucketMs: number, version: number, value: number];

const ROLLUP_KEYS = 'unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[]) AS k(standard_id, bucket_ms, site, standard_version)';
const CELL_KEYS = 'unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[]) AS k(site, standard_id, bucket_ms, standard_version, value)';

export class PgRollupWriter {
  private readonly rollups = ROLLUP_GRAINS.map((g) => ({ ms: g.ms, table: ROLLUP_TABLE[g.name], rows: new Map<string, { key: RollupKey; parts: Sums[] }>() }));
  private readonly cells = VALUE_GRAINS.map((g) => ({ ms: g.ms, table: VALUE_TABLE[g.name], counts: new Map<string, { key: CellKey; n: number; met: number }>() }));

  private stored: ReturnType<PgRollupWriter['readStored']> | null = null;

  constructor(private readonly s: Sql) {}

  /** Adds (sign 1) or takes back (sign −1) a judgement's part in every rollup grain and value histogram. */
  add(place: RollupPlace, facts: JudgementFacts, sign: Sign = 1): void {
    const c = contribution(facts, sign);
    for (const g of this.rollups) {
      const key: RollupKey = [place.standardId, bucketStart(place.occurredAtMs, g.ms), place.site, place.standardVersion];
      const id = key.join('\u0000');
      const row = g.rows.get(id);
      if (row) row.parts.push(c);
      else g.rows.set(id, { key, parts: [c] });
    }
    const v = valueContribution(facts, sign);
    if (!v) return;
    for (const g of this.cells) {
      const key: CellKey = [place.site, place.standardId, bucketStart(place.occurredAtMs, g.ms), place.standardVersion, v.value];
      const id = key.join('\u0000');
      const cell = g.counts.get(id) ?? { key, n: 0, met: 0 };
      cell.n += v.n;
      cell.met += v.met;
      g.counts.set(id, cell);
    }
  }

  /**
   * Sends the reads of the rows touched so far (one statement per table) without waiting for them: on a pipelined
   * client they travel with the statements that follow. Only before `flush`, and nothing may be added after it.
   */
  prefetch(): void {
    this.stored ??= this.readStored();
    this.stored.catch(() => undefined); // its failure is thrown by flush
  }

  /** Writes the collected rows (one statement per table, sent together); a cell taken back to nothing is deleted. */
  async flush(): Promise<void> {
    const stored = await (this.stored ?? this.readStored());
    this.stored = null;
    const writes: Array<Promise<unknown>> = [];
    for (const [i, g] of this.rollups.entries()) {
      if (g.rows.size === 0) continue;
      const rows = [...g.rows.entries()].map(([id, { key, parts }]) => {
        const sums = stored.rollups[i]!.get(id) ?? zeroSums();
        for (const c of parts) fold(sums, c);
        return [...key, sums.judged, sums.counted, sums.met, sums.considered, sums.abandoned, sums.valueN, sums.valueSum, sums.waitMax];
      });
      writes.push(
        this.s.run(
          `INSERT INTO ${g.table} (standard_id, bucket_ms, site, standard_version, judged, counted, met, considered, abandoned, value_n, value_sum, wait_max)
          SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], ?::float8[])
          ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET judged = excluded.judged, counted = excluded.counted,
            met = excluded.met, considered = excluded.considered, abandoned = excluded.abandoned, value_n = excluded.value_n,
            value_sum = excluded.value_sum, wait_max = excluded.wait_max`,
          columns(rows, 12),
        ),
      );
      g.rows.clear();
    }
    for (const [i, g] of this.cells.entries()) {
      if (g.counts.size === 0) continue;
      const read = stored.cells[i]!;
      const totals = [...g.counts.entries()].map(([id, c]) => ({ key: c.key, n: (read.get(id)?.n ?? 0) + c.n, met: (read.get(id)?.met ?? 0) + c.met }));
      const gone = totals.filter((c) => c.n === 0).map((c) => c.key);
      const kept = totals.filter((c) => c.n !== 0).map((c) => [...c.key, c.n, c.met]);
      if (gone.length > 0) writes.push(this.s.run(`DELETE FROM ${g.table} t USING ${CELL_KEYS} WHERE (t.site, t.standard_id, t.bucket_ms, t.standard_version, t.value) = (k.site, k.standard_id, k.bucket_ms, k.standard_version, k.value)`, columns(gone, 5)));
      if (kept.length > 0) {
        writes.push(
          this.s.run(
            `INSERT INTO ${g.table} (site, standard_id, bucket_ms, standard_version, value, n, met)
            SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::bigint[])
            ON CONFLICT (site, standard_id, bucket_ms, standard_version, value) DO UPDATE SET n = excluded.n, met = excluded.met`,
            columns(kept, 7),
          ),
        );
      }
      g.counts.clear();
    }
    await Promise.all(writes);
  }

  /** The stored counters of every touched row and cell, per grain, by key. */
  private async readStored(): Promise<{ rollups: Array<Map<string, Sums>>; cells: Array<Map<string, { n: number; met: number }>> }> {
    const rollupReads = this.rollups.map(async (g) => {
      const stored = new Map<string, Sums>();
      if (g.rows.size === 0) return stored;
      const keys = [...g.rows.values()].map((r) => r.key);
      const read = `SELECT r.standard_id, r.bucket_ms, r.site, r.standard_version, r.judged, r.counted, r.met, r.considered, r.abandoned, r.value_n, r.value_sum, r.wait_max
        FROM ${ROLLUP_KEYS} JOIN ${g.table} r USING (standard_id, bucket_ms, site, standard_version)`;
      for (const r of await this.s.tuples<[string, number, string, number, number, number, number, number, number, number, number, number | null]>(read, columns(keys, 4))) {
        stored.set([r[0], r[1], r[2], r[3]].join('\u0000'), { judged: r[4], counted: r[5], met: r[6], considered: r[7], abandoned: r[8], valueN: r[9], valueSum: r[10], waitMax: r[11] });
      }
      return stored;
    });
    const cellReads = this.cells.map(async (g) => {
      const stored = new Map<string, { n: number; met: number }>();
      if (g.counts.size === 0) return stored;
      const keys = [...g.counts.values()].map((c) => c.key);
      const read = `SELECT v.site, v.standard_id, v.bucket_ms, v.standard_version, v.value, v.n, v.met FROM ${CELL_KEYS} JOIN ${g.table} v USING (site, standard_id, bucket_ms, standard_version, value)`;
      for (const r of await this.s.tuples<[string, string, number, number, number, number, number]>(read, columns(keys, 5))) stored.set([r[0], r[1], r[2], r[3], r[4]].join('\u0000'), { n: r[5], met: r[6] });
      return stored;
    });
    const [rollups, cells] = await Promise.all([Promise.all(rollupReads), Promise.all(cellReads)]);
    return { rollups, cells };
  }
}
