// The distribution report (issue #5): per standard, how many events fell in each wait bin, and where the
// threshold sits. Bins: rings 1, 2, 3, 4+ for a rings measure; 0–10, 10–20, 20–30, 30–60, 60+ s otherwise;
// then the abandoned (calls) / left (visits) bin. A threshold that is not already a bin edge becomes one,
// so the marker always sits between two bars.
import type { DistributionBin, DistributionReport, Standard, StandardDistribution } from '../protocol';
import type { BinCount, DistributionQueries } from '../store/distributionQueries';

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

export function distributionReport(queries: DistributionQueries, standards: readonly Standard[], q: DistributionQuery): DistributionReport {
  const chosen = standards.filter((s) => q.standardId === null || s.id === q.standardId);
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    site: q.site,
    timeZone: q.timeZone,
    standards: chosen.map((standard) => {
      const edges = binEdges(standard);
      const counts = queries.binCounts({ standardId: standard.id, fromMs: q.fromMs, toMs: q.toMs, site: q.site }, edges);
      return buildDistribution(standard, edges, counts);
    }),
  };
}
