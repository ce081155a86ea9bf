// Sites as data: time zone, ring cadence, business hours and holidays (file and API).
import { z } from 'zod';
import { normalSiteId, siteIdProblem } from './pure/idLists';
import { betweenFieldsIssue, missingFromReplacementMessage, unlessWrong } from './issues';
import { didYouMean, quotedText } from './nearMiss';
import { wellFormedString } from './text';

/** Ring cycle (on + off) in seconds by country, from public PBX indication tables. */
export const RING_CYCLE_PRESETS = { US: 6, UK: 3, EU: 5, DE: 5, FR: 5, JP: 3 } as const;
export type CountryPreset = keyof typeof RING_CYCLE_PRESETS;
/** Accepted ring cycles in seconds: real PBX cadences are 3–6 s; outside this a value is a typo or a unit mix-up. */
export const RING_CYCLE_LIMITS = { minSeconds: 1, maxSeconds: 30 } as const;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Weekday → opening intervals "HH:MM-HH:MM" in the site's local time (end may be 24:00). */
export type BusinessHours = Partial<Record<Weekday, string[]>>;

export interface Site {
  id: string;
  name: string;
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  ringCycleSeconds: number;
  /** Absent = open around the clock; a weekday missing from a present map = closed that day. */
  hours: BusinessHours | null;
  /** Local dates (YYYY-MM-DD) the site is closed. */
  holidays: string[];
  /** True for a site created on first sight of one of its events. */
  autoCreated: boolean;
}

/** How clients name a configured site: its id and display name (the live snapshot's `sites`). */
export interface SiteName {
  id: string;
  name: string;
}

/**
 * A site id as every write names one (an event's or milestone's `site`, a site's `id`, an integration's `?site=`):
 * `text` in NFC (normalSiteId) with the site id rule (siteIdProblem: no comma) added. Sites stored before the rules
 * keep their ids.
 */
