// Compliance figures over any range, zone, bucket and breakdown (issue #3). Site-level and all-site
// counts come from the rollup tables whenever every boundary is aligned to a rollup grain (15 min, else
// 1 min), otherwise from raw judgements; queue/agent breakdowns read raw judgements, and the p90 reads the
// value histograms (issue #7, store/valueHistogram.ts) for the aligned part of the range. Rollups and
// histograms survive retention pruning; what is read raw before the pruning cutoff is named in `incomplete`.
import type { Bucket, Companions, ComplianceFigure, GroupBy, GroupFigure, Measure, SeriesPoint, StandardVersion, VersionContribution } from '../protocol';
import { bandOf } from '../domain/standards';
import { periodStarts, nextPeriodStart } from '../domain/zonedTime';
import { splitRange, valuePieces, type AggRow, type RangeSplit } from '../store/rollupQueries';
import { incompleteOf, prunedParts, type RetentionHorizon } from '../audit/retention';
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

/** How a range is read (splitRange): raw rows (their own instant as `t`) for what is off the rollup grid, and one rollup span. */
interface RangePlan {
  raw: AggRow[];
  /** The ranges `raw` was read from (after pruning, those before the cutoff lack events). */
  rawRanges: RangeSplit['raw'];
  rollup: RangeSplit['rollup'];
}

/** Raw rows carry their own instant as `t`, so the series and sums treat both kinds alike. */
function planRange(store: Store, ids: readonly string[], q: FigureQuery, boundaries: readonly number[]): RangePlan {
  const split = splitRange(q.fromMs, q.toMs, boundaries);
  const raw = split.raw.flatMap((r) => store.engine.aggregate({ standardIds: ids, site: q.site, ...r, source: 'raw' }));
  return { raw, rawRanges: split.raw, rollup: split.rollup };
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
function readRange(store: Store, ids: readonly string[], q: FigureQuery, boundaries: readonly number[], series: boolean): { totals: AggRow[]; series: AggRow[]; rawRanges: RangePlan['rawRanges'] } {
  const plan = planRange(store, ids, q, boundaries);
  const rawRanges = plan.rawRanges;
  if (!plan.rollup) return { totals: plan.raw, series: plan.raw, rawRanges };
  const base = { standardIds: ids, site: q.site, ...plan.rollup };
  const bySite = () => [...plan.raw, ...store.engine.aggregate({ ...base, shape: 'totals' })];
  if (!series) return { totals: bySite(), series: [], rawRanges };
  const cellMs = seriesCell(plan, boundaries.filter((b) => b > q.fromMs && b < q.toMs));
  // A cell may start before the span (and the first series bucket); its rows are all inside the span, and no
  // boundary lies between the span's start and them, so they are placed at the span's start.
  const cells = store.engine.aggregate({ ...base, shape: 'series', cellMs }).map((r) => (r.t < base.fromMs ? { ...r, t: base.fromMs } : r));
  const rows = [...plan.raw, ...cells];
  return { totals: q.groupBy === 'site' ? bySite() : rows, series: rows, rawRanges };
}

/**
 * Queue/agent breakdowns need the raw events (the rollups and histograms keep no queue or agent), so they are
 * read from the retention cutoff on: the groups cover [fromMs, q.toMs) and the figure says what they lack.
 */
function rawGroups(store: Store, ids: readonly string[], q: FigureQuery, horizon: RetentionHorizon | null) {
  if (q.groupBy !== 'queue' && q.groupBy !== 'agent') return null;
  const fromMs = Math.min(q.toMs, Math.max(q.fromMs, horizon?.prunedBeforeMs ?? q.fromMs));
  const range = { standardIds: ids, fromMs, toMs: q.toMs, site: q.site, groupBy: q.groupBy };
  return { fromMs, values: store.engine.values(range), rows: store.engine.aggregate({ ...range, source: 'raw' }) };
}

export function complianceFigures(store: Store, q: FigureQuery): FullFigure[] {
  const standards = q.standardIds.map((id) => store.standards.get(id)).filter((s): s is StandardVersion => s !== undefined);
  const ids = standards.map((s) => s.id);
  const bounds = q.bucket ? bucketBounds(q.fromMs, q.toMs, q.bucket, q.timeZone) : null;
  const boundaries = [q.fromMs, q.toMs, ...(bounds?.starts.filter((s) => s > q.fromMs && s < q.toMs) ?? [])];
  const read = readRange(store, ids, q, boundaries, bounds !== null);
  // Each boundary's ISO text once for every standard's series (a point's end is the next one's start).
  const iso = bounds ? [...bounds.starts, bounds.end].map((ms) => new Date(ms).toISOString()) : [];
  const horizon = store.audit.retention();
  // The p90 is read from the value histograms (and raw sub-quarter-hour edges) whatever the breakdown, so a
  // queue/agent breakdown does not change the standard's own p90, nor lose it for a pruned range.
  const values = store.engine.values({ standardIds: ids, fromMs: q.fromMs, toMs: q.toMs, site: q.site });
  const raw = rawGroups(store, ids, q, horizon);
  const missing = [
    ...prunedParts('counts', read.rawRanges, horizon),
    ...prunedParts('p90', valuePieces(q.fromMs, q.toMs).filter((p) => p.source === 'raw'), horizon),
    ...(raw ? prunedParts('groups', [{ fromMs: q.fromMs, toMs: raw.fromMs }], horizon) : []),
  ];
  const incomplete = incompleteOf(horizon, missing);
  const groupValues = raw ? raw.values : values;
  const groupRows = raw ? raw.rows : null;
  const covers = raw && raw.fromMs > q.fromMs ? { from: new Date(raw.fromMs).toISOString(), to: new Date(q.toMs).toISOString() } : {};

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
      for (const v of groupValues) if (v.standardId === std.id) entry(key(v)).values.push(v);
      figure.groups = [...groups.entries()]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
        .map(([k, g]) => {
          const r = ratio(g.sums.met, g.sums.counted);
          const { met, counted } = g.sums;
          return { key: k, numerator: met, denominator: counted, met, total: counted, missed: counted - met, ratio: r, band: bandOf(r, std.bands, std.target), companions: companions(std.measure, g.sums, g.values), ...covers };
        });
    }
    if (incomplete) figure.incomplete = incomplete;
    return figure;
  });
}
