// Compliance figures over any range, zone, bucket and breakdown (issue #3). Site-level and all-site
// counts come from the rollup tables whenever every boundary is aligned to a rollup grain (15 min, else
// 1 min), otherwise from raw judgements; queue/agent breakdowns read raw judgements, and the p90 reads the
// value histograms (issue #7, store/valueHistogram.ts) for the aligned part of the range.
import type { Bucket, Companions, ComplianceFigure, GroupBy, GroupFigure, Measure, SeriesPoint, StandardVersion, VersionContribution } from '../protocol';
import { bandOf } from '../domain/standards';
import { periodStarts, nextPeriodStart } from '../domain/zonedTime';
import { sourceFor, type AggRow, type AggSource } from '../store/rollupQueries';
import type { Store } from '../store/store';

const MINUTE_MS = 60_000;

export interface FigureQuery {
  standardIds: readonly string[];
  fromMs: number;
  toMs: number;
  site: string | null;
  bucket: Bucket | null;
  /** Zone of hour/day bucket boundaries. */
  timeZone: string;
  groupBy: GroupBy | null;
}

export type FullFigure = ComplianceFigure & { series?: SeriesPoint[]; groups?: GroupFigure[] };

interface Sums {
  counted: number;
  met: number;
  considered: number;
  abandoned: number;
  valueN: number;
  valueSum: number;
  waitMax: number | null;
}

const zero = (): Sums => ({ counted: 0, met: 0, considered: 0, abandoned: 0, valueN: 0, valueSum: 0, waitMax: null });

function add(s: Sums, r: AggRow): void {
  s.counted += r.counted;
  s.met += r.met;
  s.considered += r.considered;
  s.abandoned += r.abandoned;
  s.valueN += r.valueN;
  s.valueSum += r.valueSum;
  if (r.waitMax !== null && (s.waitMax === null || r.waitMax > s.waitMax)) s.waitMax = r.waitMax;
}

/** Bucket starts overlapping [from, to), and the end of the last one. */
export function bucketBounds(fromMs: number, toMs: number, bucket: Bucket, zone: string): { starts: number[]; end: number } {
  if (bucket === 'minute') {
    const starts: number[] = [];
    for (let s = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS; s < toMs; s += MINUTE_MS) starts.push(s);
    return { starts, end: starts.length ? starts.at(-1)! + MINUTE_MS : toMs };
  }
  const starts = periodStarts(fromMs, toMs, zone, bucket);
  return { starts, end: starts.length ? nextPeriodStart(starts.at(-1)!, zone, bucket) : toMs };
}

/** p90 by nearest rank: the smallest value with at least 90 % of values ≤ it. */
export function p90(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1]!;
}

/** The same nearest-rank p90 over (value, count) pairs (issue #7: the store counts equal values in SQL). */
export function weightedP90(values: readonly Weighted[]): number | null {
  let total = 0;
  for (const v of values) total += v.n;
  if (total === 0) return null;
  const rank = Math.ceil(0.9 * total);
  const sorted = [...values].sort((a, b) => a.value - b.value);
  let seen = 0;
  for (const v of sorted) {
    seen += v.n;
    if (seen >= rank) return v.value;
  }
  return sorted.at(-1)!.value;
}

/** A measured value and how many judgements have it. */
type Weighted = { value: number; n: number };

function companions(measure: Measure, s: Sums, values: Weighted[]): Companions {
  return {
    measure,
    considered: s.considered,
    abandoned: s.abandoned,
    abandonRate: s.considered === 0 ? null : s.abandoned / s.considered,
    average: s.valueN === 0 ? null : s.valueSum / s.valueN,
    p90: weightedP90(values),
    longestWaitSeconds: s.waitMax,
  };
}

const ratio = (met: number, counted: number) => (counted === 0 ? null : met / counted);

function upperBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How a range is read: raw rows (their own instant as `t`) for what is off the rollup grid, and one rollup span. */
interface RangePlan {
  raw: AggRow[];
  rollup: { source: Exclude<AggSource, 'raw'>; fromMs: number; toMs: number } | null;
}

