// The distribution of waits: per standard, how many events fell in each wait bin, and where the threshold sits.
// Bins: rings 1, 2, 3, 4+ for a rings measure; 0–10, 10–20, 20–30, 30–60, 60+ s otherwise; then the abandoned
// (calls) / left (visits) bin. A threshold that is not already a bin edge becomes one, so the marker always sits
// between two bars. Outside-hours judgements are in no bin (they are not considered).
import type { DistributionBin, Standard, StandardDistribution } from '../protocol';
import { gaveUp, isConsidered, type Sums } from './rollups';

const RING_EDGES = [1, 2, 3] as const;
const SECOND_EDGES = [10, 20, 30, 60] as const;

/** Counts of one bin: 0 … edges.length the wait bins (value ≤ edges[i], first match; edges.length = above the
 *  last edge); -1 the abandoned / left bin; -2 answered but without a measured value. */
export interface BinCount {
  bin: number;
  count: number;
  met: number;
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

/** The wait bin of a value (edges ascending, inclusive). */
function waitBin(value: number, edges: readonly number[]): number {
  const i = edges.findIndex((e) => value <= e);
  return i === -1 ? edges.length : i;
}

/** The bin of considered judgements: gave up, not measured, or their wait bin; null when not considered. */
export function binOf(j: { value: number | null; outcome: string; reason: string | null }, edges: readonly number[]): number | null {
  if (!isConsidered(j.reason)) return null;
  if (gaveUp(j.outcome)) return -1;
  return j.value === null ? -2 : waitBin(j.value, edges);
}

/** Adds counts into bins (in place); returns the map. */
export function addToBins(bins: Map<number, BinCount>, bin: number, count: number, met: number): Map<number, BinCount> {
  const b = bins.get(bin);
  bins.set(bin, { bin, count: (b?.count ?? 0) + count, met: (b?.met ?? 0) + met });
  return bins;
}

/**
 * The bins from what pruning keeps: the value histograms hold the wait bins' population (considered judgements of
 * answered/greeted events with a value, met included); the rest of the considered judgements and of Σmet (rollups)
 * is the abandoned/left bin. Exact when `unplaced` is 0, as it always is for calls and visits: an answered call or
 * greeted visit always has its measure (the wire schema requires one; a call's other one is derived), so
 * "answered without a value" is empty. Other types' judgements may not be (an expired case).
 */
export function binsFromSummaries(values: ReadonlyArray<{ value: number; n: number; met: number }>, considered: Pick<Sums, 'considered' | 'met'>, edges: readonly number[]): BinCount[] {
  const bins = new Map<number, BinCount>();
  for (const v of values) addToBins(bins, waitBin(v.value, edges), v.n, v.met);
  const waits = [...bins.values()].reduce((s, c) => ({ count: s.count + c.count, met: s.met + c.met }), { count: 0, met: 0 });
  return [...bins.values(), { bin: -1, count: considered.considered - waits.count, met: considered.met - waits.met }];
}

/**
 * Considered judgements that neither gave up nor are among `inPopulation` judgements of the value population:
 * those binsFromSummaries cannot place. binOf puts them in bin −2 (an expired case, a registered type's success
 * without a value) or, with a value (an expired case's measure stopped before expiry), in a wait bin; the summaries
 * would count them as given up. `inPopulation`: the histograms' Σn over the same range (or a rollup's valueN, the
 * same count written from the same judgements).
 *
 * When it is 0 the summaries are exact, bin by bin, `met` included: the considered judgements that did not give up
 * are then exactly the value population, which the histograms hold per value (n and met), so every wait bin is
 * binOf's; the give-up bin's count, considered − Σn, is `abandoned`, binOf's −1; its met, Σmet − Σ histogram met,
 * is the give-ups' met plus that of the judgements that are not considered, which is 0: an outside-hours
 * judgement is never counted, so never met (judge.ts).
 */
export const unplaced = (sums: Pick<Sums, 'considered' | 'abandoned'>, inPopulation: number): number => sums.considered - sums.abandoned - inPopulation;
