// Turning per-minute counts into a gap-free series of buckets (empty buckets have ratio null).
import type { Bucket, SeriesPoint } from '../protocol';
import { bucketStart, bucketStarts } from './buckets';
import { addCounts, ratioOf, type Counts } from './compliance';

export interface MinuteCounts extends Counts {
  /** Minute start, epoch ms. */
  minuteMs: number;
}

export function seriesPoint(startMs: number, counts: Counts): SeriesPoint {
  return { start: new Date(startMs).toISOString(), total: counts.total, met: counts.met, ratio: ratioOf(counts) };
}

/** Every bucket of [from, to), oldest first, summing the minutes that fall inside it. */
export function buildSeries(minutes: readonly MinuteCounts[], bucket: Bucket, from: number, to: number): SeriesPoint[] {
  const sums = new Map<number, Counts>();
  for (const m of minutes) {
    const start = bucketStart(m.minuteMs, bucket);
    sums.set(start, addCounts(sums.get(start) ?? { total: 0, met: 0 }, m));
  }
  return bucketStarts(from, to, bucket).map((start) => seriesPoint(start, sums.get(start) ?? { total: 0, met: 0 }));
}
