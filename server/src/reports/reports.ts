// Compliance figures and series built from the store's counts; shared by HTTP and the live push.
import type { Bucket, ComplianceFigure, ComplianceReport, ComplianceSeries, GroupBy, ReportWindow, SeriesPoint, Standard } from '../protocol';
import { serverTimeZone } from '../domain/zonedTime';
import { complianceFigures } from './figures';
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
  /** Only this standard; null = all standards in force. */
  standardId: string | null;
  bucket: Bucket | null;
  // Issue #3 (optional so older callers stay valid):
  window?: ReportWindow | null;
  /** Zone of hour/day buckets (default: the server's). */
  timeZone?: string;
  groupBy?: GroupBy | null;
}

export function complianceReport(store: Store, q: ReportQuery): ComplianceReport {
  const timeZone = q.timeZone ?? serverTimeZone();
  const standardIds = q.standardId !== null ? [q.standardId] : store.standards.current().map((s) => s.id);
  return {
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    site: q.site,
    bucket: q.bucket,
    window: q.window ?? null,
    timeZone,
    groupBy: q.groupBy ?? null,
    prunedBefore: isoOrNull(store.audit.retention()?.prunedBeforeMs),
    standards: complianceFigures(store, { standardIds, fromMs: q.fromMs, toMs: q.toMs, site: q.site, bucket: q.bucket, timeZone, groupBy: q.groupBy ?? null }),
  };
}

const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

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
