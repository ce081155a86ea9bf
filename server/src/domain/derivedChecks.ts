// Checking the tables derived from chained records, which the chain itself does not cover: a site's row (its current
// settings, which judge new events and give reports their zone) against its latest chained site record, and each
// rollup row and value-histogram cell against what the stored judgements give (corrections applied, as the writer
// applies them: domain/rollups.ts). A difference is a change made outside Ringside, named as a verification problem.
import { canonicalJson } from './canonical';
import { bucketStart, fold, zeroSums, type Sums } from './rollups';
import type { ChainProblem, Difference, DerivedCell } from './verify';

/** A site's row beside its latest history record, as verification reads them. */
export interface SiteAgainstRecord {
  site: string;
  row: { retired: boolean; definition: object } | null;
  latest: { seq: number; change: string; definition: object } | null;
}

/** The settings a site history record holds, in its order. */
const SITE_FIELDS = ['id', 'name', 'timeZone', 'ringCycleSeconds', 'hours', 'holidays', 'autoCreated'] as const;

const shown = (value: unknown) => JSON.stringify(value ?? null);
const listed = (differences: readonly Difference[], other: string) => differences.map((d) => `${d.field}: stored ${shown(d.stored)}, ${other} ${shown(d.expected)}`).join('; ');

/**
 * What is wrong with a site's row, or null. A site without a history record is not compared: only a site from before
 * site history (version 2) that has not changed since has none, and there is no chained record to compare it with.
 */
export function siteProblem(s: SiteAgainstRecord): ChainProblem | null {
  if (!s.latest) return null;
  const base = { seq: 0, kind: 'sites', ref: s.site, site: s.site };
  if (!s.row) return { ...base, problem: `the sites row of ${s.site} is missing (deleted outside Ringside); its latest chained site record is ${s.latest.seq}` };
  const stored = s.row.definition as Record<string, unknown>;
  const chained = s.latest.definition as Record<string, unknown>;
  const differences: Difference[] = SITE_FIELDS.filter((f) => canonicalJson(stored[f] ?? null) !== canonicalJson(chained[f] ?? null)).map((field) => ({ field, stored: stored[field] ?? null, expected: chained[field] ?? null }));
  // A retired site's latest record is its retirement; any later change un-retires it.
  const retired = s.latest.change === 'retired';
  if (s.row.retired !== retired) differences.push({ field: 'retired', stored: s.row.retired, expected: retired });
  if (differences.length === 0) return null;
  return { ...base, differences, problem: `the sites row of ${s.site} differs from its latest chained site record ${s.latest.seq} (${listed(differences, 'chained')}): it was changed outside Ringside` };
}

/** A row of sums at a place: a rollup row, or raw judgements' contributions at their instant. */
export interface PlacedSums extends Sums {
  t: number;
  standardId: string;
  version: number;
  site: string;
}

/** A value-histogram cell, stored or recounted. */
export interface PlacedValue {
  t: number;
  standardId: string;
  version: number;
  site: string;
  value: number;
  n: number;
  met: number;
}

const keyOf = (r: { standardId: string; version: number; site: string; t: number }, value?: number) =>
  `${r.standardId}\u0000${r.version}\u0000${r.site}\u0000${r.t}${value === undefined ? '' : `\u0000${value}`}`;

/** Contributions summed per bucket of `grainMs` (the rows' instants floored), by the writer's fold. */
export function sumsByBucket(rows: Iterable<PlacedSums>, grainMs: number): Map<string, PlacedSums> {
  const cells = new Map<string, PlacedSums>();
  for (const r of rows) {
    const t = bucketStart(r.t, grainMs);
    const key = keyOf({ ...r, t });
    const cell = cells.get(key);
    if (cell) fold(cell, r);
    else {
      const fresh: PlacedSums = { t, standardId: r.standardId, version: r.version, site: r.site, ...zeroSums() };
      fold(fresh, r);
      cells.set(key, fresh);
    }
  }
  return cells;
}

/** Value counts summed per bucket of `grainMs`. */
export function valuesByBucket(rows: Iterable<PlacedValue>, grainMs: number): Map<string, PlacedValue> {
  const cells = new Map<string, PlacedValue>();
  for (const r of rows) {
    const t = bucketStart(r.t, grainMs);
    const key = keyOf({ ...r, t }, r.value);
    const cell = cells.get(key);
    if (cell) {
      cell.n += r.n;
      cell.met += r.met;
    } else cells.set(key, { ...r, t });
  }
  return cells;
}

const COUNTERS = ['judged', 'counted', 'met', 'considered', 'abandoned', 'valueN'] as const;

/**
 * Σ value is a sum of doubles that the writer took in another order, adding and taking back (corrections): equal up to
 * the rounding of every step. That rounding grows with the values the row went through, not with what is left (values
 * added and all taken back leave a residue of their rounding's size, ~1e-7 for a hundred waits of a day), so the
 * allowance is a millionth of the larger sum, and at least a millionth: an edit below it moves no average a person
 * reads, while every edit of a count is named exactly.
 */
