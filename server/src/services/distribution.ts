// The distribution chart: per standard, how many judged events fell in each wait bin (domain/distribution.ts), read
// like every other figure: the quarter hours of the range from the value histograms and rollups, the edges off
// that grid from raw judgements (their effective state). From the retention cutoff on, an aligned part whose
// summaries cannot place every judgement (`unplaced`: an expired case, a registered type's success without a
// value) is read raw instead, so the bins are binOf's; before it, the summaries are all there is, and the edges
// off the grid are named as missing (their pruned events are in no bin).
import type { DistributionReport, Standard } from '../protocol';
import { addToBins, binEdges, binOf, binsFromSummaries, buildDistribution, unplaced, type BinCount } from '../domain/distribution';
import { incompleteOf, PRUNE_GRID_MS, prunedParts, type RetentionHorizon } from '../domain/retention';
import { splitRange, valuePieces } from '../domain/ranges';
import { fold, VALUE_GRAINS, zeroSums, type Sums } from '../domain/rollups';
import type { HistogramCount, JudgementRange, StoreReads } from '../store/port';
import { spanTotals, trailingQuarter } from './rangeReads';

export interface DistributionQuery {
  fromMs: number;
  toMs: number;
  site: string | null;
  /** null = every standard in force. */
  standardId: string | null;
  /** The zone "today" was taken in (the site's, `tz`, or the server's). */
  timeZone: string;
  /** The clock the range was taken at: a range ending there reads its trailing edge from a whole cell when it can. */
  nowMs?: number;
}

type Span = { fromMs: number; toMs: number };

const QUARTER_MS = VALUE_GRAINS[1].ms;
/**
 * Runs of quarter hours read raw because their summaries cannot place a judgement, at most: more are joined over
 * their shortest gaps (read raw too), so the reads stay few however those judgements are spread.
 */
const MAX_RAW_RUNS = 8;

/** Bins of raw judgements of a range, from their values (grouped by the store). */
async function rawBins(reads: StoreReads, range: JudgementRange, edges: readonly number[]): Promise<BinCount[]> {
  const bins = new Map<number, BinCount>();
  for (const v of await reads.figures.rawValues(range)) {
    const bin = binOf(v, edges);
    if (bin !== null) addToBins(bins, bin, v.n, v.met);
  }
  return [...bins.values()];
}

/** What pruning keeps of a range on the quarter-hour grid: its value-histogram counts and rollup sums. */
async function summaryOf(reads: StoreReads, range: JudgementRange): Promise<{ values: HistogramCount[]; sums: Sums }> {
  const values: HistogramCount[] = [];
  for (const p of valuePieces(range.fromMs, range.toMs)) {
    if (!p.grain) throw new Error('summary bins need a range on the quarter-hour grid');
    // One push per row, as valueCounts does: a spread of every row of a month of many sites overflows the call stack.
    for (const row of await reads.figures.histogram({ ...range, fromMs: p.fromMs, toMs: p.toMs, grain: p.grain.name })) values.push(row);
  }
  const sums = zeroSums();
  for (const span of splitRange(range.fromMs, range.toMs, [range.fromMs, range.toMs]).rollups) {
    for (const r of await spanTotals(reads, range, span)) fold(sums, r);
  }
  return { values, sums };
}

const exact = (s: { values: readonly HistogramCount[]; sums: Sums }) => unplaced(s.sums, s.values.reduce((n, v) => n + v.n, 0)) === 0;

/**
 * An aligned span split into parts read from the summaries and runs of quarter hours read raw: those whose rollup
 * sums hold a judgement the summaries cannot place (their valueN is the histograms' count of the same judgements).
 */
async function splitUnplaced(reads: StoreReads, range: JudgementRange): Promise<Array<Span & { raw: boolean }>> {
  const cells = new Map<number, Sums>();
  for (const r of await reads.figures.rollupSums({ ...range, grain: 'quarter', shape: 'series', cellMs: QUARTER_MS })) {
    const cell = cells.get(r.t) ?? zeroSums();
    cells.set(r.t, fold(cell, r));
  }
  let runs: Span[] = [];
  for (const t of [...cells.keys()].filter((t) => unplaced(cells.get(t)!, cells.get(t)!.valueN) !== 0).sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && last.toMs === t) last.toMs = t + QUARTER_MS;
    else runs.push({ fromMs: t, toMs: t + QUARTER_MS });
  }
  if (runs.length > MAX_RAW_RUNS) {
    const gaps = runs.slice(1).map((r, i) => ({ i, ms: r.fromMs - runs[i]!.toMs }));
    const kept = new Set(gaps.sort((a, b) => b.ms - a.ms || a.i - b.i).slice(0, MAX_RAW_RUNS - 1).map((g) => g.i));
    runs = runs.reduce<Span[]>((out, r, i) => {
      if (i > 0 && !kept.has(i - 1)) out.at(-1)!.toMs = r.toMs;
      else out.push({ ...r });
      return out;
    }, []);
  }
  const parts: Array<Span & { raw: boolean }> = [];
  let at = range.fromMs;
  for (const r of runs) {
    if (at < r.fromMs) parts.push({ fromMs: at, toMs: r.fromMs, raw: false });
    parts.push({ ...r, raw: true });
    at = r.toMs;
  }
  if (at < range.toMs) parts.push({ fromMs: at, toMs: range.toMs, raw: false });
  return parts;
}

