// Business time: how much of a span a site is open, and when a clock measured in open time runs out.
// The open set is exactly the instants where isOpen() is true: the site's wall clock (date, weekday, time of
// day) decides. Each local day is cut into runs of constant UTC offset; within a run the wall clock moves with
// real time, so a wall-clock interval maps to one UTC interval by subtracting the offset. That makes DST follow
// the desk clock: a skipped hour holds no open time, a repeated hour is open twice, "24:00" is the end of the
// local day. Work is per local day, never per second, so months of business time cost milliseconds.
import type { Site } from '../protocol';
import { WEEKDAYS } from '../protocol';
import { firstInstant, localParts, nextPeriodStart, periodStart } from './zonedTime';

/** What business time needs of a site. */
export type BusinessCalendar = Pick<Site, 'timeZone' | 'hours' | 'holidays'>;

/** A half-open span [start, end) of UTC milliseconds. */
export interface OpenInterval {
  start: number;
  end: number;
}

/** Milliseconds since local midnight, [start, end), for one weekday. */
type WallSpan = readonly [number, number];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Searches stop two days short of the last instant a Date can hold, so the zone lookups stay valid. */
const LAST_INSTANT = 8.64e15 - 2 * DAY_MS;
const CLOSED_DAYS_LIMIT = 28;

/** Open time in [fromMs, toMs), in seconds (millisecond-exact); 0 when toMs <= fromMs. */
export function businessSecondsBetween(site: BusinessCalendar, fromMs: number, toMs: number): number {
  requireInstant('fromMs', fromMs);
  requireInstant('toMs', toMs);
  if (toMs <= fromMs) return 0;
  if (isAlwaysOpen(site)) return (toMs - fromMs) / 1000;
  let ms = 0;
  for (const span of openSpans(site, fromMs, toMs)) ms += span.end - span.start;
  return ms / 1000;
}

/**
 * The earliest instant t with businessSecondsBetween(site, fromMs, t) = seconds: the deadline of a clock started
 * at fromMs with a threshold of `seconds` open seconds (rounded to the millisecond). A clock started while the
 * site is closed starts counting at the next opening; seconds = 0 gives the first open instant at or after
 * fromMs. Infinity when that instant never comes: a site with hours but no open weekday (found as four weeks
 * without open time after the last holiday), or when it lies past `untilMs`: the search stops there.
 * Cost grows with the local days walked (about 10 zone lookups per open day), not with the seconds: a caller that
 * needs no instant beyond some horizon passes it as `untilMs`, or a large threshold at a site open an hour a week
 * walks millennia.
 */
export function addBusinessSeconds(site: BusinessCalendar, fromMs: number, seconds: number, untilMs = LAST_INSTANT): number {
  requireInstant('fromMs', fromMs);
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`seconds must be a finite number >= 0, got ${seconds}`);
  let remaining = Math.round(seconds * 1000);
  if (isAlwaysOpen(site)) return fromMs + remaining;
  for (const span of openSpans(site, fromMs, Math.min(untilMs, LAST_INSTANT), true)) {
    const length = span.end - span.start;
    if (remaining <= length) return span.start + remaining;
    remaining -= length;
  }
  return Infinity;
}

/** The maximal open intervals within [fromMs, toMs), in order; adjacent days' intervals are joined. */
export function* openIntervals(site: BusinessCalendar, fromMs: number, toMs: number): Generator<OpenInterval> {
  requireInstant('fromMs', fromMs);
  requireInstant('toMs', toMs);
  if (toMs <= fromMs) return;
  if (isAlwaysOpen(site)) {
    yield { start: fromMs, end: toMs };
    return;
  }
  let pending: OpenInterval | null = null;
  for (const span of openSpans(site, fromMs, toMs)) {
    if (pending && pending.end === span.start) {
      pending.end = span.end;
      continue;
    }
    if (pending) yield pending;
    pending = { ...span };
  }
  if (pending) yield pending;
}

/** The maximal closed intervals within [fromMs, toMs), in order: what openIntervals leaves out. */
export function* closedIntervals(site: BusinessCalendar, fromMs: number, toMs: number): Generator<OpenInterval> {
  let at = fromMs;
  for (const open of openIntervals(site, fromMs, toMs)) {
    if (at < open.start) yield { start: at, end: open.start };
    at = open.end;
  }
  if (at < toMs) yield { start: at, end: toMs };
}

/** No hours and no holidays: every instant is open. */
function isAlwaysOpen(site: BusinessCalendar): boolean {
  return !site.hours && site.holidays.length === 0;
}

function requireInstant(name: string, ms: number): void {
  if (!Number.isFinite(ms) || Math.abs(ms) > LAST_INSTANT) throw new RangeError(`${name} must be a finite instant in milliseconds, got ${ms}`);
}

