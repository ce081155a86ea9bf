// The distribution chart: per standard, how many judged events fell in each wait bin (domain/distribution.ts), read
// like every other figure: raw judgements (their effective state) from the retention cutoff on; before it, the value
// histograms and rollups for the quarter hours, and what is still stored for the edges off that grid, which are
// named as missing (their pruned events are in no bin).
import type { DistributionReport, Standard } from '../protocol';
import { addToBins, binEdges, binOf, binsFromSummaries, buildDistribution, type BinCount } from '../domain/distribution';
import { incompleteOf, PRUNE_GRID_MS, prunedParts, type RetentionHorizon } from '../domain/retention';
import { valuePieces } from '../domain/ranges';
import { fold, zeroSums } from '../domain/rollups';
import type { JudgementRange, StoreReads } from '../store/port';

export interface DistributionQuery {
  fromMs: number;
  toMs: number;
  site: string | null;
  /** null = every standard in force. */
  standardId: string | null;
  /** The zone "today" was taken in (the site's, `tz`, or the server's). */
  timeZone: string;
}

/** Bins of raw judgements of a range, from their values (grouped by the store). */
async function rawBins(reads: StoreReads, range: JudgementRange, edges: readonly number[]): Promise<BinCount[]> {
  const bins = new Map<number, BinCount>();
  for (const v of await reads.figures.rawValues(range)) {
    const bin = binOf(v, edges);
    if (bin !== null) addToBins(bins, bin, v.n, v.met);
  }
  return [...bins.values()];
}

/** The same bins for a range on the quarter-hour grid, from what pruning keeps (value histograms and rollups). */
async function summaryBins(reads: StoreReads, range: JudgementRange, edges: readonly number[]): Promise<BinCount[]> {
  const values = [];
  for (const p of valuePieces(range.fromMs, range.toMs)) {
    if (!p.grain) throw new Error('summary bins need a range on the quarter-hour grid');
    values.push(...(await reads.figures.histogram({ ...range, fromMs: p.fromMs, toMs: p.toMs, grain: p.grain.name })));
  }
  const all = zeroSums();
  for (const r of await reads.figures.rollupSums({ ...range, grain: 'quarter', shape: 'totals' })) fold(all, r);
  return binsFromSummaries(values, all, edges);
}

/** Counts per bin over the range, and what they lack before the retention cutoff. */
async function countsFor(reads: StoreReads, range: JudgementRange, edges: readonly number[], horizon: RetentionHorizon | null) {
  const cut = Math.min(range.toMs, Math.max(range.fromMs, horizon?.prunedBeforeMs ?? range.fromMs));
  const raw: Array<{ fromMs: number; toMs: number }> = [];
  const lists: BinCount[][] = [];
  if (cut > range.fromMs) {
    const q0 = Math.ceil(range.fromMs / PRUNE_GRID_MS) * PRUNE_GRID_MS;
    const q1 = Math.floor(cut / PRUNE_GRID_MS) * PRUNE_GRID_MS;
    if (q0 < q1) {
      lists.push(await summaryBins(reads, { ...range, fromMs: q0, toMs: q1 }, edges));
      raw.push({ fromMs: range.fromMs, toMs: q0 }, { fromMs: q1, toMs: cut });
    } else raw.push({ fromMs: range.fromMs, toMs: cut });
  }
  raw.push({ fromMs: cut, toMs: range.toMs });
  const read = raw.filter((r) => r.fromMs < r.toMs);
  for (const r of read) lists.push(await rawBins(reads, { ...range, ...r }, edges));
  const byBin = new Map<number, BinCount>();
  for (const c of lists.flat()) addToBins(byBin, c.bin, c.count, c.met);
  return { counts: [...byBin.values()], missing: prunedParts('bins', read, horizon) };
}

export async function distributionReport(reads: StoreReads, standards: readonly Standard[], q: DistributionQuery): Promise<DistributionReport> {
  const chosen = standards.filter((s) => q.standardId === null || s.id === q.standardId);
  const horizon = await reads.audit.horizon();
  const out: DistributionReport['standards'] = [];
  for (const standard of chosen) {
    const edges = binEdges(standard);
    const { counts, missing } = await countsFor(reads, { standardIds: [standard.id], fromMs: q.fromMs, toMs: q.toMs, sites: q.site === null ? [] : [q.site] }, edges, horizon);
    const incomplete = incompleteOf(horizon, missing);
    out.push({ ...buildDistribution(standard, edges, counts), ...(incomplete ? { incomplete } : {}) });
  }
  return { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), site: q.site, timeZone: q.timeZone, standards: out, prunedBefore: horizon === null ? null : new Date(horizon.prunedBeforeMs).toISOString() };
}
