// Query parameters of the export endpoints; every problem names its parameter.
import type { FieldProblem } from '../protocol';
import { isoWithOffset, isValidTimeZone } from '../protocol';
import { EVENT_OUTCOMES, PERIODS, RESULT_OUTCOMES, type ExportQuery, type Period } from '../services/exports/query';
import type { ExportFormat } from '../services/exports/format';

export type ParsedExport = { ok: true; query: ExportQuery } | { ok: false; errors: FieldProblem[] };

const KNOWN = ['from', 'to', 'site', 'standard', 'outcome', 'format', 'tz', 'period', 'proof'];
const DAY = 86_400_000;

/** Picks the format from ?format= or else the Accept header (text/csv, application/x-ndjson, application/json, text/html). */
export function formatFromAccept(accept: string | undefined, allowed: readonly string[]): string | null {
  if (!accept) return null;
  const map: Record<string, string> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson', 'application/ndjson': 'ndjson', 'application/json': 'json', 'text/html': 'html' };
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (map[type] && allowed.includes(map[type]!)) return map[type]!;
  }
  return null;
}

export function parseExportQuery(
  raw: Record<string, unknown>,
  ctx: { accept?: string; formats: readonly string[]; standardIds: readonly string[]; serverZone: string; nowMs: number },
): ParsedExport {
  const errors: FieldProblem[] = [];
  const fail = (path: string, message: string) => void errors.push({ path, message });
  for (const key of Object.keys(raw)) if (!KNOWN.includes(key)) fail(key, `is not a known parameter (known: ${KNOWN.join(', ')})`);
  const { one, list, time } = paramReader(raw, fail);
  const tz = one('tz');
  if (tz !== null && !isValidTimeZone(tz)) fail('tz', 'is not an IANA time zone known to this server (e.g. "Europe/Berlin")');
  const formatText = one('format') ?? formatFromAccept(ctx.accept, ctx.formats) ?? ctx.formats[0]!;
  if (!ctx.formats.includes(formatText)) fail('format', `must be one of ${ctx.formats.join(', ')}`);
  const period = one('period') ?? 'day';
  if (!(PERIODS as readonly string[]).includes(period)) fail('period', `must be one of ${PERIODS.join(', ')}`);
  const proof = one('proof') ?? 'chain';
  if (proof !== 'chain' && proof !== 'none') fail('proof', 'must be chain or none');
  const standards = list('standard');
  for (const s of standards) if (!ctx.standardIds.includes(s)) fail('standard', `unknown standard "${s}" (known: ${ctx.standardIds.join(', ')})`);
  const outcomes = list('outcome');
  for (const o of outcomes) {
    if (![...RESULT_OUTCOMES, ...EVENT_OUTCOMES].includes(o as never)) fail('outcome', `"${o}" is not one of ${[...RESULT_OUTCOMES, ...EVENT_OUTCOMES].join(', ')}`);
  }
  const toMs = time('to') ?? ctx.nowMs;
  const fromMs = time('from') ?? toMs - 30 * DAY;
  if (fromMs >= toMs && errors.length === 0) fail('to', 'must be later than from');
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    query: {
      fromMs,
      toMs,
      sites: list('site'),
      standards,
      outcomes,
      format: formatText as ExportFormat | 'html',
      timeZone: tz ?? ctx.serverZone,
      period: period as Period,
      proof: proof as 'chain' | 'none',
    },
  };
}

/** Readers of single, repeatable and time parameters; each problem goes to `fail`. */
function paramReader(raw: Record<string, unknown>, fail: (path: string, message: string) => void) {
  const one = (key: string): string | null => {
    const v = raw[key];
    if (v === undefined) return null;
    if (typeof v !== 'string') return (fail(key, 'must be given once, as text'), null);
    if (v.trim() === '') return (fail(key, 'must not be empty'), null);
    return v.trim();
  };
  /** Repeatable and comma-separated: ?site=a&site=b or ?site=a,b. */
  const list = (key: string): string[] => {
    const v = raw[key];
    if (v === undefined) return [];
    const values = (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((s) => s.trim());
    if (values.some((s) => s === '')) fail(key, 'must not contain empty values');
    return [...new Set(values.filter((s) => s !== ''))];
  };
  const time = (key: string): number | undefined => {
    const v = one(key);
    if (v === null) return undefined;
    const parsed = isoWithOffset.safeParse(v);
    if (!parsed.success) return (fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp with offset'), undefined);
    return Date.parse(v);
  };
  return { one, list, time };
}
