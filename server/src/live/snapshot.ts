// What a dashboard needs to draw itself from nothing, and what changes after each stored batch.
import type { ComplianceUpdate, JudgedEvent, Snapshot } from '../protocol';
import type { Store } from '../store/store';
import { eventsToday, liveSeries, liveWindow, minutePoints, todayFigures, todayRange } from '../reports/reports';

export const SNAPSHOT_RECENT_EVENTS = 50;
const MINUTE_MS = 60_000;

export function buildSnapshot(store: Store, nowMs: number): Snapshot {
  const standards = store.standards.current();
  return {
    serverTime: new Date(nowMs).toISOString(),
    todayFrom: new Date(todayRange(nowMs).fromMs).toISOString(),
    standards,
    today: todayFigures(store, standards, nowMs),
    series: liveSeries(store, standards, nowMs),
    recent: store.queries.recentJudged(SNAPSHOT_RECENT_EVENTS),
    eventsToday: eventsToday(store, nowMs),
    activeAlerts: store.alerts.active(),
  };
}

/**
 * Today's figures plus the minute points the batch changed. Only minutes inside the live window are
 * sent: a back-dated event changes history (and today's figures) but not the chart's last hour.
 */
export function buildComplianceUpdate(store: Store, stored: readonly JudgedEvent[], nowMs: number): ComplianceUpdate {
  const { fromMs, toMs } = liveWindow(nowMs);
  const minutes = stored
    .map((j) => Math.floor(Date.parse(j.event.occurredAt) / MINUTE_MS) * MINUTE_MS)
    .filter((m) => m >= fromMs && m < toMs);
  return {
    serverTime: new Date(nowMs).toISOString(),
    today: todayFigures(store, store.standards.current(), nowMs),
    points: minutePoints(store, minutes),
    eventsToday: eventsToday(store, nowMs),
  };
}