export const siteId = (text: z.ZodString): z.ZodString =>
  text.overwrite(normalSiteId).superRefine((id, ctx) => {
    const problem = siteIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The stored site ids that `id`, a site new to the store, equals but for letter case ("harbour" for "Harbour"). Site
 * ids are case-sensitive: it would be a second site, which the dashboard labels like the first. `ids`: every stored
 * site's (retired ones too), and the sites a write creates before this one.
 */
export function caseTwinsOf(id: string, ids: Iterable<string>): string[] {
  const folded = id.toLowerCase();
  const twins: string[] = [];
  for (const other of ids) if (other !== id && other.toLowerCase() === folded) twins.push(other);
  return twins;
}

/** Why a new site is refused whose id is `twins`' but for letter case (caseTwinsOf): the one it most likely means, else all. */
export function caseTwinMessage(id: string, twins: readonly string[]): string {
  const meant = didYouMean(id, twins);
  const others = meant === '' ? `the sites ${[...twins].sort().map((t) => JSON.stringify(t)).join(', ')}` : 'another site';
  return `new site ${JSON.stringify(id)} differs from ${others} only in letter case: site ids are case-sensitive, so it would be a second site${meant}`;
}

/**
 * Why an entry of a list of site ids (a standard's `scope.sites`, a key's `sites`) is refused whose site, new to the
 * store, is the list's entry `entry` (`other`, new too) but for letter case: the two would be two sites, and once
 * events of one are stored every event of the other is refused (caseTwinMessage), so one of them could have none.
 */
export function caseTwinEntryMessage(id: string, entry: number, other: string): string {
  return `new site ${JSON.stringify(id)} differs from entry ${entry} (${JSON.stringify(other)}) only in letter case: site ids are case-sensitive, so it would be a second site, and only one of the two could ever have events (list one spelling)`;
}

/** The zone names this server's time-zone data lists, by their lower-case spelling. */
let listedZones: Map<string, string> | undefined;

// Every report's `tz` and every site's zone are read through canonicalTimeZone, and building the Intl formatter that
// resolves a name cost ~0.3 ms of each GET /compliance; the answer depends on the name alone.
const CANONICAL_ZONES_LIMIT = 1_000;
const canonicalZones = new Map<string, string | null>();

/**
 * The IANA zone `zone` names, in its own spelling ("utc" → "UTC", "europe/berlin" → "Europe/Berlin"), or null when
 * this server knows no such zone. Zones are matched in any letter case, so a zone is stored and echoed the one way.
 * A link the time-zone data does not list by name (an older or alternative name, "Asia/Kolkata" where the data has
 * "Asia/Calcutta", "US/Eastern") is kept as written, unless written all in one case, which no spelling of such a name
 * is: then the name of the zone it links to.
 */
export function canonicalTimeZone(zone: string): string | null {
  const known = canonicalZones.get(zone);
  if (known !== undefined) return known;
  // Bounded: the names come from requests; a full map starts over rather than growing.
  if (canonicalZones.size >= CANONICAL_ZONES_LIMIT) canonicalZones.clear();
  const canonical = resolveTimeZone(zone);
  canonicalZones.set(zone, canonical);
  return canonical;
}

/** canonicalTimeZone without its cache. */
function resolveTimeZone(zone: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const listed = listedZonesByName().get(zone.toLowerCase()) ?? (resolved.toLowerCase() === zone.toLowerCase() ? resolved : undefined);
  if (listed) return listed;
  return zone === zone.toLowerCase() || zone === zone.toUpperCase() ? resolved : zone;
}

/** What a zone this server does not know is told. */
const UNKNOWN_TIME_ZONE = 'is not an IANA time zone known to this server (e.g. "Europe/Berlin")';

/**
 * UNKNOWN_TIME_ZONE for `zone`, with the listed zone it most likely mistypes ("Asia/Calcuta" → "Asia/Calcutta"), as
 * every other refused value names its near miss: a zone name is long and easy to misspell, and nothing else in the
 * answer says which spelling the server has.
 */
export function unknownTimeZoneMessage(zone: string): string {
  return `${UNKNOWN_TIME_ZONE}${didYouMean(zone, [...listedZonesByName().values()])}`;
}

/** The zones Intl lists, by their lower-case names (built on first use). */
function listedZonesByName(): Map<string, string> {
  return (listedZones ??= new Map(['UTC', ...Intl.supportedValuesOf('timeZone')].map((name) => [name.toLowerCase(), name])));
}

/** An interval read: its start and end in minutes of the day, or why it is refused (saying which part is wrong). */
type ReadInterval = { minutes: [number, number] } | { problem: string };

/**
 * "HH:MM-HH:MM" with the start first (the end may be 24:00). Its time that is no time of day is named, and an
 * interval that ends before it starts is told how hours past midnight are written: a site open overnight
 * ("22:00-02:00") opens on two weekdays, and which day's hours those are only the caller can say.
 */
function readInterval(s: string): ReadInterval {
  const got = ` (got ${quotedText(s)})`;
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(s);
  if (!m) return { problem: `must be "HH:MM-HH:MM", 24-hour with two digits each, e.g. "09:00-17:30"${got}` };
  const [start, end] = [`${m[1]}:${m[2]}`, `${m[3]}:${m[4]}`];
  const [a, b] = [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
  const noTime = [start, end].find((t, i) => Number(t.slice(3)) > 59 || Number(t.slice(0, 2)) > (i === 0 ? 23 : 24) || (t.startsWith('24') && t !== '24:00'));
  if (noTime !== undefined) return { problem: `has ${JSON.stringify(noTime)}, no time of day: hours run from 00 to 23 and minutes from 00 to 59, with 24:00 allowed as an end${got}` };
  if (a === b) return { problem: `is empty: it starts and ends at ${start}${got}` };
  if (b < a) return { problem: `ends before it starts: hours past midnight are two intervals, "${start}-24:00" on this day and "00:00-${end}" on the next${got}` };
  return { minutes: [a, b] };
}

/** An interval's start and end in minutes of the day, or null when readInterval refuses it. */
function intervalMinutes(s: string): [number, number] | null {
  const read = readInterval(s);
  return 'minutes' in read ? read.minutes : null;
}

const interval = wellFormedString().superRefine((s, ctx) => {
  const read = readInterval(s);
  if ('problem' in read) ctx.addIssue({ code: 'custom', message: read.problem });
});

/**
 * A day's opening intervals, in any order, none overlapping another: two that overlap ("09:00-12:00" and
 * "11:00-13:00") are most likely a typing mistake, and which hours were meant cannot be told. Intervals that only
 * touch ("09:00-12:00", "12:00-13:00") are fine.
 */
const dayIntervals = z.array(interval).superRefine((day, ctx) => {
  const spans = day.map((s, index) => ({ s, index, minutes: intervalMinutes(s) }));
  for (const x of spans) {
    const earlier = spans.find((y) => y.index < x.index && x.minutes && y.minutes && x.minutes[0] < y.minutes[1] && y.minutes[0] < x.minutes[1]);
    if (earlier) ctx.addIssue({ code: 'custom', path: [x.index], message: `overlaps ${JSON.stringify(earlier.s)} (item ${earlier.index}): a day's intervals may not overlap` });
  }
});

/** The form of a local date: YYYY-MM-DD. */
export const LOCAL_DATE_FORM = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why a local date in the form YYYY-MM-DD is refused when no calendar has it ("2026-02-30" is in the form, but no
 * date); null for a real one. The one check of a date alone, wherever one is given (holidays, a forecast's day).
 */
export function notARealDateProblem(s: string): string | null {
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(ms) || !new Date(ms).toISOString().startsWith(s) ? `is not a real date (got ${JSON.stringify(s)})` : null;
}

/** A local date YYYY-MM-DD that is on the calendar. */
const localDate = wellFormedString().superRefine((s, ctx) => {
  const problem = LOCAL_DATE_FORM.test(s) ? notARealDateProblem(s) : 'must be a date YYYY-MM-DD';
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A site's settings, each as a definition gives it; what each defaults to when left out is domain/sites.ts resolveSite. */
const siteSettings = {
  name: wellFormedString().trim().min(1, 'must not be empty').max(200),
  timeZone: wellFormedString().transform((zone, ctx) => canonicalTimeZone(zone) ?? (ctx.addIssue({ code: 'custom', message: unknownTimeZoneMessage(zone) }), z.NEVER)),
  /** Country preset for the ring cycle; ringCycleSeconds wins when both are given. */
  country: z.enum(Object.keys(RING_CYCLE_PRESETS) as [CountryPreset, ...CountryPreset[]]),
  ringCycleSeconds: z
    .number()
    .finite()
    .refine((v) => v >= RING_CYCLE_LIMITS.minSeconds && v <= RING_CYCLE_LIMITS.maxSeconds, {
      message: `must be between ${RING_CYCLE_LIMITS.minSeconds} and ${RING_CYCLE_LIMITS.maxSeconds} seconds`,
    }),
  holidays: z.array(localDate),
};

/**
 * The weekdays of `hours`, each a list of intervals (or, in a patch, null: closed that day). An object of the
 * weekdays (not a record): a record drops a "__proto__" key without a word, which would leave a site closed every
 * day; here, as any other key, it is named as not known.
 */
const weekdayHours = <D extends z.ZodType>(day: D) => z.strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, day.optional()])) as Record<Weekday, z.ZodOptional<D>>);

/**
 * Why `hours` that open on no weekday (`{}`, or every day listed empty) are refused: such a site is never open, so
 * nothing there is counted (outside hours) and no business-time deadline ever comes, without a word on the board.
 * That is a mistake far more often than a meaning (a site closed for a while has holidays); open around the clock
 * is `null`. Null when some weekday opens.
 */
export function noOpenDayProblem(hours: BusinessHours): string | null {
  return WEEKDAYS.some((day) => (hours[day]?.length ?? 0) > 0)
    ? null
    : 'opens on no weekday, so the site would never be open and nothing there would be counted: give at least one weekday its intervals, or null for open around the clock (close single dates with holidays)';
}

/** A week of opening hours that opens on some weekday (noOpenDayProblem). */
const openingWeek = weekdayHours(dayIntervals).superRefine((hours, ctx) => {
  const problem = noOpenDayProblem(hours);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const siteIdField = siteId(wellFormedString().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'));

export const siteDefinitionSchema = z.strictObject({
  id: siteIdField,
  name: siteSettings.name.optional(),
  timeZone: siteSettings.timeZone.optional(),
  country: siteSettings.country.optional(),
  ringCycleSeconds: siteSettings.ringCycleSeconds.optional(),
  hours: openingWeek.nullable().optional(),
  holidays: siteSettings.holidays.optional(),
});

/** The settings a site has (Site without its id and autoCreated): what a replacement (PUT) must name, each. */
const SITE_SETTINGS = ['name', 'timeZone', 'ringCycleSeconds', 'hours', 'holidays'] as const;

/** What a replacement that leaves a setting out is told: left out, it would silently go back to its default. */
const missingSettingMessage = (setting: (typeof SITE_SETTINGS)[number]): string => missingFromReplacementMessage('site', 'settings', setting === 'ringCycleSeconds' ? ' (or name country)' : '');

/**
 * A replacement of a site (PUT): a definition naming every setting (SITE_SETTINGS; `country` names the ring cycle
 * too; `hours: null` is open around the clock). Each one left out is named, with the other problems of the body.
 */
export const siteReplacementSchema = siteDefinitionSchema.superRefine((def, ctx) => {
  for (const setting of SITE_SETTINGS) {
    const named = def[setting] !== undefined || (setting === 'ringCycleSeconds' && def.country !== undefined);
    if (!named) betweenFieldsIssue(ctx, [setting], missingSettingMessage(setting));
  }
}, unlessWrong());

/**
 * A change of some settings of a site (PATCH, JSON merge patch, RFC 7396): a setting named replaces it, one left out
 * is kept, null puts it back to its default (domain/sites.ts patchSite); in `hours` the same per weekday.
 */
export const sitePatchSchema = z.strictObject({
  id: siteIdField,
  name: siteSettings.name.nullable().optional(),
  timeZone: siteSettings.timeZone.nullable().optional(),
  country: siteSettings.country.optional(),
  ringCycleSeconds: siteSettings.ringCycleSeconds.nullable().optional(),
  hours: weekdayHours(dayIntervals.nullable()).nullable().optional(),
  holidays: siteSettings.holidays.nullable().optional(),
});

export type SitePatch = z.output<typeof sitePatchSchema>;

export type SiteDefinition = z.output<typeof siteDefinitionSchema>;
