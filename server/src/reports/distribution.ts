// The distribution report (issue #5): per standard, how many events fell in each wait bin, and where the
// threshold sits. Bins: rings 1, 2, 3, 4+ for a rings measure; 0–10, 10–20, 20–30, 30–60, 60+ s otherwise;
// then the abandoned (calls) / left (visits) bin. A threshold that is not already a bin edge becomes one,
// so the marker always sits between two bars. Before the retention cutoff, the bins come from the value
// histograms and rollups (exactly; see DistributionQueries.summaryBinCounts).
import type { DistributionBin, DistributionReport, Standard, StandardDistribution } from '../protocol';
import type { BinCount, DistributionQueries, DistributionRange } from '../store/distributionQueries';
import { incompleteOf, PRUNE_GRID_MS, prunedParts, type RetentionHorizon } from '../audit/retention';

/** Histogram and rollup buckets this long are wholly pruned or wholly kept (the pruning cutoff's grid). */
const QUARTER_MS = PRUNE_GRID_MS;

export const RING_EDGES = [1, 2, 3] as const;
export const SECOND_EDGES = [10, 20, 30, 60] as const;

export interface DistributionQuery {
  fromMs: number;
  toMs: number;
  site: string | null;
  /** null = every standard in force. */
  standardId: string | null;
  /** The zone "today" was taken in (the site's, `tz`, or the server's). */
  timeZone: string;
}

/** The largest threshold we add as an extra edge (beyond it, the marker would only squash the bars). */
const MAX_EXTRA_EDGE = { rings: 10, seconds: 600 } as const;

/** Upper bin edges (inclusive) for a standard, the default ones plus its threshold when that is not one. */
export function binEdges(standard: Pick<Standard, 'measure' | 'operator' | 'threshold'>): number[] {
  const unit = standard.measure === 'rings' ? 'rings' : 'seconds';
  const edges: number[] = unit === 'rings' ? [...RING_EDGES] : [...SECOND_EDGES];
  const at = thresholdEdge(standard);
  if (at !== null && at > 0 && at <= MAX_EXTRA_EDGE[unit] && !edges.includes(at)) {
    edges.push(at);
    edges.sort((a, b) => a - b);
  }
  return edges;
}

/** The inclusive upper edge a threshold stands for: "≤ 2" → 2; "< 3 rings" → 2 (whole rings); else null. */
function thresholdEdge(standard: Pick<Standard, 'measure' | 'operator' | 'threshold'>): number | null {
  if (standard.operator === '<=') return standard.threshold;
  if (standard.operator === '<' && standard.measure === 'rings' && Number.isInteger(standard.threshold)) return standard.threshold - 1;
  return null;
}

function waitLabel(unit: 'rings' | 'seconds', from: number | null, to: number | null): string {
  if (unit === 'rings') {
    if (to === null) return `${(from ?? 0) + 1}+ rings`;
    return from === null || to - from === 1 ? `Ring ${to}` : `Rings ${from + 1}–${to}`;
  }
  if (to === null) return `${from ?? 0} s+`;
  return `${from ?? 0}–${to} s`;
}

function waitKey(unit: 'rings' | 'seconds', from: number | null, to: number | null): string {
  if (unit === 'rings') return to === null ? `ring-${(from ?? 0) + 1}+` : from === null || to - from === 1 ? `ring-${to}` : `ring-${from + 1}-${to}`;
  return to === null ? `s-${from ?? 0}+` : `s-${from ?? 0}-${to}`;
}

