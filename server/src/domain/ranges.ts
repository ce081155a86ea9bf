// How a range [fromMs, toMs) is read: which parts from the rollups or value histograms (whole buckets on their
// grid), which from raw judgements (the edges off the grid). Shared by every figure, so each reads the same events
// for the same range (also after pruning, when a raw edge in the pruned past is empty and each says so).
import type { Bucket, ReportWindow } from '../protocol';
import { nextPeriodStart, periodStart, periodStarts } from './zonedTime';
import { QUARTER_GRAIN_MS, ROLLUP_GRAINS, VALUE_GRAINS, type RollupGrain, type ValueGrain } from './rollups';

const MINUTE_MS = 60_000;
const mod = (a: number, m: number) => ((a % m) + m) % m;
const floorTo = (t: number, g: number) => t - mod(t, g);
const ceilTo = (t: number, g: number) => floorTo(t + g - 1, g);

/** The coarsest rollup grain every boundary is aligned to, or null (raw). */
function grainFor(boundaries: readonly number[]): RollupGrain | null {
  for (const g of [...ROLLUP_GRAINS].sort((a, b) => b.ms - a.ms)) {
    if (boundaries.every((b) => mod(b, g.ms) === 0)) return g;
  }
  return null;
}

/** Whole buckets of one rollup grain: [fromMs, toMs) on its grid. */
export interface RollupSpan {
  grain: RollupGrain;
  fromMs: number;
  toMs: number;
}

/** A range read as rollup spans plus raw pieces (each under one edge grain long) off their grid. */
export interface RangeSplit {
  raw: Array<{ fromMs: number; toMs: number }>;
  /** In time order; with the raw pieces they cover the range once. */
  rollups: RollupSpan[];
}

/**
 * The grains an off-grid range's raw edges are cut to: up to the quarter hour, so each raw edge stays under 15
 * minutes (an hour edge would be thousands of judgements at a busy site, on every refresh of a rolling window).
 * Minute cells are not used in place of a quarter hour's edge: a cell keeps a voided event's longest wait, which the
 * raw edge does not count, so the edges read raw are the same whatever the interior is read from.
 */
const EDGE_GRAINS = [...ROLLUP_GRAINS].filter((g) => g.ms <= QUARTER_GRAIN_MS).sort((a, b) => b.ms - a.ms);

/**
 * How a range is read. Its interior comes from the coarsest grain every inner boundary is on (a month by day in UTC
 * or a whole-hour zone: whole hours, a quarter of the quarter-hour rows, which for a large estate are hundreds of
 * thousands), finer grains towards each end, down to the finest grain the range's ends are on. A range whose ends are off every
 * grid (a rolling window, "30 days until now") has two partial edges under a quarter hour read from raw rows.
 */
export function splitRange(fromMs: number, toMs: number, boundaries: readonly number[]): RangeSplit {
  const inner = boundaries.filter((b) => b > fromMs && b < toMs);
  const fits = (g: RollupGrain) => inner.every((x) => mod(x, g.ms) === 0);
  const edge = grainFor(boundaries) ?? EDGE_GRAINS.find((g) => fits(g) && ceilTo(fromMs, g.ms) < floorTo(toMs, g.ms));
  if (!edge) return { raw: [{ fromMs, toMs }], rollups: [] };
  const levels = [...ROLLUP_GRAINS].filter((g) => g.ms >= edge.ms && g.ms % edge.ms === 0 && fits(g)).sort((x, y) => y.ms - x.ms);
  const split: RangeSplit = { raw: [], rollups: [] };
  for (const p of nested(fromMs, toMs, levels)) {
    if (p.grain) split.rollups.push({ grain: p.grain, fromMs: p.fromMs, toMs: p.toMs });
    else split.raw.push({ fromMs: p.fromMs, toMs: p.toMs });
  }
  return split;
}

export interface ValuePiece {
  /** A value-histogram grain, or null for raw judgements. */
  grain: ValueGrain | null;
  fromMs: number;
  toMs: number;
}

/**
 * Splits [from, to) into the pieces the p90's values are read from: whole UTC days from the day histogram, the
 * quarter hours of partial days from the quarter-hour one, and the sub-quarter-hour edges from raw judgements.
 */