/**
 * Issue #7: a rolling window ("30 days until now") starts and ends off the rollup grid, which used to send the whole
 * range to raw judgements. When only the two ends are off-grid (every bucket boundary inside is aligned), the
 * aligned interior is read from the rollups and just the two partial edges (under one grain each) from raw rows.
 * Raw rows carry their own instant as `t`, so the series and sums treat both kinds alike.
 */
function planRange(store: Store, ids: readonly string[], q: FigureQuery, boundaries: readonly number[]): RangePlan {
  const raw = (fromMs: number, toMs: number) => store.engine.aggregate({ standardIds: ids, site: q.site, fromMs, toMs, source: 'raw' });
  const source = sourceFor(boundaries);
  if (source !== 'raw') return { raw: [], rollup: { source, fromMs: q.fromMs, toMs: q.toMs } };
  const inner = boundaries.filter((b) => b > q.fromMs && b < q.toMs);
  for (const grain of [{ ms: 900_000, source: 'rollup_15m' as const }, { ms: MINUTE_MS, source: 'rollup_minute' as const }]) {
    const a = Math.ceil(q.fromMs / grain.ms) * grain.ms;
    const b = Math.floor(q.toMs / grain.ms) * grain.ms;
    if (a >= b || !inner.every((x) => x % grain.ms === 0)) continue;
    return { raw: [...raw(q.fromMs, a), ...raw(b, q.toMs)], rollup: { source: grain.source, fromMs: a, toMs: b } };
  }
  return { raw: raw(q.fromMs, q.toMs), rollup: null };
}

/** The largest cell (a multiple of the rollup grain) that never straddles a series boundary. */
function seriesCell(plan: RangePlan, inner: readonly number[]): number {
  const grain = plan.rollup?.source === 'rollup_minute' ? MINUTE_MS : 900_000;
  return [86_400_000, 3_600_000, grain].find((c) => c >= grain && inner.every((x) => x % c === 0)) ?? grain;
}

/**
 * Rows for the sums (per standard and version; per site too for groupBy=site) and for the series (per standard
 * and instant or cell). The rollup span is summed in SQL, so a month returns one row per (hour, version) serving
 * both, or a few rows for the sums alone, rather than every (quarter hour × site × version) row.
 */
function readRange(store: Store, ids: readonly string[], q: FigureQuery, boundaries: readonly number[], series: boolean): { totals: AggRow[]; series: AggRow[] } {
  const plan = planRange(store, ids, q, boundaries);
  if (!plan.rollup) return { totals: plan.raw, series: plan.raw };
  const base = { standardIds: ids, site: q.site, ...plan.rollup };
  const bySite = () => [...plan.raw, ...store.engine.aggregate({ ...base, shape: 'totals' })];
  if (!series) return { totals: bySite(), series: [] };
  const cellMs = seriesCell(plan, boundaries.filter((b) => b > q.fromMs && b < q.toMs));
  // A cell may start before the span (and the first series bucket); its rows are all inside the span, and no
  // boundary lies between the span's start and them, so they are placed at the span's start.
  const cells = store.engine.aggregate({ ...base, shape: 'series', cellMs }).map((r) => (r.t < base.fromMs ? { ...r, t: base.fromMs } : r));
  const rows = [...plan.raw, ...cells];
  return { totals: q.groupBy === 'site' ? bySite() : rows, series: rows };
}

