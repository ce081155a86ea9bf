// Compliance figures and series built from the store's counts; shared by HTTP and the live push.
import type { Bucket, ComplianceFigure, ComplianceReport, ComplianceSeries, SeriesPoint, Standard } from '../protocol';
import { startOfLocalDay, startOfNextLocalDay } from '../domain/buckets';
import { complianceFigure } from '../domain/compliance';
import { buildSeries, seriesPoint } from '../domain/series';
import type { Store } from '../store/store';

const MINUTE_MS = 60_000;
/** How far back the live minute series reaches (snapshot and updates). */
export const LIVE_SERIES_MINUTES = 60;

export interface ReportQuery {
  fromMs: number;
  toMs: number;
  site: string | null;
  /** Only this standard; null = all. */
  standardId: string | null;
  bucket: Bucket | null;
}

export function complianceReport(store: Store, q: ReportQuery): ComplianceReport {
  const standards = store.standards.current().filter((s) => q.standardId === null || s.id === q.standardId);
  const range = { fromMs: q.fromMs, toMs: q.toMs, site: q.site };
  const counts = store.queries.countsByStandard(range);
  const minutes = q.bucket ? store.queries.minuteCounts(range) : null;
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    site: q.site,
    bucket: q.bucket,
    standards: standards.map((s) => {
      const figure = complianceFigure(s, counts.get(s.id) ?? { total: 0, met: 0 });
      if (!minutes || !q.bucket) return figure;
      return { ...figure, series: buildSeries(minutes.get(s.id) ?? [], q.bucket, q.fromMs, q.toMs) };
    }),
  };
}

/** "Today" is the server's local calendar day until sites carry their own zones. */
export function todayRange(nowMs: number): { fromMs: number; toMs: number; site: null } {
  return { fromMs: startOfLocalDay(nowMs), toMs: startOfNextLocalDay(nowMs), site: null };
}

export function todayFigures(store: Store, standards: readonly Standard[], nowMs: number): ComplianceFigure[] {
  const counts = store.queries.countsByStandard(todayRange(nowMs));
  return standards.map((s) => complianceFigure(s, counts.get(s.id) ?? { total: 0, met: 0 }));
}

export function eventsToday(store: Store, nowMs: number): number {
  return store.queries.countEvents(todayRange(nowMs));
}

/** The window of the live minute series: the last LIVE_SERIES_MINUTES minutes including the current one. */
export function liveWindow(nowMs: number): { fromMs: number; toMs: number } {
  const toMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return { fromMs: toMs - LIVE_SERIES_MINUTES * MINUTE_MS, toMs };
}

export function liveSeries(store: Store, standards: readonly Standard[], nowMs: number): ComplianceSeries[] {
  const { fromMs, toMs } = liveWindow(nowMs);
  const minutes = store.queries.minuteCounts({ fromMs, toMs, site: null });
  return standards.map((s) => ({ standardId: s.id, bucket: 'minute', points: buildSeries(minutes.get(s.id) ?? [], 'minute', fromMs, toMs) }));
}

/** Current points of the given minutes (all sites), for the standards that have events in them. */
export function minutePoints(store: Store, minuteStarts: readonly number[]): Array<{ standardId: string; point: SeriesPoint }> {
  const points: Array<{ standardId: string; point: SeriesPoint }> = [];
  for (const minuteMs of [...new Set(minuteStarts)].sort((a, b) => a - b)) {
    const counts = store.queries.countsByStandard({ fromMs: minuteMs, toMs: minuteMs + MINUTE_MS, site: null });
    for (const [standardId, c] of counts) points.push({ standardId, point: seriesPoint(minuteMs, c) });
  }
  return points;
}
