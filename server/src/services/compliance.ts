// THE compliance reader: every figure Ringside shows comes from here — GET /compliance, the live snapshot and its
// pushes (today's figures, the live minute series), alert evaluation's window counts, the distribution chart, the
// compliance export and the HTML report. One way to read a range: whole buckets from the
// rollups, the edges off their grid from raw judgements (splitRange), corrections applied everywhere (the rollups
// carry their deltas; raw reads see each event's effective state), with one arithmetic (domain/rollups.ts). Before
// the retention cutoff what needs raw events says it is incomplete.
import { groupKey } from '../protocol';
import type { Bucket, ComplianceFigure, ComplianceReport, ComplianceSeries, DistributionReport, GroupBy, ReportWindow, SeriesPoint, Standard, StandardVersion } from '../protocol';
import type { ScopedCounts, WindowRange } from '../domain/alerts/counts';
import { complianceFigure } from '../domain/compliance';
import { byGroupKey, companions, groupFigure, seriesOf, totalsOf, versionContributions, type Weighted } from '../domain/figures';
import { bucketBounds, decompose, splitRange, todayRange, valuePieces, type RangeSplit, type RollupSpan, type WindowPiece } from '../domain/ranges';
import { incompleteOf, prunedParts, type RetentionHorizon } from '../domain/retention';
import { buildSeries, seriesPoint } from '../domain/series';
import { fold, zeroSums, type Sums } from '../domain/rollups';
import { utcOffsetAt } from '../domain/zonedTime';
import type { JudgementRange, StoreReads, SumsRow } from '../store/port';
import { distributionReport, type DistributionQuery } from './distribution';
import { rawRows, readRange, spanTotals, valueCounts, wholeCellEnd, type GroupedRow } from './rangeReads';

const MINUTE_MS = 60_000;
/** How far back the live minute series reaches (snapshot and updates). */
const LIVE_SERIES_MINUTES = 60;

export interface ReportQuery {
  fromMs: number;
  toMs: number;
  site: string | null;
  /** Only this standard; null = all standards in force. */
  standardId: string | null;
  bucket: Bucket | null;
  window?: ReportWindow | null;
  /** Zone of hour/day buckets (and of the window's day). */
  timeZone: string;
  groupBy?: GroupBy | null;
  /** The clock the range was taken at: a range ending there reads its trailing edge from a whole cell when it can. */
  nowMs?: number;
}

export interface FigureQuery {
  standardIds: readonly string[];
  fromMs: number;
  toMs: number;
  site: string | null;
  bucket: Bucket | null;
  timeZone: string;
  groupBy: GroupBy | null;
  /** The reader's clock when the range may end now (a rolling window): its trailing edge can come from a cell. */
  nowMs?: number;
}

export type FullFigure = ComplianceReport['standards'][number];

/** What the reader needs of the standards: the versions in force and every version of each. */
export interface StandardsView {
  current(): Standard[];
  get(id: string): StandardVersion | undefined;
  versions(id: string): StandardVersion[];
}

/** The window of the live minute series: the last LIVE_SERIES_MINUTES minutes including the current one. */
export function liveWindow(nowMs: number): { fromMs: number; toMs: number } {
  const toMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { fromMs: toMs - LIVE_SERIES_MINUTES * MINUTE_MS, toMs };
}

const iso = (ms: number) => new Date(ms).toISOString();

// A series' boundaries are the same instants on every request for them (each site's, each refresh's), and making
// their text was ~5 % of an hourly month's GET /compliance (721 toISOString); bounded like zonedTime's caches.
const EDGE_TEXTS_LIMIT = 50_000;
const edgeTexts = new Map<number, string>();

function edgeText(ms: number): string {
  let text = edgeTexts.get(ms);
  if (text === undefined) {
    if (edgeTexts.size >= EDGE_TEXTS_LIMIT) edgeTexts.clear();
    edgeTexts.set(ms, (text = iso(ms)));
  }
  return text;
}

const sitesOf = (site: string | null) => (site === null ? [] : [site]);

export class ComplianceReader {
  constructor(
    /** The store's reads, or a snapshot's (an export reads the figures of the snapshot it exports). */
    private readonly reads: StoreReads,
    private readonly standards: StandardsView,
  ) {}

