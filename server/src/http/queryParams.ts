// The query parameters of every route, read one way: each given once as text (lists as readIdList reads them),
// times as ISO 8601 with an offset, zones as IANA names, and a report's range ("today", a window, from/to) read by
// one function in the zone the compliance reader uses. Every refusal names its parameter.
import { z } from 'zod';
import { canonicalTimeZone, isoWithOffset, notAnRfc3339Timestamp, REPORT_WINDOWS, unknownTimeZoneMessage, type ReportWindow } from '../protocol';
import { oneOfMessage, unlessWrong } from '../protocol/issues';
import { didYouMean, quotedText } from '../protocol/nearMiss';
import { idListCandidates, readIdList, siteIdAsRead } from '../protocol/pure/idLists';
import { periodStart } from '../domain/zonedTime';
import { reportZone, windowRange } from '../domain/ranges';
import { unknownSiteMessage, type SitesService } from '../services/sites';

/** Adds a problem to the value being parsed (at `path` below it); the value is then refused. */
export const refuse = (ctx: z.RefinementCtx, message: string, path: PropertyKey[] = []): typeof z.NEVER => {
  ctx.addIssue({ code: 'custom', message, path });
  return z.NEVER;
};

/**
 * The refusal of a parameter read once that the query gives more than once (`?site=a&site=b`): the query parser
 * makes it a list, which is not a wrong type of value but the same parameter twice. Every route's, through
 * parseQuery (http/validate.ts) and the parameters below.
 */
export const givenMoreThanOnce = (values: readonly unknown[]): string => `is given ${values.length === 2 ? 'twice' : `${values.length} times`}: give it once`;

/** The one value of a parameter read once, as sent. */
const givenOnce = () =>
  z.unknown().transform((v, ctx): string => {
    if (Array.isArray(v)) return refuse(ctx, givenMoreThanOnce(v));
    if (typeof v !== 'string') return refuse(ctx, 'must be text');
    return v;
  });

const nonEmpty = () => givenOnce().transform((v, ctx): string => (v.trim() === '' ? refuse(ctx, 'must not be empty') : v));

// Each parameter is optional: absent, it reads as undefined (the route decides the default).
/** Text (a name, an id, one of a few words): trimmed. */
const text = () => nonEmpty().transform((v) => v.trim());

/**
 * Numbers and times are read as sent, not trimmed as text is: one with white space around it (`asOf=%205`; also
 * `asOf=+5`, whose + a URL's query turns into a space) is refused, as `%2B5` and `1e3` are and as a time with a space
 * around it is in a body, rather than read as a value other than the one written. The one check of every number and
 * time a query or path takes (bare, numberParam, dayParam; docs/api.md, "Numbers and times in a query").
 */
export const spacedProblem = (v: string): string | null => (v.trim() === v ? null : `must not have spaces around it (got ${quotedText(v)})`);

/** A number's or a time's text: given once, not empty, without white space around it (spacedProblem). */
const bare = () =>
  nonEmpty().transform((v, ctx): string => {
    const spaced = spacedProblem(v);
    return spaced === null ? v : refuse(ctx, spaced);
  });

/**
 * The parameters a route recognises but refuses whenever given (another variant of it takes them: an export kind's
 * `period` on another kind), by their schemas: the query's refusal of an unknown parameter does not list them among
 * the known ones (parseQuery), since giving them is refused too.
 */
const refusedWhenGiven = new WeakSet<z.ZodType>();

/** A parameter refused with `message` whatever its value, and not listed as known (refusedWhenGiven). */
export function notTakenParam(message: string) {
  const schema = z
    .unknown()
    .optional()
    .transform((v, ctx): undefined => (v === undefined ? undefined : refuse(ctx, message)));
  refusedWhenGiven.add(schema);
  return schema;
}

/** Whether a parameter's schema is one refused whenever given (notTakenParam). */
export const isNotTaken = (schema: z.ZodType): boolean => refusedWhenGiven.has(schema);

