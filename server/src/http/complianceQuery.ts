// Parsing GET /compliance query parameters; every problem names its parameter.
import type { FieldProblem, Standard } from '../protocol';
import { isoWithOffset } from '../protocol';
import { approximateBucketCount, startOfLocalDay } from '../domain/buckets';
import type { ReportQuery } from '../reports/reports';

const KNOWN = ['standard', 'site', 'from', 'to', 'bucket'] as const;
const BUCKETS = ['minute', 'hour', 'day'] as const;
export const MAX_BUCKETS = 10_000;

export type ParsedQuery = { ok: true; query: ReportQuery } | { ok: false; errors: FieldProblem[] };

export function parseComplianceQuery(raw: Record<string, unknown>, standards: readonly Standard[], nowMs: number): ParsedQuery {
  const errors: FieldProblem[] = [];
  const fail = (path: string, message: string): null => (errors.push({ path, message }), null);
  for (const key of Object.keys(raw)) {
    if (!(KNOWN as readonly string[]).includes(key)) fail(key, `is not a known parameter (known: ${KNOWN.join(', ')})`);
  }
  const text = (key: string): string | null => {
    const v = raw[key];
    if (v === undefined) return null;
    if (typeof v !== 'string') return fail(key, 'must be given once, as text');
    if (v.trim() === '') return fail(key, 'must not be empty');
    return v.trim();
  };
  const time = (key: string, fallback: number): number | null => {
    const v = text(key);
    if (v === null) return raw[key] === undefined ? fallback : null;
    const parsed = isoWithOffset.safeParse(v);
    return parsed.success ? Date.parse(v) : fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp');
  };

  const standardId = text('standard');
  if (standardId !== null && !standards.some((s) => s.id === standardId)) {
    fail('standard', `unknown standard "${standardId}" (known: ${standards.map((s) => s.id).join(', ')})`);
  }
  const site = text('site');
  const fromMs = time('from', startOfLocalDay(nowMs));
  const toMs = time('to', nowMs);
  const bucketText = text('bucket');
  const bucket = bucketText === null ? null : (BUCKETS as readonly string[]).includes(bucketText) ? (bucketText as ReportQuery['bucket']) : fail('bucket', `must be one of ${BUCKETS.join(', ')}`);
  if (fromMs !== null && toMs !== null && fromMs >= toMs) fail('to', 'must be later than from');
  if (errors.length === 0 && bucket && approximateBucketCount(fromMs!, toMs!, bucket) > MAX_BUCKETS) {
    fail('bucket', `too many ${bucket} buckets between from and to (max ${MAX_BUCKETS}); choose a coarser bucket or a shorter range`);
  }
  if (errors.length > 0 || fromMs === null || toMs === null) return { ok: false, errors };
  return { ok: true, query: { fromMs, toMs, site, standardId, bucket: bucket ?? null } };
}
