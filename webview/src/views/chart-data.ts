// Pure: turns series points into what the compliance chart plots. Percent on the y axis, epoch ms on x.
import type { SeriesPoint } from '@ringside/server/protocol';

const CHART_WINDOW_MS = 60 * 60_000;
const ROLLING_WINDOW_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

export interface ChartPoint {
  x: number;
  /** Percent 0–100, or null for a minute with nothing counted (drawn as a gap). */
  y: number | null;
  met: number;
  total: number;
}

export interface TimeRange {
  min: number;
  max: number;
}

const percent = (met: number, total: number) => (total > 0 ? (met / total) * 100 : null);

/** Compliance of each bucket on its own (any bucket size). */
export function bucketPoints(points: SeriesPoint[]): ChartPoint[] {
  return points.map((p) => ({ x: Date.parse(p.start), y: percent(p.met, p.total), met: p.met, total: p.total }));
}

/** Compliance of each minute on its own. */
export function minutePoints(points: SeriesPoint[]): ChartPoint[] {
  return points.map((p) => ({ x: Date.parse(p.start), y: percent(p.met, p.total), met: p.met, total: p.total }));
}

/**
 * Compliance over the 15 minutes ending with each minute: a handful of calls per minute swings between
 * 0 and 100 %, the rolling figure is the trend an ops lead acts on.
 */
export function rollingPoints(points: SeriesPoint[], windowMs = ROLLING_WINDOW_MS): ChartPoint[] {
  const minutes = minutePoints(points);
  return minutes.map((point) => {
    let met = 0;
    let total = 0;
    for (const other of minutes) {
      if (other.x > point.x - windowMs && other.x <= point.x) {
        met += other.met;
        total += other.total;
      }
    }
    return { x: point.x, y: percent(met, total), met, total };
  });
}

/** The last hour up to "now" (the server's clock when known), so the chart scrolls like a wallboard. */
export function chartRange(now: number, windowMs = CHART_WINDOW_MS): TimeRange {
  const max = Math.ceil(now / MINUTE_MS) * MINUTE_MS;
  return { min: max - windowMs, max };
}

/** The target as a flat line across the whole visible range. */
export function targetLine(target: number, range: TimeRange): ChartPoint[] {
  const y = target * 100;
  return [
    { x: range.min, y, met: 0, total: 0 },
    { x: range.max, y, met: 0, total: 0 },
  ];
}

export function pointsInRange(points: ChartPoint[], range: TimeRange): ChartPoint[] {
  return points.filter((p) => p.x >= range.min && p.x <= range.max);
}
