// Recomputing the rollups and value histograms from the raw events, judgements and corrections (the source of
// truth), with the same arithmetic as every write (domain/rollups.ts): each event's recorded judgements are added,
// then each of its corrections takes the previous state back and adds the next, as they did when written.
//
// After retention pruning only the buckets from the cutoff on are recomputed: before it the raw events are gone and
// the stored rows are all that is left of them. The day histogram of the cutoff's day is then the sum of its
// quarter hours (those kept from before the cutoff and those rebuilt after it), and so is the rollup hour that holds
// the cutoff (rollupRebuild).
import type Database from 'better-sqlite3';
import { factsOf, statesOf } from '../../domain/corrections';
import { bucketStart } from '../../domain/rollups';
import { parseCorrection, recordedState } from './corrections';
import { rollupRebuild, RollupWriter, VALUE_TABLE } from './rollups';
import { sumReal } from './figures';
import type { EventRow, JudgementRow } from './rows';

const DAY_MS = 86_400_000;

/** Rebuilds from `fromMs` (a quarter-hour boundary: the retention cutoff) or, without it, everything. */
export function rebuildRollups(db: Database.Database, fromMs?: number): void {
  if (fromMs !== undefined && (!Number.isSafeInteger(fromMs) || fromMs % 900_000 !== 0)) throw new Error('a partial rebuild starts on the quarter-hour grid');
  const from = fromMs ?? Number.MIN_SAFE_INTEGER;
  db.transaction(() => {
    const rollups = rollupRebuild(from, sumReal);
    for (const { sql, args } of rollups.clear) db.prepare(sql).run(...args);
    db.prepare(`DELETE FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ?`).run(from);
    const span = db.prepare<[number], { lo: number | null; hi: number | null }>('SELECT MIN(occurred_at_ms) AS lo, MAX(occurred_at_ms) AS hi FROM events WHERE occurred_at_ms >= ?').get(from)!;
    if (span.lo !== null) for (let day = bucketStart(span.lo, DAY_MS); day <= span.hi!; day += DAY_MS) rebuildDay(db, Math.max(day, from), day + DAY_MS);
    for (const { sql, args } of rollups.straddling) db.prepare(sql).run(...args);
    daysFromQuarters(db, fromMs === undefined ? from : bucketStart(from, DAY_MS));
  })();
}

/** One UTC day's events (a bounded amount of memory): their rows are folded and written before the next day. */
function rebuildDay(db: Database.Database, fromMs: number, toMs: number): void {
  const events = db.prepare('SELECT * FROM events WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY seq').all(fromMs, toMs) as EventRow[];
  if (events.length === 0) return;
  const judgements = groupBySeq(db.prepare('SELECT j.* FROM judgements j JOIN events e ON e.seq = j.event_seq WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ORDER BY j.event_seq, j.standard_id').all(fromMs, toMs) as JudgementRow[]);
  const corrections = groupBySeq(db.prepare('SELECT c.* FROM audit_corrections c JOIN events e ON e.seq = c.event_seq WHERE e.occurred_at_ms >= ? AND e.occurred_at_ms < ? ORDER BY c.seq').all(fromMs, toMs) as Array<{ event_seq: number; action: 'void' | 'amend'; changes: string; rejudged: string }>);
  const writer = new RollupWriter(db);
  for (const e of events) {
    const states = statesOf(recordedState(e, judgements.get(e.seq) ?? []), (corrections.get(e.seq) ?? []).map(parseCorrection));
    const place = (j: { standardId: string; standardVersion: number }) => ({ site: e.site, occurredAtMs: e.occurred_at_ms, standardId: j.standardId, standardVersion: j.standardVersion });
    states.forEach((state, i) => {
      if (i > 0) for (const j of factsOf(e.type, states[i - 1]!)) writer.add(place(j), j.facts, -1);
      for (const j of factsOf(e.type, state)) writer.add(place(j), j.facts, 1);
    });
  }
  writer.flush();
}

function groupBySeq<T extends { event_seq: number }>(rows: readonly T[]): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const r of rows) {
    const list = map.get(r.event_seq);
    if (list) list.push(r);
    else map.set(r.event_seq, [r]);
  }
  return map;
}

/** The day histogram from UTC midnight `fromMs` on: each day's cells are the sums of its quarter hours' cells. */
function daysFromQuarters(db: Database.Database, fromMs: number): void {
  db.prepare(`DELETE FROM ${VALUE_TABLE.day} WHERE bucket_ms >= ?`).run(fromMs);
  const last = db.prepare<[number], { hi: number | null }>(`SELECT MAX(bucket_ms) AS hi FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ?`).get(fromMs)!.hi;
  const first = db.prepare<[number], { lo: number | null }>(`SELECT MIN(bucket_ms) AS lo FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ?`).get(fromMs)!.lo;
  if (first === null || last === null) return;
  const quarters = db.prepare(`SELECT site, standard_id, standard_version, value, n, met FROM ${VALUE_TABLE.quarter} WHERE bucket_ms >= ? AND bucket_ms < ?`).raw(true);
  const insert = db.prepare(`INSERT INTO ${VALUE_TABLE.day} (site, standard_id, bucket_ms, standard_version, value, n, met) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  for (let day = bucketStart(first, DAY_MS); day <= last; day += DAY_MS) {
    const cells = new Map<string, [string, string, number, number, number, number, number]>();
    for (const [site, standardId, version, value, n, met] of quarters.all(day, day + DAY_MS) as Array<[string, string, number, number, number, number]>) {
      const key = `${site}\u0000${standardId}\u0000${version}\u0000${value}`;
      const cell = cells.get(key);
      if (cell) {
        cell[5] += n;
        cell[6] += met;
      } else cells.set(key, [site, standardId, day, version, value, n, met]);
    }
    for (const c of cells.values()) if (c[5] !== 0) insert.run(...c);
  }
}
