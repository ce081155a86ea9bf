// Time buckets for series. Minutes are absolute; hours and days follow the server's local time zone
// (until sites carry their own zones), so a "day" bucket starts at local midnight, DST included.
import type { Bucket } from '../protocol';

const MINUTE_MS = 60_000;

export function bucketStart(ms: number, bucket: Bucket): number {
  if (bucket === 'minute') return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  const d = new Date(ms);
  if (bucket === 'hour') {
    d.setMinutes(0, 0, 0);
    return d.getTime();
  }
  return startOfLocalDay(ms);
}

export function nextBucketStart(start: number, bucket: Bucket): number {
  if (bucket === 'minute') return start + MINUTE_MS;
  if (bucket === 'hour') return bucketStart(start + 3_600_000 + MINUTE_MS, 'hour');
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

/** Every bucket start overlapping [from, to), oldest first. */
export function bucketStarts(from: number, to: number, bucket: Bucket): number[] {
  const starts: number[] = [];
  for (let s = bucketStart(from, bucket); s < to; s = nextBucketStart(s, bucket)) starts.push(s);
  return starts;
}

/** How many buckets [from, to) spans, without building them (to refuse absurd requests cheaply). */
export function approximateBucketCount(from: number, to: number, bucket: Bucket): number {
  const size = bucket === 'minute' ? MINUTE_MS : bucket === 'hour' ? 3_600_000 : 86_400_000;
  return Math.ceil((to - from) / size) + 1;
}

export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function startOfNextLocalDay(ms: number): number {
  return nextBucketStart(startOfLocalDay(ms), 'day');
}
