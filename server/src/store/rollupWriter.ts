// Issue #7: the batch writer maintains the rollups itself instead of two AFTER INSERT triggers per judgement
// (each a lookup of the event plus an upsert: the largest cost of a stored event after the audit chain).
// Contributions are collected per rollup row over the batch and each row is written once, at the end of the
// batch, in the same transaction.
//
// Identical to the triggers (engineMigration.ts rollupTrigger/contributionsSql), not merely equivalent: each
// row's stored values are read once, then every contribution is folded into them in insertion order with the
// trigger's own arithmetic (IEEE doubles in both, so Σ value_sum has the same bits), and the result is written
// back. test/integration/batchWriter.test.ts compares the tables with trigger-maintained ones and a rebuild.
import type Database from 'better-sqlite3';
import { ROLLUP_GRAINS } from './rollupSql';
import type { AggRow } from './rollupQueries';

/** The event columns a contribution depends on. */
export interface RollupEvent {
  site: string;
  type: string;
  outcome: string;
  occurredAtMs: number;
  answerSeconds: number | null;
  greetSeconds: number | null;
}

/** The judgement columns a contribution depends on (as inserted: met and counted 0/1). */
export interface RollupJudgement {
  standardId: string;
  standardVersion: number;
  value: number | null;
  met: number;
  counted: number;
  reason: string | null;
}

/** One rollup row's counters, in column order after the key: the same fields a rollup read returns. */
type Sums = Pick<AggRow, 'judged' | 'counted' | 'met' | 'considered' | 'abandoned' | 'valueN' | 'valueSum' | 'waitMax'>;

export interface RollupWriter {
  add(e: RollupEvent, j: RollupJudgement): void;
  /** Writes the collected rows; call once at the end of a batch (inside its transaction). */
  flush(): void;
  /** Forgets collected rows (the batch failed and rolls back). */
  discard(): void;
}

const SUM_COLUMNS = 'judged, counted, met, considered, abandoned, value_n, value_sum, wait_max';
const KEY = 'standard_id = ? AND bucket_ms = ? AND site = ? AND standard_version = ?';

/** contributionsSql for one judgement of one event (same expressions, same order of evaluation). */
function contribution(e: RollupEvent, j: RollupJudgement): Sums {
  const considered = j.reason !== 'outside-hours';
  const success = considered && (e.outcome === 'answered' || e.outcome === 'greeted');
  const measured = success && j.value !== null;
  return {
    judged: 1,
    counted: j.counted,
    met: j.met,
    considered: considered ? 1 : 0,
    abandoned: considered && (e.outcome === 'abandoned' || e.outcome === 'left') ? 1 : 0,
    valueN: measured ? 1 : 0,
    valueSum: measured ? j.value! : 0,
    waitMax: considered ? (e.type === 'call' ? e.answerSeconds : e.greetSeconds) : null,
  };
}

/** The trigger's ON CONFLICT … DO UPDATE, applied in JavaScript. */
function fold(into: Sums, c: Sums): void {
  into.judged += c.judged;
  into.counted += c.counted;
  into.met += c.met;
  into.considered += c.considered;
  into.abandoned += c.abandoned;
  into.valueN += c.valueN;
  into.valueSum += c.valueSum;
  into.waitMax = into.waitMax === null ? c.waitMax : c.waitMax === null ? into.waitMax : Math.max(into.waitMax, c.waitMax);
}

export function createRollupWriter(db: Database.Database): RollupWriter {
  const grains = ROLLUP_GRAINS.map((g) => ({
    ms: g.ms,
    read: db.prepare(`SELECT ${SUM_COLUMNS} FROM ${g.table} WHERE ${KEY}`).raw(),
    write: db.prepare(`INSERT INTO ${g.table} (standard_id, bucket_ms, site, standard_version, ${SUM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (standard_id, bucket_ms, site, standard_version) DO UPDATE SET judged = excluded.judged, counted = excluded.counted,
        met = excluded.met, considered = excluded.considered, abandoned = excluded.abandoned, value_n = excluded.value_n,
        value_sum = excluded.value_sum, wait_max = excluded.wait_max`),
    rows: new Map<string, { key: [string, number, string, number]; sums: Sums }>(),
  }));

  function add(e: RollupEvent, j: RollupJudgement): void {
    const c = contribution(e, j); // never mutated: fold() writes into the row's own sums
    for (const g of grains) {
      const bucket = e.occurredAtMs - (((e.occurredAtMs % g.ms) + g.ms) % g.ms);
      const id = `${j.standardId}\u0000${bucket}\u0000${e.site}\u0000${j.standardVersion}`;
      const row = g.rows.get(id);
      if (row) {
        fold(row.sums, c);
        continue;
      }
      const key: [string, number, string, number] = [j.standardId, bucket, e.site, j.standardVersion];
      const stored = g.read.get(...key) as [number, number, number, number, number, number, number, number | null] | undefined;
      let sums = { ...c };
      if (stored) {
        const [judged, counted, met, considered, abandoned, valueN, valueSum, waitMax] = stored;
        sums = { judged, counted, met, considered, abandoned, valueN, valueSum, waitMax };
        fold(sums, c);
      }
      g.rows.set(id, { key, sums });
    }
  }

  function flush(): void {
    for (const g of grains) {
      for (const { key, sums: s } of g.rows.values()) g.write.run(...key, s.judged, s.counted, s.met, s.considered, s.abandoned, s.valueN, s.valueSum, s.waitMax);
      g.rows.clear();
    }
  }

  return { add, flush, discard: () => grains.forEach((g) => g.rows.clear()) };
}