/** One of `allowed`, refused as every value not among those accepted is worded (oneOfMessage). */
export const oneOfParam = <T extends string>(allowed: readonly T[]) =>
  text()
    .transform((v, ctx): T => (allowed.includes(v as T) ? (v as T) : refuse(ctx, oneOfMessage(allowed, v))))
    .optional();

/** A time (RFC 3339, with an offset) as epoch milliseconds. */
export const timeParam = () =>
  bare()
    .transform((v, ctx): number => {
      const parsed = isoWithOffset.safeParse(v);
      return parsed.success ? Date.parse(parsed.data) : refuse(ctx, parsed.error.issues[0]?.message ?? notAnRfc3339Timestamp(v));
    })
    .optional();

export const zoneParam = () =>
  text()
    .transform((v, ctx) => canonicalTimeZone(v) ?? refuse(ctx, unknownTimeZoneMessage(v)))
    .optional();

/** The refusal of a standard id no standard ever had, naming those that exist and the one it most likely mistypes. */
export const unknownStandardMessage = (id: string, ids: readonly string[]): string => `unknown standard "${id}" (known: ${ids.join(', ')})${didYouMean(id, ids)}`;

/** A standard that exists (retired ones included). */
export const standardParam = (ids: readonly string[]) =>
  text()
    .transform((v, ctx) => (ids.includes(v) ? v : refuse(ctx, unknownStandardMessage(v, ids))))
    .optional();

/**
 * A list (readIdList, docs/api.md "Lists"): repeated, each value one id (?site=a&site=b), or one value of ids between
 * commas (?site=a,b) unless `isWhole` says that value is an id itself; duplicates dropped; absent: [].
 */
export const listParam = (isWhole: (id: string) => boolean = () => false) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx): string[] => {
    if (v === undefined) return [];
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    const ids = readIdList(values, isWhole);
    if (ids.some((s) => s === '')) refuse(ctx, 'must not contain empty values');
    return ids.filter((s) => s !== '');
  });

/**
 * The site a query's site id names, as the server has heard of it (SitesService.known), looked up before a query is
 * parsed: the id itself or its NFC form (siteIdAsRead); undefined for a site the server has never heard of.
 */
export type KnownSite = ((site: string) => string | undefined) & {
  /** Every stored site's id when the query names a site the server has never heard of (what its refusal suggests). */
  readonly stored?: readonly string[];
};

/**
 * The sites a query's `site` names (given once or repeated, comma-separated or not), looked up before its schema runs,
 * which is synchronous: `site=nosuch` is refused by name beside the query's other problems, as an unknown standard is.
 */
export async function knownSitesOf(sites: Pick<SitesService, 'known' | 'ids'>, query: Record<string, unknown>): Promise<KnownSite> {
  const given = query['site'];
  const texts = (Array.isArray(given) ? given : [given]).filter((v): v is string => typeof v === 'string');
  const names = idListCandidates(texts).filter((t) => t !== '').slice(0, MAX_SITE_LOOKUPS);
  const known = names.length > 0 ? await sites.known(names) : new Set<string>();
  const isKnown = (site: string) => known.has(site);
  const read = (site: string) => {
    const id = siteIdAsRead(site, isKnown);
    return isKnown(id) ? id : undefined;
  };
  // Read only when a refusal may suggest one: a value that is neither a site nor, given once (readIdList), a list of
  // sites. Such a list is refused only where one site is taken, with the list's hint, not a stored id.
  const isSite = (text: string) => read(text.trim()) !== undefined;
  const accounted = (text: string) => isSite(text) || (texts.length === 1 && text.split(',').every(isSite));
  const stored = texts.some((t) => !accounted(t)) ? await sites.ids() : [];
  return Object.assign(read, { stored });
}