function sameSum(stored: Sums, recounted: Sums): boolean {
  const a = stored.valueSum;
  const b = recounted.valueSum;
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

function sumsDifferences(stored: Sums, recounted: Sums): Difference[] {
  const differences: Difference[] = COUNTERS.filter((f) => stored[f] !== recounted[f]).map((field) => ({ field, stored: stored[field], expected: recounted[field] }));
  if (!sameSum(stored, recounted)) differences.push({ field: 'valueSum', stored: stored.valueSum, expected: recounted.valueSum });
  // A correction cannot take a longest wait back (domain/rollups.ts), so a row may hold a longer one than its events
  // have now, never a shorter one.
  if (recounted.waitMax !== null && (stored.waitMax === null || stored.waitMax < recounted.waitMax)) differences.push({ field: 'waitMax', stored: stored.waitMax, expected: recounted.waitMax });
  return differences;
}

/** Where the cells are kept, and from when they can be recounted (the retention horizon: before it, events are pruned). */
export interface CellTable {
  table: string;
  grain: string;
  fromMs: number;
  /**
   * Whether the verification that recounts them found the chain itself broken (a record altered, missing or written
   * outside Ringside): the judgements the cells are recounted from may then be forged too, and a rebuild from them
   * would make the figures agree with the forgery.
   */
  chainBroken: boolean;
}

/** Where a cell is: what a problem names it by. */
type Placed = { t: number; standardId: string; version: number; site: string };

function cellProblem(at: CellTable, r: Placed, differences: Difference[], value?: number): ChainProblem {
  const cell: DerivedCell = { table: at.table, grain: at.grain, standardId: r.standardId, standardVersion: r.version, site: r.site, bucketStart: new Date(r.t).toISOString(), ...(value === undefined ? {} : { value }) };
  const what = `the ${at.table} ${value === undefined ? 'row' : `cell of value ${value}`} of standard ${r.standardId} version ${r.version} at site ${r.site}, ${at.grain} from ${cell.bucketStart}`;
  return {
    seq: 0,
    kind: at.table,
    ref: `${r.standardId}@${r.version}/${r.site}/${cell.bucketStart}${value === undefined ? '' : `/${value}`}`,
    cell,
    differences,
    problem: `${what}, differs from what its judgements give (${listed(differences, 'judgements give')}): ${at.chainBroken ? REBUILD_NOT_YET : REBUILD}`,
  };
}

const REBUILD = 'it was changed outside Ringside (the records are intact where the chain says so; rebuild-rollups recomputes these tables from them)';
const REBUILD_NOT_YET =
  'it was changed outside Ringside, and this verification found the chain broken too (a record altered, missing or written outside Ringside): ' +
  "resolve the chain's problems first (restore the store from a backup made before the change), and do not run rebuild-rollups before the chain is intact: " +
  'it recomputes these tables from the records as they are now, a forged one included';

/** How one kind of cell is compared: its key, what a missing one counts as, what differs, and its value if keyed by one. */
interface CellComparison<F, C extends F & Placed> {
  key(cell: C): string;
  none: F;
  differ(stored: F, recounted: F): Difference[];
  value?(cell: C): number;
}

/**
 * Stored cells that differ from the recount, from the retention horizon on: each stored cell against its recount
 * (none counting as `none`), then each recounted cell that has no stored one.
 */
function* cellProblems<F, C extends F & Placed>(at: CellTable, stored: readonly C[], recounted: Map<string, C>, how: CellComparison<F, C>): Generator<ChainProblem> {
  const seen = new Set<string>();
  for (const cell of stored) {
    const key = how.key(cell);
    seen.add(key);
    if (cell.t < at.fromMs) continue;
    const differences = how.differ(cell, recounted.get(key) ?? how.none);
    if (differences.length > 0) yield cellProblem(at, cell, differences, how.value?.(cell));
  }
  for (const [key, cell] of recounted) {
    if (seen.has(key) || cell.t < at.fromMs) continue;
    const differences = how.differ(how.none, cell);
    if (differences.length > 0) yield cellProblem(at, cell, differences, how.value?.(cell));
  }
}

/** Rollup rows that differ from the recount (a missing row counts as zero, as does a recount with no judgements). */
export const rollupProblems = (at: CellTable, stored: readonly PlacedSums[], recounted: Map<string, PlacedSums>): Generator<ChainProblem> =>
  cellProblems<Sums, PlacedSums>(at, stored, recounted, { key: (row) => keyOf(row), none: zeroSums(), differ: sumsDifferences });

type Counts = { n: number; met: number };
const countsDifferences = (stored: Counts, recounted: Counts): Difference[] =>
  (['n', 'met'] as const).filter((f) => stored[f] !== recounted[f]).map((field) => ({ field, stored: stored[field], expected: recounted[field] }));

/** Value-histogram cells that differ from the recount (a missing cell counts as none). */
export const valueProblems = (at: CellTable, stored: readonly PlacedValue[], recounted: Map<string, PlacedValue>): Generator<ChainProblem> =>
  cellProblems<Counts, PlacedValue>(at, stored, recounted, { key: (cell) => keyOf(cell, cell.value), none: { n: 0, met: 0 }, differ: countsDifferences, value: (cell) => cell.value });
