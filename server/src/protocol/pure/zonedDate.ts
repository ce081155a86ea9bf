// A moment as the wall clock of an IANA time zone reads it, with Intl (the platform's tz database): the one reading
// of a zone's local date and time. The server's calendar arithmetic (domain/zonedTime.ts) is built on it, and the
// reception kiosk tells its site's days by it. Nothing is made until first asked: the dashboard page imports this
// entry too and must not build an Intl formatter before its first paint (webview/src/format.ts says why).

export interface LocalParts {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** HH:MM:SS in the zone (00–23). */
  time: string;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** "GMT+05:30", "GMT" … */
  offset: string;
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(zone, f);
  }
  return f;
}

// Hour/day series ask for the same boundaries again and again (every dashboard refresh), and
// formatToParts was the costliest step of a report; the answer only depends on (zone, instant).
export const PARTS_CACHE_LIMIT = 50_000;
const partsCache = new Map<string, LocalParts>();

/** The zone's wall clock at `ms`: its date, time, weekday and offset. Throws a RangeError for a zone Intl does not know. */
export function localParts(ms: number, zone: string): LocalParts {
  const key = `${zone}|${ms}`;
  const hit = partsCache.get(key);
  if (hit) return hit;
  if (partsCache.size >= PARTS_CACHE_LIMIT) partsCache.clear();
  const parts = computeLocalParts(ms, zone);
  partsCache.set(key, parts);
  return parts;
}

function computeLocalParts(ms: number, zone: string): LocalParts {
  const p: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(ms)) p[part.type] = part.value;
  const year = p.year!.padStart(4, '0');
  return {
    date: `${year}-${p.month}-${p.day}`,
    time: `${p.hour}:${p.minute}:${p.second}`,
    weekday: WEEKDAY_INDEX[p.weekday!] ?? 0,
    offset: p.timeZoneName ?? 'GMT',
  };
}