/**
 * Bins of the kept range (raw judgements still stored): the aligned interior from the summaries, and only what they
 * cannot place and the edges off the grid raw (a trailing edge that ends now from its whole cell, on
 * trailingCell's condition: nothing stored ahead of now). The same bins as reading it all raw, far fewer rows.
 */
async function keptBins(reads: StoreReads, range: JudgementRange, edges: readonly number[], nowMs: number | undefined): Promise<{ lists: BinCount[][]; raw: Span[] }> {
  if (range.fromMs >= range.toMs) return { lists: [], raw: [] };
  const pieces = await trailingQuarter(reads, range, valuePieces(range.fromMs, range.toMs), nowMs);
  const raw: Span[] = pieces.filter((p) => !p.grain).map((p) => ({ fromMs: p.fromMs, toMs: p.toMs }));
  const aligned = pieces.filter((p) => p.grain);
  const lists: BinCount[][] = [];
  if (aligned.length > 0) {
    const span = { ...range, fromMs: aligned[0]!.fromMs, toMs: aligned.at(-1)!.toMs };
    const whole = await summaryOf(reads, span);
    const parts = exact(whole) ? [{ fromMs: span.fromMs, toMs: span.toMs, raw: false, summary: whole }] : await splitUnplaced(reads, span);
    for (const part of parts) {
      if (part.raw) {
        raw.push({ fromMs: part.fromMs, toMs: part.toMs });
        continue;
      }
      // A part the cells said was exact is checked again from its own histograms (the numbers the bins come from).
      const summary = 'summary' in part ? part.summary : await summaryOf(reads, { ...range, fromMs: part.fromMs, toMs: part.toMs });
      if (exact(summary)) lists.push(binsFromSummaries(summary.values, summary.sums, edges));
      else raw.push({ fromMs: part.fromMs, toMs: part.toMs });
    }
  }
  for (const r of raw) lists.push(await rawBins(reads, { ...range, ...r }, edges));
  return { lists, raw };
}

/** The same bins for a range on the quarter-hour grid before the retention cutoff, from the summaries alone. */
async function summaryBins(reads: StoreReads, range: JudgementRange, edges: readonly number[]): Promise<BinCount[]> {
  const { values, sums } = await summaryOf(reads, range);
  return binsFromSummaries(values, sums, edges);
}

/** Counts per bin over the range, and what they lack before the retention cutoff. */
async function countsFor(reads: StoreReads, range: JudgementRange, edges: readonly number[], horizon: RetentionHorizon | null, nowMs: number | undefined) {
  const cut = Math.min(range.toMs, Math.max(range.fromMs, horizon?.prunedBeforeMs ?? range.fromMs));
  const pruned: Span[] = [];
  const lists: BinCount[][] = [];
  if (cut > range.fromMs) {
    const q0 = Math.ceil(range.fromMs / PRUNE_GRID_MS) * PRUNE_GRID_MS;
    const q1 = Math.floor(cut / PRUNE_GRID_MS) * PRUNE_GRID_MS;
    if (q0 < q1) {
      lists.push(await summaryBins(reads, { ...range, fromMs: q0, toMs: q1 }, edges));
      pruned.push({ fromMs: range.fromMs, toMs: q0 }, { fromMs: q1, toMs: cut });
    } else pruned.push({ fromMs: range.fromMs, toMs: cut });
  }
  const read = pruned.filter((r) => r.fromMs < r.toMs);
  for (const r of read) lists.push(await rawBins(reads, { ...range, ...r }, edges));
  const kept = await keptBins(reads, { ...range, fromMs: cut }, edges, nowMs);
  const byBin = new Map<number, BinCount>();
  for (const c of [...lists, ...kept.lists].flat()) addToBins(byBin, c.bin, c.count, c.met);
  return { counts: [...byBin.values()], missing: prunedParts('bins', read, horizon) };
}

export async function distributionReport(reads: StoreReads, standards: readonly Standard[], q: DistributionQuery): Promise<DistributionReport> {
  const chosen = standards.filter((s) => q.standardId === null || s.id === q.standardId);
  const horizon = await reads.audit.horizon();
  const out: DistributionReport['standards'] = [];
  for (const standard of chosen) {
    const edges = binEdges(standard);
    const { counts, missing } = await countsFor(reads, { standardIds: [standard.id], fromMs: q.fromMs, toMs: q.toMs, sites: q.site === null ? [] : [q.site] }, edges, horizon, q.nowMs);
    const incomplete = incompleteOf(horizon, missing);
    out.push({ ...buildDistribution(standard, edges, counts), ...(incomplete ? { incomplete } : {}) });
  }
  return { from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(), site: q.site, timeZone: q.timeZone, standards: out, prunedBefore: horizon === null ? null : new Date(horizon.prunedBeforeMs).toISOString() };
}