  /** GET /compliance. */
  async report(q: ReportQuery): Promise<ComplianceReport> {
    const standardIds = q.standardId !== null ? [q.standardId] : this.standards.current().map((s) => s.id);
    const horizon = await this.reads.audit.horizon();
    const standards = await this.figures({ standardIds, fromMs: q.fromMs, toMs: q.toMs, site: q.site, bucket: q.bucket, timeZone: q.timeZone, groupBy: q.groupBy ?? null, nowMs: q.nowMs }, horizon);
    return {
      from: iso(q.fromMs),
      to: iso(q.toMs),
      site: q.site,
      bucket: q.bucket,
      window: q.window ?? null,
      timeZone: q.timeZone,
      utcOffsets: { from: utcOffsetAt(q.fromMs, q.timeZone), to: utcOffsetAt(Math.max(q.fromMs, q.toMs - 1), q.timeZone) },
      groupBy: q.groupBy ?? null,
      prunedBefore: horizon === null ? null : iso(horizon.prunedBeforeMs),
      standards,
    };
  }

  /** Figures over any range, zone, bucket and breakdown. */
  async figures(q: FigureQuery, horizon: RetentionHorizon | null): Promise<FullFigure[]> {
    const standards = q.standardIds.map((id) => this.standards.get(id)).filter((s): s is StandardVersion => s !== undefined);
    const ids = standards.map((s) => s.id);
    const bounds = q.bucket ? bucketBounds(q.fromMs, q.toMs, q.bucket, q.timeZone) : null;
    const boundaries = [q.fromMs, q.toMs, ...(bounds?.starts.filter((s) => s > q.fromMs && s < q.toMs) ?? [])];
    const range = { standardIds: ids, fromMs: q.fromMs, toMs: q.toMs, sites: sitesOf(q.site) };
    const read = await readRange(this.reads, range, boundaries, bounds !== null, q.groupBy === 'site', false, q.nowMs);
    // The p90 is read from the value histograms (and raw sub-quarter-hour edges) whatever the breakdown, so a
    // queue/agent breakdown does not change the standard's own p90, nor lose it for a pruned range.
    const values = await valueCounts(this.reads, range, q.nowMs);
    const breakdown = await this.rawBreakdown(q, ids, horizon);
    const missing = [
      ...prunedParts('counts', read.rawRanges, horizon),
      ...prunedParts('p90', valuePieces(q.fromMs, q.toMs).filter((p) => p.grain === null), horizon),
      ...(breakdown ? prunedParts('groups', [{ fromMs: q.fromMs, toMs: breakdown.fromMs }], horizon) : []),
    ];
    const incomplete = incompleteOf(horizon, missing);
    const edges = bounds ? [...bounds.starts, bounds.end] : [];
    const isoEdges = edges.map(edgeText); // each boundary's text once for every standard's series
    return standards.map((std) => {
      const figure = this.figure(std, read.totals.filter((r) => r.standardId === std.id), values.filter((v) => v.standardId === std.id));
      if (bounds) figure.series = seriesOf(read.series.filter((r) => r.standardId === std.id), bounds.starts, isoEdges);
      if (q.groupBy) figure.groups = this.groups(std, q, q.groupBy === 'site' ? read.totals : breakdown!.rows, breakdown ? breakdown.values : values, breakdown);
      if (incomplete) figure.incomplete = incomplete;
      return figure;
    });
  }

  /** The figure of one standard from its rows and values. */
  private figure(std: StandardVersion, rows: readonly SumsRow[], values: readonly Weighted[]): FullFigure {
    const { total, byVersion } = totalsOf(rows);
    return {
      ...complianceFigure(std, { total: total.counted, met: total.met }),
      versions: versionContributions(byVersion, this.standards.versions(std.id), std),
      companions: companions(std.measure, total, values),
    };
  }