/** Pure: the bins of one standard from the per-bin counts the store returned. */
export function buildDistribution(standard: Standard, edges: readonly number[], counts: readonly BinCount[]): StandardDistribution {
  const unit = standard.measure === 'rings' ? 'rings' : 'seconds';
  const byBin = new Map(counts.map((c) => [c.bin, c]));
  const bins: DistributionBin[] = [];
  for (let i = 0; i <= edges.length; i += 1) {
    const from = i === 0 ? (unit === 'rings' ? null : 0) : edges[i - 1]!;
    const to = i < edges.length ? edges[i]! : null;
    const c = byBin.get(i);
    bins.push({ key: waitKey(unit, from, to), label: waitLabel(unit, from, to), kind: 'wait', from, to, count: c?.count ?? 0, met: c?.met ?? 0 });
  }
  const gaveUp = byBin.get(-1);
  const abandonedLabel = standard.eventType === 'call' ? 'Abandoned' : 'Left';
  bins.push({ key: standard.eventType === 'call' ? 'abandoned' : 'left', label: abandonedLabel, kind: 'abandoned', from: null, to: null, count: gaveUp?.count ?? 0, met: gaveUp?.met ?? 0 });
  const edge = thresholdEdge(standard);
  const index = edge === null ? -1 : edges.indexOf(edge);
  return {
    standardId: standard.id,
    standardName: standard.name,
    eventType: standard.eventType,
    measure: standard.measure,
    unit,
    operator: standard.operator,
    threshold: standard.threshold,
    thresholdAfterBin: index >= 0 ? index + 1 : null,
    bins,
    // Answered events without a value (bin -2) are counted in the total but have no bar.
    total: counts.reduce((sum, c) => sum + c.count, 0),
  };
}

/**
 * Counts per bin over [from, to): raw judgements from the retention cutoff on; before it, the value histograms and
 * rollups (DistributionQueries.summaryBinCounts) for the quarter hours, and what is still stored for the edges
 * off that grid, which are named in `missing` (their pruned events are in no bin).
 */
function countsFor(queries: DistributionQueries, range: DistributionRange, edges: readonly number[], horizon: RetentionHorizon | null) {
  const cut = Math.min(range.toMs, Math.max(range.fromMs, horizon?.prunedBeforeMs ?? range.fromMs));
  const raw: Array<{ fromMs: number; toMs: number }> = [];
  const lists: BinCount[][] = [];
  if (cut > range.fromMs) {
    const q0 = Math.ceil(range.fromMs / QUARTER_MS) * QUARTER_MS;
    const q1 = Math.floor(cut / QUARTER_MS) * QUARTER_MS;
    if (q0 < q1) {
      lists.push(queries.summaryBinCounts({ ...range, fromMs: q0, toMs: q1 }, edges));
      raw.push({ fromMs: range.fromMs, toMs: q0 }, { fromMs: q1, toMs: cut });
    } else raw.push({ fromMs: range.fromMs, toMs: cut });
  }
  raw.push({ fromMs: cut, toMs: range.toMs });
  const read = raw.filter((r) => r.fromMs < r.toMs);
  for (const r of read) lists.push(queries.binCounts({ ...range, ...r }, edges));
  const byBin = new Map<number, BinCount>();
  for (const c of lists.flat()) {
    const b = byBin.get(c.bin);
    byBin.set(c.bin, b ? { bin: c.bin, count: b.count + c.count, met: b.met + c.met } : c);
  }
  return { counts: [...byBin.values()], missing: prunedParts('bins', read, horizon) };
}

export function distributionReport(queries: DistributionQueries, standards: readonly Standard[], q: DistributionQuery): DistributionReport {
  const chosen = standards.filter((s) => q.standardId === null || s.id === q.standardId);
  const horizon = queries.horizon();
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    site: q.site,
    timeZone: q.timeZone,
    standards: chosen.map((standard) => {
      const edges = binEdges(standard);
      const { counts, missing } = countsFor(queries, { standardId: standard.id, fromMs: q.fromMs, toMs: q.toMs, site: q.site }, edges, horizon);
      const incomplete = incompleteOf(horizon, missing);
      return { ...buildDistribution(standard, edges, counts), ...(incomplete ? { incomplete } : {}) };
    }),
    prunedBefore: horizon === null ? null : new Date(horizon.prunedBeforeMs).toISOString(),
  };
}