/**
 * The refusal of a site the server has never heard of, as every read words it: with the stored site it most likely
 * mistypes, and, where the parameter takes `one` site, a hint for a list given there (`site=a,b`).
 */
export function unknownSite(known: KnownSite, site: string, one: boolean): string {
  const list = one && site.includes(',') ? '; give one site here, not a list (leave it out for every site together)' : '';
  return unknownSiteMessage(site, known.stored) + list;
}

/** The most site names one query is looked up for; a list naming more is refused (siteListParam). */
const MAX_SITE_LOOKUPS = 100;

/** One site the server has heard of, trimmed. */
export const siteParam = (known: KnownSite) =>
  text()
    .transform((v, ctx) => known(v) ?? refuse(ctx, unknownSite(known, v, true)))
    .optional();

/** Sites the server has heard of, repeatable and comma-separated (listParam); absent: []. */
export const siteListParam = (known: KnownSite) =>
  listParam((site) => known(site) !== undefined).transform((sites, ctx) => {
    if (sites.length > MAX_SITE_LOOKUPS) return refuse(ctx, `must name at most ${MAX_SITE_LOOKUPS} sites`);
    const unknown = sites.filter((s) => known(s) === undefined);
    return unknown.length === 0 ? [...new Set(sites.map((s) => known(s)!))] : unknown.map((s) => refuse(ctx, unknownSite(known, s, false)))[0]!;
  });

/** A decimal number as JSON writes one, exponent included (200, 0.8, 1e6; also 5. and .5); no hex, no Infinity. */
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A required decimal number (DECIMAL, without white space around it: spacedProblem) that passes `ok`; `message` says what is accepted. */
export const numberParam = (message: string, ok: (v: number) => boolean) =>
  z
    .unknown()
    .transform((v, ctx): unknown => (v === undefined ? refuse(ctx, `is required and ${message}`) : v))
    .pipe(givenOnce())
    .transform((v, ctx): number => {
      // Blank: told what the number must be, as other text that is no number is.
      const spaced = v.trim() === '' ? null : spacedProblem(v);
      if (spaced !== null) return refuse(ctx, spaced);
      const n = DECIMAL.test(v) ? Number(v) : NaN;
      return Number.isFinite(n) && ok(n) ? n : refuse(ctx, message);
    });

/** A whole number from `min` to `max`, required (a path parameter's). */
export const wholeNumber = (min: number, max: number) =>
  bare().transform((v, ctx): number => (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : refuse(ctx, `must be a whole number from ${min} to ${max}`)));

/** A whole number from `min` to `max`, optional (a query parameter's). */
export const wholeNumberParam = (min: number, max: number) => wholeNumber(min, max).optional();

/** `to` after `from`, reported on `to`. */
function checkOrder(fromMs: number | undefined, toMs: number | undefined, ctx: z.RefinementCtx): void {
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) refuse(ctx, 'must be later than from', ['to']);
}

/**
 * A `from` and a `to` both given must be in order, whatever else is wrong (runs on failed fields too); with a
 * `window` they are refused anyway (windowAlone).
 */
export const fromBeforeTo = [
  (p: { from?: unknown; to?: unknown; window?: unknown }, ctx: z.RefinementCtx) => {
    if (p.window === undefined && typeof p.from === 'number' && typeof p.to === 'number') checkOrder(p.from, p.to, ctx);
  },
  { when: () => true },
] as const;

/**
 * The most buckets or periods one request may walk: GET /compliance's series buckets, the compliance export's and the
 * report's periods. Each costs reads of its own, so an open range in a small unit is refused before anything is read
 * (10,000 days: 27 years; 10,000 minutes: a week).
 */
const MAX_BUCKETS = 10_000;

/**
 * Refuses (at `path`) a range of more than MAX_BUCKETS units of `unitMs`, counted as ⌈(to − from) / unitMs⌉ + 1 (a
 * partial unit at each end). A unit of varying length (a local day, a month) is counted at its shortest nominal
 * length, so the count is never below the units the request would walk. `what`: the units, named ("day buckets").
 */
