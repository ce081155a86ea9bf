// Time buckets for the live minute series. Minutes are absolute; hours and days here follow the process's local
// time zone, DST included (the zoned calendar of reports and exports is domain/zonedTime.ts).
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

function nextBucketStart(start: number, bucket: Bucket): number {
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

export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}
