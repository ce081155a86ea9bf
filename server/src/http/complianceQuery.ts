// Parsing GET /compliance query parameters; every problem names its parameter. The range parameters (site,
// tz, window, from, to) are shared with GET /distribution, so both mean the same "today".
import type { Bucket, FieldProblem, GroupBy, ReportWindow } from '../protocol';
import { isoWithOffset, isValidTimeZone, REPORT_WINDOWS } from '../protocol';
import { periodStart } from '../domain/zonedTime';
import { reportZone, windowRange } from '../domain/ranges';
import type { ReportQuery } from '../services/compliance';

const KNOWN = ['standard', 'site', 'from', 'to', 'bucket', 'window', 'tz', 'groupBy'] as const;
const BUCKETS = ['minute', 'hour', 'day'] as const;
const GROUPS = ['site', 'queue', 'agent'] as const;
export const MAX_BUCKETS = 10_000;
const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
export interface ZoneContext {
  /** The zone of a configured site, if any. */
  siteZone(site: string): string | undefined;
  serverZone: string;
}

export interface QueryContext extends ZoneContext {
  /** Every standard id ever defined (retired ones can still be reported). */
  standardIds: readonly string[];
}

export type ParsedQuery = { ok: true; query: ReportQuery } | { ok: false; errors: FieldProblem[] };

/** Reads query parameters, collecting every problem with the parameter it concerns. */
export function paramReader(raw: Record<string, unknown>, known: readonly string[]) {
  const errors: FieldProblem[] = [];
  const fail = (path: string, message: string): null => (errors.push({ path, message }), null);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) fail(key, `is not a known parameter (known: ${known.join(', ')})`);
  }
  const text = (key: string): string | null => {
    const v = raw[key];
    if (v === undefined) return null;
    if (typeof v !== 'string') return fail(key, 'must be given once, as text');
    if (v.trim() === '') return fail(key, 'must not be empty');
    return v.trim();
  };
  const time = (key: string): number | null | undefined => {
    const v = text(key);
    if (v === null) return raw[key] === undefined ? undefined : null;
    const parsed = isoWithOffset.safeParse(v);
    return parsed.success ? Date.parse(v) : fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp');
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | null => {
    const v = text(key);
    if (v === null) return null;
    return (allowed as readonly string[]).includes(v) ? (v as T) : fail(key, `must be one of ${allowed.join(', ')}`);
  };
  return { errors, fail, text, time, oneOf };
}

export interface QueryRange {
  /** null when a parameter was refused (the reader's errors say which). */
  fromMs: number | null;
  toMs: number | null;
  site: string | null;
  window: ReportWindow | null;
  timeZone: string;
}

/**
 * `site`, `tz`, `window`, `from`, `to`: one definition of "today" for every report. The zone is `tz`, else the
 * site's when one configured site is asked, else the server's; without `window` the range defaults to
 * [start of today in that zone, now).
 */
export function readRange(params: ReturnType<typeof paramReader>, raw: Record<string, unknown>, ctx: ZoneContext, nowMs: number): QueryRange {
  const { fail, text, time, oneOf } = params;
  const site = text('site');
  const tzText = text('tz');
  if (tzText !== null && !isValidTimeZone(tzText)) fail('tz', `is not an IANA time zone known to this server (e.g. "Europe/Berlin")`);
  const timeZone = reportZone(tzText !== null && isValidTimeZone(tzText) ? tzText : null, site !== null ? ctx.siteZone(site) : undefined, ctx.serverZone);
  const window = oneOf('window', REPORT_WINDOWS);
  let fromMs = time('from');
  let toMs = time('to');
  if (raw.window !== undefined) {
    if (raw.from !== undefined) fail('from', 'cannot be combined with window');
    if (raw.to !== undefined) fail('to', 'cannot be combined with window');
  }
  if (window !== null) {
    ({ fromMs, toMs } = windowRange(window, nowMs, timeZone));
  } else {
    if (fromMs === undefined) fromMs = periodStart(nowMs, timeZone, 'day');
    if (toMs === undefined) toMs = nowMs;
  }
  if (typeof fromMs === 'number' && typeof toMs === 'number' && fromMs >= toMs) fail('to', 'must be later than from');
  return { fromMs: fromMs ?? null, toMs: toMs ?? null, site, window, timeZone };
}

export function parseComplianceQuery(raw: Record<string, unknown>, ctx: QueryContext, nowMs: number): ParsedQuery {
  const params = paramReader(raw, KNOWN);
  const { errors, fail, text, oneOf } = params;
  const standardId = text('standard');
  if (standardId !== null && !ctx.standardIds.includes(standardId)) {
    fail('standard', `unknown standard "${standardId}" (known: ${ctx.standardIds.join(', ')})`);
  }
  const { fromMs, toMs, site, window, timeZone } = readRange(params, raw, ctx, nowMs);
  const bucket = oneOf('bucket', BUCKETS);
  const groupBy = oneOf<GroupBy>('groupBy', GROUPS);
  if (errors.length === 0 && bucket && Math.ceil((toMs! - fromMs!) / BUCKET_MS[bucket]) + 1 > MAX_BUCKETS) {
    fail('bucket', `too many ${bucket} buckets between from and to (max ${MAX_BUCKETS}); choose a coarser bucket or a shorter range`);
  }
  if (errors.length > 0 || fromMs === null || toMs === null) return { ok: false, errors };
  return { ok: true, query: { fromMs, toMs, site, standardId, bucket, window, timeZone, groupBy } };
}