export function bucketLimit(ctx: z.RefinementCtx, range: { fromMs: number; toMs: number }, unitMs: number, what: string, path: PropertyKey[], advice: string): void {
  if (Math.ceil((range.toMs - range.fromMs) / unitMs) + 1 > MAX_BUCKETS) refuse(ctx, `would mean more than ${MAX_BUCKETS} ${what} between from and to; ${advice}`, path);
}

/** What a report's query needs to know of sites (looked up before it is parsed) and of the server. */
export interface SiteContext {
  /** Whether the server has heard of a site. */
  knownSite: KnownSite;
  /** The zone of a configured site, if any. */
  siteZone(site: string): string | undefined;
  serverZone: string;
}

/** The range parameters of a report: `site`, `tz`, `window`, `from`, `to`. */
export const rangeShape = (known: KnownSite) => ({ site: siteParam(known), from: timeParam(), to: timeParam(), window: oneOfParam(REPORT_WINDOWS), tz: zoneParam() });

/**
 * `window` replaces `from` and `to`: asking for both is refused whatever else is wrong with them (a check of the
 * object that runs even when a parameter failed: `{ when: () => true }`).
 */
export const windowAlone = [
  (p: { window?: unknown; from?: unknown; to?: unknown }, ctx: z.RefinementCtx) => {
    if (p.window === undefined) return;
    if (p.from !== undefined) refuse(ctx, 'cannot be combined with window', ['from']);
    if (p.to !== undefined) refuse(ctx, 'cannot be combined with window', ['to']);
  },
  { when: () => true },
] as const;

interface RangeParams {
  site?: string | undefined;
  tz?: string | undefined;
  window?: ReportWindow | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

interface ReportRange {
  fromMs: number;
  toMs: number;
  site: string | null;
  window: ReportWindow | null;
  timeZone: string;
  /** The clock the range was taken at (a rolling window or the default `to` ends there). */
  nowMs: number;
}

/** The parameters a report's range reads. */
export const RANGE_PARAMS = ['site', 'tz', 'window', 'from', 'to'] as const;

/** The range's own problems (out of order, with a default end too), found whatever else is wrong unless a parameter it reads is. */
export const rangeRule = (zones: SiteContext, nowMs: number) =>
  [(p: RangeParams, ctx: z.RefinementCtx) => void reportRange(p, zones, nowMs, ctx), unlessWrong(...RANGE_PARAMS)] as const;

/**
 * One definition of a report's range. The zone is `tz`, else the site's when one configured site is asked, else
 * the server's; `window` is taken in that zone; without it the range is [from, to), defaulting to [start of today
 * in that zone, now).
 */
export function reportRange(p: RangeParams, zones: SiteContext, nowMs: number, ctx: z.RefinementCtx): ReportRange {
  const timeZone = reportZone(p.tz ?? null, p.site !== undefined ? zones.siteZone(p.site) : undefined, zones.serverZone);
  const { fromMs, toMs } = p.window !== undefined ? windowRange(p.window, nowMs, timeZone) : { fromMs: p.from ?? periodStart(nowMs, timeZone, 'day'), toMs: p.to ?? nowMs };
  if (p.window === undefined && fromMs >= toMs) {
    // Name the parameter that was sent: the other one is a default the caller may not know of.
    const at = (ms: number) => new Date(ms).toISOString();
    if (p.to === undefined) refuse(ctx, `must be earlier than now (${at(toMs)}), the default to`, ['from']);
    else if (p.from === undefined) refuse(ctx, `must be later than the start of today in ${timeZone} (${at(fromMs)}), the default from`, ['to']);
    else checkOrder(fromMs, toMs, ctx);
  }
  return { fromMs, toMs, site: p.site ?? null, window: p.window ?? null, timeZone, nowMs };
}
