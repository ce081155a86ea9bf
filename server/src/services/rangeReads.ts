// Reading a range for the compliance reader and the distribution: the rollup spans and the raw edges of
// splitRange, raw judgements turned into contributions by the one arithmetic, and the measured values of the p90
// (value histograms for the aligned part, raw edges). Rows keep the order the store gives, so sums in JavaScript
// add up in the same order every time (the same floating-point bits).
import { splitRange, valuePieces, type RangeSplit, type RollupSpan, type ValuePiece } from '../domain/ranges';
import { contributionOfGroup, inValuePopulation, VALUE_GRAINS } from '../domain/rollups';
import type { JudgementRange, RawQuery, StoreReads, SumsRow } from '../store/port';

/** A row of sums, with its queue/agent for a breakdown. */
export type GroupedRow = SumsRow & { group?: string | null };

/** Raw judgements as rows of contributions at their own instant (`t`); voided ones kept as empty rows on request. */
export async function rawRows(reads: StoreReads, q: RawQuery, keepVoided: boolean): Promise<GroupedRow[]> {
  const rows: GroupedRow[] = [];
  for (const g of await reads.figures.rawGroups(q)) {
    if (g.correction === 'void' && !keepVoided) continue;
    const sums = g.correction === 'void' ? contributionOfGroup({ ...g, n: 0, met: 0, counted: 0, measured: 0, valueSum: 0, waitMax: null }) : contributionOfGroup(g);
    rows.push({ t: g.t, standardId: g.standardId, version: g.version, site: g.site, group: g.group, ...sums });
  }
  return rows;
}

export interface RangeRead {
  /** Rows for the sums: per standard, version and site (and instant, for raw rows). */
  totals: GroupedRow[];
  /** Rows for the series: per standard, version and instant or cell. */
  series: GroupedRow[];
  /** The ranges read raw (after pruning, those before the cutoff lack events). */
  rawRanges: RangeSplit['raw'];
}

/** The largest cell (a multiple of the rollup grain) that never straddles a series boundary. */
function seriesCell(grainMs: number, inner: readonly number[]): number {
  return [86_400_000, 3_600_000, grainMs].find((c) => c >= grainMs && inner.every((x) => x % c === 0)) ?? grainMs;
}

/**
 * A range read as splitRange says. Each rollup span is summed by the store, so a month returns one row per (cell,
 * version) serving both sums and series, or a few rows for the sums alone, rather than every (hour × site × version)
 * row. `bySite`: the sums per site too (groupBy=site). `countsOnly`: the reader adds only counted and met (live
 * figures), so raw edges come as one row per kind of judgement rather than one per instant. `nowMs`: the reader's
 * clock, for a range that ends now (trailingCell).
 */
export async function readRange(reads: StoreReads, range: JudgementRange, boundaries: readonly number[], series: boolean, bySite: boolean, countsOnly = false, nowMs?: number): Promise<RangeRead> {
  const split = await trailingCell(reads, range, splitRange(range.fromMs, range.toMs, boundaries), nowMs);
  // A reader that only adds counts (integers) needs no instants; every other keeps them, so its floating-point
  // sums add up in the same order whatever the range.
  const byInstant = !countsOnly || series;
  const raw = (await Promise.all(split.raw.map((r) => rawRows(reads, { ...range, ...r, byInstant }, false)))).flat();
  if (split.rollups.length === 0) return { totals: raw, series: raw, rawRanges: split.raw };
  const totals = async () => [...raw, ...(await Promise.all(split.rollups.map((span) => spanTotals(reads, range, span)))).flat()];
  if (!series) return { totals: await totals(), series: [], rawRanges: split.raw };
  const inner = boundaries.filter((b) => b > range.fromMs && b < range.toMs);
  // A cell may start before its span (and the first series bucket); its rows are all inside the span, and no
  // boundary lies between the span's start and them, so they are placed at the span's start.
  const spanCells = async (span: RollupSpan) =>
    (await reads.figures.rollupSums({ ...range, fromMs: span.fromMs, toMs: span.toMs, grain: span.grain.name, shape: 'series', cellMs: seriesCell(span.grain.ms, inner) })).map((r) => (r.t < span.fromMs ? { ...r, t: span.fromMs } : r));
  const cells = (await Promise.all(split.rollups.map(spanCells))).flat();
  const rows = [...raw, ...cells];
  return { totals: bySite ? await totals() : rows, series: rows, rawRanges: split.raw };
}

