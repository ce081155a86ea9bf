// The SQL of a rollup read that both backends share: the sums selected, the shape of the grouping, and the row
// each answers as an array. The arithmetic itself is domain/rollups.ts.
import type { RollupQuery, SumsRow } from './port';

const SUMS = `SUM(judged) AS judged, SUM(counted) AS counted, SUM(met) AS met, SUM(considered) AS considered,
  SUM(abandoned) AS abandoned, SUM(value_n) AS value_n, SUM(value_sum) AS value_sum, MAX(wait_max) AS wait_max`;

/** `(?, ?, …)`: one placeholder per value, for an IN list. */
export const placeholders = (values: readonly unknown[]) => `(${values.map(() => '?').join(', ')})`;

/** A rollup read's row as an array: t, standard, version, site, then the sums in SUMS order. */
export type RollupTuple = [number, string, number, string, number, number, number, number, number, number, number, number | null];

export const sumsRowOf = (r: RollupTuple): SumsRow => ({
  t: r[0],
  standardId: r[1],
  version: r[2],
  site: r[3],
  judged: r[4],
  counted: r[5],
  met: r[6],
  considered: r[7],
  abandoned: r[8],
  valueN: r[9],
  valueSum: r[10],
  waitMax: r[11],
});

/**
 * Selected columns and grouping of a rollup read of the given shape. `seriesKey` is how the dialect groups by the
 * computed cell start: SQLite by its alias (`t`), PostgreSQL by its position (`1`).
 */
export function rollupShape(q: RollupQuery, seriesKey: 't' | '1'): { columns: string; group: string } {
  if (q.shape === 'totals') return { columns: `MIN(bucket_ms) AS t, standard_id, standard_version, site, ${SUMS}`, group: 'standard_id, standard_version, site' };
  if (q.shape === 'detail') return { columns: `bucket_ms AS t, standard_id, standard_version, site, ${SUMS}`, group: 'standard_id, bucket_ms, site, standard_version' };
  const c = q.cellMs ?? 0;
  if (!Number.isSafeInteger(c) || c <= 0) throw new Error('a series read needs a positive whole cellMs');
  return { columns: `bucket_ms - (((bucket_ms % ${c}) + ${c}) % ${c}) AS t, standard_id, standard_version, '' AS site, ${SUMS}`, group: `standard_id, ${seriesKey}, standard_version` };
}