  /** Groups of one standard (site: from the figure's rows; queue/agent: from the raw breakdown). */
  private groups(std: StandardVersion, q: FigureQuery, rows: readonly GroupedRow[], values: ReadonlyArray<Weighted & { standardId: string; site: string; group?: string | null }>, breakdown: Breakdown | null) {
    const keyOf = (x: { site: string; group?: string | null }) => (q.groupBy === 'site' ? x.site : (x.group ?? null));
    const groups = new Map<string | null, { sums: Sums; values: Weighted[] }>();
    const entry = (k: string | null) => {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { sums: zeroSums(), values: [] }));
      return g;
    };
    for (const row of rows) if (row.standardId === std.id) fold(entry(keyOf(row)).sums, row);
    for (const v of values) if (v.standardId === std.id) entry(keyOf(v)).values.push(v);
    // Queue/agent groups cover the range from the retention cutoff on; said when that is shorter than the report's.
    const covers = breakdown && breakdown.fromMs > q.fromMs ? { from: iso(breakdown.fromMs), to: iso(q.toMs) } : {};
    return [...groups.entries()].sort(([a], [b]) => byGroupKey(a, b)).map(([k, g]) => ({ ...groupFigure(std, k, g.sums, g.values), ...covers }));
  }

  /**
   * Queue/agent breakdowns need the raw events (the rollups and histograms keep no queue or agent), so they are read
   * from the retention cutoff on: the groups cover [fromMs, q.toMs) and the figure says what they lack.
   */
  private async rawBreakdown(q: FigureQuery, ids: readonly string[], horizon: RetentionHorizon | null): Promise<Breakdown | null> {
    if (q.groupBy !== 'queue' && q.groupBy !== 'agent') return null;
    const fromMs = Math.min(q.toMs, Math.max(q.fromMs, horizon?.prunedBeforeMs ?? q.fromMs));
    const range = { standardIds: ids, fromMs, toMs: q.toMs, sites: sitesOf(q.site), groupBy: q.groupBy };
    return { fromMs, rows: await rawRows(this.reads, range, false), values: await valueCounts(this.reads, range) };
  }

  /** GET /distribution: the wait bins of the standards in force (or one), read as every other figure. */
  distribution(q: DistributionQuery): Promise<DistributionReport> {
    return distributionReport(this.reads, this.standards.current(), q);
  }

  // ---------------------------------------------------------------------------------------------- live

  /** Today's figure of each standard, all sites together; "today" is the local day of `zone`. */
  async today(standards: readonly Standard[], nowMs: number, zone: string): Promise<ComplianceFigure[]> {
    const counts = await this.countsByStandard(standards.map((s) => s.id), todayRange(nowMs, zone));
    return standards.map((s) => complianceFigure(s, counts.get(s.id) ?? { total: 0, met: 0 }));
  }

  /** Events that occurred today (all sites), by the local day of `zone`. */
  eventsToday(nowMs: number, zone: string): Promise<number> {
    return this.reads.events.count({ ...todayRange(nowMs, zone), site: null });
  }

  /** The live minute series of each standard (all sites), gap-free. */
  async liveSeries(standards: readonly Standard[], nowMs: number): Promise<ComplianceSeries[]> {
    const { fromMs, toMs } = liveWindow(nowMs);
    const rows = await this.reads.figures.rollupSums({ standardIds: standards.map((s) => s.id), fromMs, toMs, sites: [], grain: 'minute', shape: 'series', cellMs: MINUTE_MS });
    return standards.map((s) => {
      const minutes = rows.filter((r) => r.standardId === s.id).map((r) => ({ minuteMs: r.t, total: r.counted, met: r.met }));
      return { standardId: s.id, bucket: 'minute' as const, points: buildSeries(minutes, 'minute', fromMs, toMs) };
    });
  }

  /** Current points of the given minutes (all sites), for the standards that have events in them. */
  async minutePoints(standards: readonly Standard[], minuteStarts: readonly number[]): Promise<Array<{ standardId: string; point: SeriesPoint }>> {
    const points: Array<{ standardId: string; point: SeriesPoint }> = [];
    for (const minuteMs of [...new Set(minuteStarts)].sort((a, b) => a - b)) {
      const counts = await this.countsByStandard(standards.map((s) => s.id), { fromMs: minuteMs, toMs: minuteMs + MINUTE_MS });
      for (const [standardId, c] of counts) points.push({ standardId, point: seriesPoint(minuteMs, c) });
    }
    return points;
  }

  /** Σcounted and Σmet per standard over a range, all sites. */
  private async countsByStandard(ids: readonly string[], r: { fromMs: number; toMs: number }): Promise<Map<string, { total: number; met: number }>> {
    const read = await readRange(this.reads, { standardIds: ids, fromMs: r.fromMs, toMs: r.toMs, sites: [] }, [r.fromMs, r.toMs], false, false, true);
    const counts = new Map<string, { total: number; met: number }>();
    for (const row of read.totals) {
      const c = counts.get(row.standardId) ?? { total: 0, met: 0 };
      counts.set(row.standardId, { total: c.total + row.counted, met: c.met + row.met });
    }
    return counts;
  }

  // ------------------------------------------------------------------------------------------- exports

  /**
   * Σmet, Σcounted, the versions that judged, and the voided/amended judgements per site × standard over a range
   * (the compliance export's rows). Before the retention cutoff the rollups and what pruning kept of corrections
   * answer; a range edge off their grid there lacks its events (`missing`). `recount`: from the cutoff on, every
   * judgement is read raw instead of the rollups (a document whose rollup rows differ from their judgements).
   */
  async siteSums(range: JudgementRange, horizon: RetentionHorizon | null, recount = false): Promise<{ rows: SiteSums[]; missing: Array<{ fromMs: number; toMs: number }> }> {
    const { rows, missing } = await this.versionSums(range, horizon, recount);
    return { rows: siteSumsOf(rows), missing };
  }

  /** The same sums per site × standard × version (the audit report's split of a period by version). */
  async versionSums(range: JudgementRange, horizon: RetentionHorizon | null, recount = false): Promise<{ rows: VersionSums[]; missing: Array<{ fromMs: number; toMs: number }> }> {
    const rows: VersionSums[] = [];
    for (const { split, pruned } of sumsParts(range, horizon, recount)) {
      for (const r of split.raw) rows.push(...(await rawRows(this.reads, { ...range, ...r, byInstant: false }, true)).map((x) => ({ ...x, voided: 0, amended: 0 })));
      for (const span of split.rollups) {
        rows.push(...(await spanTotals(this.reads, range, span)).map((x) => ({ ...x, voided: 0, amended: 0 })));
        if (pruned) rows.push(...(await this.reads.figures.prunedCorrections({ ...range, fromMs: span.fromMs, toMs: span.toMs })).map((c) => ({ ...c, met: 0, counted: 0 })));
      }
    }
    rows.push(...(await this.reads.figures.corrections(range)).map((c) => ({ ...c, met: 0, counted: 0 })));
    return { rows: versionSumsOf(rows), missing: missingSums(range, horizon) };
  }

  // -------------------------------------------------------------------------------------------- alerts

  /**
   * Σcounted / Σmet per standard × site over each window (whole buckets where they fit, raw edges). Windows that end
   * at `nowMs` (alert evaluation's) read their last, partial minute from that minute's rollup cell where
   * wholeCellEnd allows, instead of every judgement of the minute so far (at a few thousand events a second, a read
   * of up to ~200,000 rows once a second on the event loop's thread).
   */
  async windowCounts(windows: readonly WindowRange[], nowMs?: number): Promise<ScopedCounts[]> {
    const ids = this.standards.current().map((s) => s.id);
    const scoped = new Map<string, ScopedCounts>();
    // Windows usually share their end (now): the same piece is read once per evaluation.
    const memo = new Map<string, Promise<CountRow[]>>();
    const read = (p: WindowPiece) => {
      const key = `${p.grain?.name ?? 'raw'}:${p.fromMs}:${p.toMs}`;
      let rows = memo.get(key);
      if (!rows) memo.set(key, (rows = this.piece(ids, p, nowMs)));
      return rows;
    };
    // Σcounted per window and version, to name the versions that judged each window (a correction may take back all
    // a version counted: it judged nothing there then).
    const byVersion = new Map<string, Map<number, number>[]>();
    for (const [i, w] of windows.entries()) {
      for (const piece of decompose(w.fromMs, w.toMs)) {
        for (const r of await read(piece)) {
          if (r.counted === 0 && r.met === 0) continue;
          const key = groupKey(r.standardId, r.site);
          let entry = scoped.get(key);
          if (!entry) scoped.set(key, (entry = { standardId: r.standardId, site: r.site, counts: windows.map(() => ({ counted: 0, met: 0 })) }));
          entry.counts[i]!.counted += r.counted;
          entry.counts[i]!.met += r.met;
          let versions = byVersion.get(key);
          if (!versions) byVersion.set(key, (versions = windows.map(() => new Map<number, number>())));
          versions[i]!.set(r.version, (versions[i]!.get(r.version) ?? 0) + r.counted);
        }
      }
    }
    for (const [key, entry] of scoped) {
      const versions = byVersion.get(key)!;
      entry.counts.forEach((c, i) => (c.versions = [...versions[i]!].filter(([, counted]) => counted > 0).map(([v]) => v).sort((a, b) => a - b)));
    }
    return [...scoped.values()];
  }

  private async piece(ids: readonly string[], p: WindowPiece, nowMs: number | undefined): Promise<CountRow[]> {
    const range = { standardIds: ids, fromMs: p.fromMs, toMs: p.toMs, sites: [] };
    if (p.grain !== null) return this.reads.figures.rollupSums({ ...range, grain: p.grain.name, shape: 'totals' });
    const cellEnd = await wholeCellEnd(this.reads, range, p, MINUTE_MS, nowMs);
    if (cellEnd === null) return rawRows(this.reads, { ...range, byInstant: false }, false);
    return this.reads.figures.rollupSums({ ...range, toMs: cellEnd, grain: 'minute', shape: 'totals' });
  }
}