/**
 * Open spans clipped to [from, to), day by day: ordered and disjoint, but a span may end where the next begins.
 * An open-ended search gives up after CLOSED_DAYS_LIMIT local days without open time past the last holiday: a
 * weekly pattern with an open weekday always opens within a week or two (a DST gap can swallow one day's
 * interval), so that only happens for a site that never opens, and the caller must not spin for ever.
 */
function* openSpans(site: BusinessCalendar, from: number, to: number, openEnded = false): Generator<OpenInterval> {
  const zone = site.timeZone;
  const holidays = new Set(site.holidays);
  const lastHoliday = site.holidays.reduce((last, date) => (date > last ? date : last), '');
  const week = site.hours ? WEEKDAYS.map((day) => wallSpans(site.hours![day] ?? [])) : null;
  let closedDays = 0;
  for (let day = periodStart(from, zone, 'day'); day < to; ) {
    const next = nextPeriodStart(day, zone, 'day');
    const spans = openSpansOfDay(zone, holidays, week, day, next);
    if (spans.length > 0) closedDays = 0;
    else if (openEnded && localParts(day, zone).date > lastHoliday && ++closedDays > CLOSED_DAYS_LIMIT) return;
    for (const span of spans) {
      const start = Math.max(span.start, from);
      const end = Math.min(span.end, to);
      if (start < end) yield { start, end };
    }
    day = next;
  }
}

/** The open spans of the local day [dayStart, nextDay). */
function openSpansOfDay(zone: string, holidays: Set<string>, week: WallSpan[][] | null, dayStart: number, nextDay: number): OpenInterval[] {
  const { date, weekday } = localParts(dayStart, zone);
  if (holidays.has(date)) return [];
  if (!week) return [{ start: dayStart, end: nextDay }];
  const wanted = week[weekday]!;
  if (wanted.length === 0) return [];
  const midnightAsUtc = Date.parse(`${date}T00:00:00Z`);
  const spans: OpenInterval[] = [];
  for (const run of constantOffsetRuns(zone, dayStart, nextDay)) {
    for (const [wallStart, wallEnd] of wanted) {
      // In this run the wall clock reads (t + offset - midnightAsUtc) ms after local midnight.
      const start = Math.max(run.start, midnightAsUtc + wallStart - run.offset);
      const end = Math.min(run.end, midnightAsUtc + wallEnd - run.offset);
      if (start < end) appendJoined(spans, { start, end });
    }
  }
  return spans;
}

function appendJoined(spans: OpenInterval[], span: OpenInterval): void {
  const last = spans[spans.length - 1];
  if (last && last.end === span.start) last.end = span.end;
  else spans.push(span);
}

interface OffsetRun extends OpenInterval {
  /** Local wall clock minus UTC, in ms. */
  offset: number;
}

/** [start, end) cut where the zone's UTC offset changes (a DST day has two runs). */
function constantOffsetRuns(zone: string, start: number, end: number): OffsetRun[] {
  const runs: OffsetRun[] = [];
  for (let at = start; ; ) {
    const offset = utcOffset(at, zone);
    if (utcOffset(end - 1, zone) === offset) {
      runs.push({ start: at, end, offset });
      return runs;
    }
    const change = firstInstant(at, end - 1, (t) => utcOffset(t, zone) !== offset);
    runs.push({ start: at, end: change, offset });
    at = change;
  }
}


/** Wall clock minus UTC at `ms`, read from the same local parts isOpen() reads (whole seconds). */
function utcOffset(ms: number, zone: string): number {
  const local = localParts(ms, zone);
  return Date.parse(`${local.date}T${local.time}Z`) - Math.floor(ms / 1000) * 1000;
}

/** "HH:MM-HH:MM" intervals as sorted, joined wall spans (overlapping intervals are one opening, as in isOpen). */
function wallSpans(intervals: readonly string[]): WallSpan[] {
  const spans = intervals.map(parseInterval).sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = joined[joined.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else joined.push([start, end]);
  }
  return joined;
}

function parseInterval(interval: string): WallSpan {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(interval);
  if (!m) throw new RangeError(`business hours interval must be "HH:MM-HH:MM", got ${JSON.stringify(interval)}`);
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  const [start, end] = [h1 * 60 + m1, h2 * 60 + m2];
  if (m1 >= 60 || m2 >= 60 || start >= end || end > 24 * 60) {
    throw new RangeError(`business hours interval must start before it ends, within 00:00-24:00, got ${JSON.stringify(interval)}`);
  }
  return [start * MINUTE_MS, end * MINUTE_MS];
}