/** The rollup sums of one span of `range`, per standard, version and site. */
export const spanTotals = (reads: StoreReads, range: JudgementRange, span: RollupSpan): Promise<SumsRow[]> =>
  reads.figures.rollupSums({ ...range, fromMs: span.fromMs, toMs: span.toMs, grain: span.grain.name, shape: 'totals' });

/**
 * A range that ends now (a rolling window) has a raw trailing edge [grain start, now): every judgement of up to a
 * quarter hour, which at a few thousand events a second is a read of seconds. Where wholeCellEnd allows, the last
 * span reaches to the end of the rollup cell the edge lies in instead.
 */
async function trailingCell(reads: StoreReads, range: JudgementRange, split: RangeSplit, nowMs: number | undefined): Promise<RangeSplit> {
  const edge = split.raw.at(-1);
  const last = split.rollups.at(-1);
  if (!last || !edge || edge.fromMs !== last.toMs) return split;
  const cellEnd = await wholeCellEnd(reads, range, edge, last.grain.ms, nowMs);
  return cellEnd === null ? split : { raw: split.raw.slice(0, -1), rollups: [...split.rollups.slice(0, -1), { ...last, toMs: cellEnd }] };
}

/**
 * The end of the whole cell of `grainMs` that a trailing raw edge lies in, when reading that cell gives exactly what
 * the edge holds: the edge starts on the grain and runs to now (or later), and nothing is stored dated from its end
 * to the cell's end (events are not dated ahead of the clock, normally). Null otherwise, and the edge is read raw:
 * a longest wait cannot be taken back out of a cell. An event dated ahead of now that is stored between this check
 * and the cell's read is counted by that one read.
 */
export async function wholeCellEnd(reads: StoreReads, range: JudgementRange, edge: { fromMs: number; toMs: number }, grainMs: number, nowMs: number | undefined): Promise<number | null> {
  if (nowMs === undefined || edge.toMs < nowMs || edge.fromMs % grainMs !== 0) return null;
  const cellEnd = edge.fromMs + grainMs;
  if (edge.toMs >= cellEnd) return null;
  const ahead = await reads.figures.rawGroups({ ...range, fromMs: edge.toMs, toMs: cellEnd, byInstant: false });
  return ahead.length === 0 ? cellEnd : null;
}

export interface ValueCount {
  standardId: string;
  site: string;
  group?: string | null;
  value: number;
  n: number;
}

/**
 * The p90's population (considered, answered/greeted, measured) counted per value: whole days and quarter hours
 * from the value histograms, sub-quarter-hour edges from raw judgements; queue/agent breakdowns all raw (the
 * histograms keep neither). A value may come in several rows (one per piece): callers add the counts up.
 */
export async function valueCounts(reads: StoreReads, q: RawQuery, nowMs?: number): Promise<ValueCount[]> {
  if (q.standardIds.length === 0 || q.fromMs >= q.toMs) return [];
  const pieces = q.groupBy ? [{ grain: null, fromMs: q.fromMs, toMs: q.toMs }] : await trailingQuarter(reads, q, valuePieces(q.fromMs, q.toMs), nowMs);
  const out: ValueCount[] = [];
  for (const p of pieces) {
    const part = { ...q, fromMs: p.fromMs, toMs: p.toMs };
    if (p.grain) {
      // One push per row: spread into push's arguments, the rows of a month of 180 sites overflowed the call stack.
      for (const row of await reads.figures.histogram({ ...part, grain: p.grain.name })) out.push(row);
      continue;
    }
    for (const v of await reads.figures.rawValues(part)) if (inValuePopulation(v)) out.push({ standardId: v.standardId, site: v.site, group: v.group, value: v.value!, n: v.n });
  }
  return out;
}

/** The trailing raw edge of the p90's (and the distribution's) pieces as its whole quarter-hour cell, where wholeCellEnd allows. */
export async function trailingQuarter(reads: StoreReads, q: RawQuery, pieces: ValuePiece[], nowMs: number | undefined): Promise<ValuePiece[]> {
  const edge = pieces.at(-1);
  const quarter = VALUE_GRAINS[1];
  if (!edge || edge.grain !== null) return pieces;
  const cellEnd = await wholeCellEnd(reads, q, edge, quarter.ms, nowMs);
  return cellEnd === null ? pieces : [...pieces.slice(0, -1), { grain: quarter, fromMs: edge.fromMs, toMs: cellEnd }];
}