/** What window counts add up: a piece's counted and met per standard × site (several rows may share a key). */
type CountRow = Pick<GroupedRow, 'standardId' | 'version' | 'site' | 'counted' | 'met'>;

/**
 * How versionSums reads a range: before the retention cutoff (pruned) and after it, each split into rollup buckets
 * and raw edges off their grid; with `recount`, the part after the cutoff all raw (its judgements are stored).
 */
function sumsParts(range: { fromMs: number; toMs: number }, horizon: RetentionHorizon | null, recount = false) {
  const cut = horizon === null ? range.fromMs : Math.min(range.toMs, Math.max(range.fromMs, horizon.prunedBeforeMs));
  return [{ fromMs: range.fromMs, toMs: cut, pruned: true }, { fromMs: cut, toMs: range.toMs, pruned: false }]
    .filter((p) => p.fromMs < p.toMs)
    .map((p): { pruned: boolean; split: RangeSplit } => ({ pruned: p.pruned, split: recount && !p.pruned ? { raw: [{ fromMs: p.fromMs, toMs: p.toMs }], rollups: [] } : splitRange(p.fromMs, p.toMs, [p.fromMs, p.toMs]) }));
}

/**
 * The rollup buckets versionSums reads of a range whose judgements are stored (from the retention cutoff on): what
 * a document built from them checks against the judgements (services/audit.ts rollupScopeProblems).
 */
