// The per-minute points of the live series as the clients keep them: the snapshot's 60, then the points each
// `compliance` message carries. A message's point is its minute's whole count, so it replaces the point of that
// minute wherever it is (a push may stand for several stored batches, a back-dated event for an older minute). The
// dashboard and the extension both apply points with this, so their series agree.
import type { SeriesPoint } from '../compliance';

/** How many minutes a client keeps: two hours, enough for the one-hour chart window. */
export const LIVE_POINTS_KEPT = 120;

/** Same minute → replace; a new minute → insert in time order; keep the newest LIVE_POINTS_KEPT. */
export function upsertLivePoint(points: readonly SeriesPoint[], point: SeriesPoint): SeriesPoint[] {
  const index = points.findIndex((p) => p.start === point.start);
  if (index >= 0) return points.map((p, i) => (i === index ? point : p));
  const next = [...points, point];
  const last = points[points.length - 1];
  if (last && Date.parse(last.start) > Date.parse(point.start)) next.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return next.slice(-LIVE_POINTS_KEPT);
}