export function complianceFigures(store: Store, q: FigureQuery): FullFigure[] {
  const standards = q.standardIds.map((id) => store.standards.get(id)).filter((s): s is StandardVersion => s !== undefined);
  const ids = standards.map((s) => s.id);
  const bounds = q.bucket ? bucketBounds(q.fromMs, q.toMs, q.bucket, q.timeZone) : null;
  const boundaries = [q.fromMs, q.toMs, ...(bounds?.starts.filter((s) => s > q.fromMs && s < q.toMs) ?? [])];
  const read = readRange(store, ids, q, boundaries, bounds !== null);
  // Each boundary's ISO text once for every standard's series (a point's end is the next one's start).
  const iso = bounds ? [...bounds.starts, bounds.end].map((ms) => new Date(ms).toISOString()) : [];
  const values = store.engine.values({ standardIds: ids, fromMs: q.fromMs, toMs: q.toMs, site: q.site, ...(q.groupBy === 'queue' || q.groupBy === 'agent' ? { groupBy: q.groupBy } : {}) });
  const groupRows = q.groupBy === 'queue' || q.groupBy === 'agent' ? store.engine.aggregate({ standardIds: ids, fromMs: q.fromMs, toMs: q.toMs, site: q.site, source: 'raw', groupBy: q.groupBy }) : null;

  return standards.map((std) => {
    const mine = read.totals.filter((r) => r.standardId === std.id);
    const myValues = values.filter((v) => v.standardId === std.id);
    const total = zero();
    const byVersion = new Map<number, Sums>();
    for (const r of mine) {
      add(total, r);
      const v = byVersion.get(r.version) ?? zero();
      add(v, r);
      byVersion.set(r.version, v);
    }
    const allVersions = store.standards.versions(std.id);
    const versions: VersionContribution[] = [...byVersion.entries()]
      .sort(([a], [b]) => a - b)
      .map(([version, s]) => {
        const def = allVersions.find((v) => v.version === version);
        return {
          version,
          formula: def?.formula ?? std.formula,
          operator: def?.operator ?? std.operator,
          threshold: def?.threshold ?? std.threshold,
          shortAbandonSeconds: def?.shortAbandonSeconds ?? null,
          numerator: s.met,
          denominator: s.counted,
        };
      });
    const r = ratio(total.met, total.counted);
    const figure: FullFigure = {
      standardId: std.id,
      standardName: std.name,
      target: std.target,
      formula: std.formula,
      total: total.counted,
      met: total.met,
      missed: total.counted - total.met,
      ratio: r,
      numerator: total.met,
      denominator: total.counted,
      band: bandOf(r, std.bands, std.target),
      versions,
      companions: companions(std.measure, total, myValues),
    };
    if (bounds) {
      const sums = bounds.starts.map(() => ({ counted: 0, met: 0 }));
      for (const row of read.series) {
        if (row.standardId !== std.id) continue;
        const i = upperBound(bounds.starts, row.t) - 1;
        if (i >= 0) {
          sums[i]!.counted += row.counted;
          sums[i]!.met += row.met;
        }
      }
      figure.series = bounds.starts.map((_start, i) => ({
        start: iso[i]!,
        end: iso[i + 1]!,
        total: sums[i]!.counted,
        met: sums[i]!.met,
        ratio: ratio(sums[i]!.met, sums[i]!.counted),
      }));
    }
    if (q.groupBy) {
      const key = (x: { site: string; queue?: string | null; agent?: string | null; group?: string | null }): string | null =>
        q.groupBy === 'site' ? x.site : q.groupBy === 'queue' ? (x.queue ?? x.group ?? null) : (x.agent ?? x.group ?? null);
      const groups = new Map<string | null, { sums: Sums; values: Weighted[] }>();
      const entry = (k: string | null) => {
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { sums: zero(), values: [] }));
        return g;
      };
      for (const row of q.groupBy === 'site' ? mine : groupRows!.filter((g) => g.standardId === std.id)) {
        add(entry(q.groupBy === 'site' ? row.site : (row.group ?? null)).sums, row);
      }
      for (const v of myValues) entry(key(v)).values.push(v);
      figure.groups = [...groups.entries()]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
        .map(([k, g]) => {
          const r = ratio(g.sums.met, g.sums.counted);
          const { met, counted } = g.sums;
          return { key: k, numerator: met, denominator: counted, met, total: counted, missed: counted - met, ratio: r, band: bandOf(r, std.bands, std.target), companions: companions(std.measure, g.sums, g.values) };
        });
    }
    return figure;
  });
}