export const checkableRollupSpans = (range: { fromMs: number; toMs: number }, horizon: RetentionHorizon | null): RollupSpan[] =>
  sumsParts(range, horizon).flatMap((p) => (p.pruned ? [] : p.split.rollups));

/**
 * What versionSums of this range lacks, known without reading: the raw edges before the retention cutoff (their
 * events are pruned). The compliance export states it in its first line, before the rows are read.
 */
export function missingSums(range: { fromMs: number; toMs: number }, horizon: RetentionHorizon | null): Array<{ fromMs: number; toMs: number }> {
  return sumsParts(range, horizon).flatMap((p) => (p.pruned ? p.split.raw : []));
}

/** A compliance export row's numbers: one site × standard over one period. */
export interface SiteSums {
  site: string;
  standardId: string;
  numerator: number;
  denominator: number;
  /** Every version that judged an event there, ascending. */
  versions: number[];
  voided: number;
  amended: number;
}

/** UTF-8 byte order, as SQLite sorts text: rows come in the same order whoever reads them. */
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Σmet, Σcounted and the corrections of one site × standard × version over a range. */
export interface VersionSums {
  site: string;
  standardId: string;
  version: number;
  met: number;
  counted: number;
  voided: number;
  amended: number;
}

/** The pieces (rollup buckets, raw groups, corrections) summed per site × standard × version. */
export function versionSumsOf(rows: readonly VersionSums[]): VersionSums[] {
  const byKey = new Map<string, VersionSums>();
  for (const r of rows) {
    const key = groupKey(r.site, r.standardId, r.version);
    const row = byKey.get(key);
    if (!row) byKey.set(key, { site: r.site, standardId: r.standardId, version: r.version, met: r.met, counted: r.counted, voided: r.voided, amended: r.amended });
    else {
      row.met += r.met;
      row.counted += r.counted;
      row.voided += r.voided;
      row.amended += r.amended;
    }
  }
  return [...byKey.values()].sort((a, b) => utf8Order(a.site, b.site) || utf8Order(a.standardId, b.standardId) || a.version - b.version);
}

/** Per site × standard: the sums of rows per version (every figure of a site's compliance sums them so). */
export function siteSumsOf(rows: readonly VersionSums[]): SiteSums[] {
  const byKey = new Map<string, SiteSums>();
  for (const r of rows) {
    const key = groupKey(r.site, r.standardId);
    let row = byKey.get(key);
    if (!row) byKey.set(key, (row = { site: r.site, standardId: r.standardId, numerator: 0, denominator: 0, versions: [], voided: 0, amended: 0 }));
    row.numerator += r.met;
    row.denominator += r.counted;
    row.voided += r.voided;
    row.amended += r.amended;
    if (!row.versions.includes(r.version)) row.versions.push(r.version);
  }
  for (const row of byKey.values()) row.versions.sort((a, b) => a - b);
  return [...byKey.values()].sort((a, b) => utf8Order(a.site, b.site) || utf8Order(a.standardId, b.standardId));
}

interface Breakdown {
  fromMs: number;
  rows: GroupedRow[];
  values: Array<Weighted & { standardId: string; site: string; group?: string | null }>;
}
