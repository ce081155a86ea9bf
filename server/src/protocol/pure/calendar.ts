// Calendar arithmetic in an IANA time zone, for "today"/"month" windows and hour/day buckets: the server's reports
// and exports, and the dashboard's export ranges (its months in the zone of the board's days).
// Approach: the zone's wall clock is read with Intl (the platform's tz database); a period (local hour,
// day, month) is the maximal run of instants sharing a key. Boundaries are found by stepping over UTC
// quarter hours (every offset in use since 1970 is a multiple of 15 minutes, so every modern boundary is
// on one) and refined by bisection to the millisecond, so odd historical offsets are exact too.
// A DST day is 23 or 25 hours long; the repeated hour of a fall-back day is two hour buckets (the
// offset is part of the hour key).

import { localParts, PARTS_CACHE_LIMIT } from './zonedDate';

export type CalendarUnit = 'hour' | 'day' | 'month';

const QUARTER_MS = 15 * 60_000;

/** Instants with the same key are in the same local period. */
function periodKey(ms: number, zone: string, unit: CalendarUnit): string {
  const p = localParts(ms, zone);
  if (unit === 'month') return p.date.slice(0, 7);
  if (unit === 'day') return p.date;
  return `${p.date}T${p.time.slice(0, 2)} ${p.offset}`;
}

/** The zone's offset from UTC at `ms` as ISO 8601 writes it, "+05:30", "+00:00" (Intl's "GMT+05:30", "GMT"). */
export function utcOffsetAt(ms: number, zone: string): string {
  const gmt = localParts(ms, zone).offset;
  return gmt === 'GMT' ? '+00:00' : gmt.slice(3);
}

const floorQuarter = (ms: number) => Math.floor(ms / QUARTER_MS) * QUARTER_MS;

/** First instant in (lo, hi] where `test` turns true, assuming !test(lo) and test(hi) (bisection). */
export function firstInstant(lo: number, hi: number, test: (ms: number) => boolean): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (test(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Start of the local period containing `ms`. */
export function periodStart(ms: number, zone: string, unit: CalendarUnit): number {
  const key = periodKey(ms, zone, unit);
  const same = (t: number) => periodKey(t, zone, unit) === key;
  let s = floorQuarter(ms);
  if (s === ms) {
    if (!same(ms - 1)) return ms;
  } else if (!same(s)) {
    return firstInstant(s, ms, same);
  }
  // s is in the period; walk back a quarter hour at a time until we leave it.
  while (same(s - QUARTER_MS)) s -= QUARTER_MS;
  if (!same(s - 1)) return s;
  return firstInstant(s - QUARTER_MS, s, same);
}

const MIN_LENGTH: Record<CalendarUnit, number> = { hour: 30 * 60_000, day: 22 * 3_600_000, month: 27 * 86_400_000 };

// An hour series asks for every boundary of the range on each request (~5 cached localParts per hour,
// ~1 ms of a month's report); the answer depends only on (zone, unit, instant), so it is kept like localParts.
const nextCache = new Map<string, Map<number, number>>();
let nextCacheSize = 0;

/** Start of the local period after the one containing `ms`. */
export function nextPeriodStart(ms: number, zone: string, unit: CalendarUnit): number {
  const cacheKey = `${zone}|${unit}`;
  let cache = nextCache.get(cacheKey);
  const hit = cache?.get(ms);
  if (hit !== undefined) return hit;
  if (nextCacheSize >= PARTS_CACHE_LIMIT) {
    nextCache.clear();
    nextCacheSize = 0;
    cache = undefined;
  }
  if (!cache) nextCache.set(cacheKey, (cache = new Map<number, number>()));
  const next = computeNextPeriodStart(ms, zone, unit);
  cache.set(ms, next);
  nextCacheSize += 1;
  return next;
}

function computeNextPeriodStart(ms: number, zone: string, unit: CalendarUnit): number {
  const key = periodKey(ms, zone, unit);
  const differs = (t: number) => periodKey(t, zone, unit) !== key;
  // The first quarter hour after `ms` outside its period: quarter k is base + k·15 min. Known inside: `inside` (0:
  // only ms itself); known outside: `outside`. Skip ahead by the shortest possible length of the period when that is
  // safe, gallop (doubling) until outside, then bisect: a month's end is a few dozen zone lookups, not a walk over the
  // up to four days after its shortest length a quarter hour at a time (~400 lookups).
  const base = floorQuarter(ms);
  let inside = 0;
  let outside = 1;
  const jump = Math.floor((floorQuarter(ms + MIN_LENGTH[unit]) - base) / QUARTER_MS);
  if (jump > 1 && !differs(base + jump * QUARTER_MS)) inside = outside = jump;
  for (let step = 1; !differs(base + outside * QUARTER_MS); step *= 2) {
    inside = outside;
    outside += step;
  }
  while (outside - inside > 1) {
    const mid = Math.floor((inside + outside) / 2);
    if (differs(base + mid * QUARTER_MS)) outside = mid;
    else inside = mid;
  }
  const s = base + outside * QUARTER_MS;
  // Boundaries are normally on the quarter hour itself: one check instead of a bisection.
  if (s - 1 >= ms && !differs(s - 1)) return s;
  return firstInstant(Math.max(ms, s - QUARTER_MS), s, differs);
}

/** Starts of every local period overlapping [from, to), oldest first. */
export function periodStarts(from: number, to: number, zone: string, unit: CalendarUnit, limit = Infinity): number[] {
  const starts: number[] = [];
  for (let s = periodStart(from, zone, unit); s < to && starts.length < limit; s = nextPeriodStart(s, zone, unit)) starts.push(s);
  return starts;
}