export function valuePieces(fromMs: number, toMs: number): ValuePiece[] {
  const [day, quarter] = VALUE_GRAINS;
  const q0 = Math.ceil(fromMs / quarter.ms) * quarter.ms;
  const q1 = Math.floor(toMs / quarter.ms) * quarter.ms;
  if (q0 >= q1) return [{ grain: null, fromMs, toMs }];
  const d0 = Math.ceil(fromMs / day.ms) * day.ms;
  const d1 = Math.floor(toMs / day.ms) * day.ms;
  const middle: ValuePiece[] =
    d0 < d1
      ? [{ grain: quarter, fromMs: q0, toMs: d0 }, { grain: day, fromMs: d0, toMs: d1 }, { grain: quarter, fromMs: d1, toMs: q1 }]
      : [{ grain: quarter, fromMs: q0, toMs: q1 }];
  return [{ grain: null, fromMs, toMs: q0 }, ...middle, { grain: null, fromMs: q1, toMs }].filter((p) => p.fromMs < p.toMs);
}

/** A piece of a window: whole buckets of a rollup grain, or raw judgements (grain null). */
export interface WindowPiece {
  grain: RollupGrain | null;
  fromMs: number;
  toMs: number;
}

/**
 * Splits [fromMs, toMs) into whole buckets of the coarsest grain of `levels` (coarsest first) that fit, finer ones
 * towards the edges, and raw pieces below the finest. Pieces are disjoint, in time order, and cover the range exactly.
 */
function nested(fromMs: number, toMs: number, levels: readonly RollupGrain[]): WindowPiece[] {
  const split = (from: number, to: number, level: number): WindowPiece[] => {
    if (from >= to) return [];
    const grain = levels[level];
    if (!grain) return [{ grain: null, fromMs: from, toMs: to }];
    const b = ceilTo(from, grain.ms);
    const c = floorTo(to, grain.ms);
    if (b >= c) return split(from, to, level + 1);
    return [...split(from, b, level + 1), { grain, fromMs: b, toMs: c }, ...split(c, to, level + 1)];
  };
  return split(fromMs, toMs, 0);
}

/** Every grain, coarsest first, down to raw judgements for the sub-minute ends (alert windows). */
export const decompose = (fromMs: number, toMs: number): WindowPiece[] => nested(fromMs, toMs, [...ROLLUP_GRAINS].sort((a, b) => b.ms - a.ms));

/** Bucket starts overlapping [from, to), and the end of the last one (hour and day buckets in `zone`). */
export function bucketBounds(fromMs: number, toMs: number, bucket: Bucket, zone: string): { starts: number[]; end: number } {
  if (bucket === 'minute') {
    const starts: number[] = [];
    for (let s = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS; s < toMs; s += MINUTE_MS) starts.push(s);
    return { starts, end: starts.length ? starts.at(-1)! + MINUTE_MS : toMs };
  }
  const starts = periodStarts(fromMs, toMs, zone, bucket);
  return { starts, end: starts.length ? nextPeriodStart(starts.at(-1)!, zone, bucket) : toMs };
}

const ROLLING_MS: Partial<Record<ReportWindow, number>> = { '15m': 15 * 60_000, '1h': 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** [from, to) of a named window at `nowMs`; "today" and "month" are whole local periods in `zone`. */
export function windowRange(window: ReportWindow, nowMs: number, zone: string): { fromMs: number; toMs: number } {
  const rolling = ROLLING_MS[window];
  if (rolling !== undefined) return { fromMs: nowMs - rolling, toMs: nowMs };
  const unit = window === 'today' ? 'day' : 'month';
  return { fromMs: periodStart(nowMs, zone, unit), toMs: nextPeriodStart(nowMs, zone, unit) };
}

/**
 * The zone of "today" (and of hour and day buckets): the one asked for, else the site's when one configured site
 * is asked, else the server's. Every figure takes its day from here.
 */
export function reportZone(asked: string | null, siteZone: string | undefined, serverZone: string): string {
  return asked ?? siteZone ?? serverZone;
}

let lastToday: { zone: string; fromMs: number; toMs: number } | null = null;

/**
 * Today, the local day of `zone`. The live push asks after every stored batch; the day found last is kept (the
 * local day that contains an instant is unique, so it answers for every instant inside it).
 */
export function todayRange(nowMs: number, zone: string): { fromMs: number; toMs: number } {
  const last = lastToday;
  if (last !== null && last.zone === zone && nowMs >= last.fromMs && nowMs < last.toMs) return { fromMs: last.fromMs, toMs: last.toMs };
  const range = windowRange('today', nowMs, zone);
  lastToday = { zone, ...range };
  return range;
}
