// GET /api/v1/distribution?standard=&site=&from=&to= | window= (issue #5, the dashboard's distribution chart).
import express from 'express';
import type { FieldProblem, Standard } from '../protocol';
import { isoWithOffset } from '../protocol';
import { startOfLocalDay } from '../domain/buckets';
import { distributionReport, type DistributionQuery } from '../reports/distribution';
import type { DistributionQueries } from '../store/distributionQueries';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

const KNOWN = ['standard', 'site', 'from', 'to', 'window'] as const;
/** Rolling windows end now; "today" starts at the server's local midnight. */
export const DISTRIBUTION_WINDOWS: Record<string, ((nowMs: number) => number) | undefined> = {
  '15m': (now) => now - 15 * 60_000,
  '1h': (now) => now - 3_600_000,
  today: (now) => startOfLocalDay(now),
  '7d': (now) => now - 7 * 86_400_000,
  '30d': (now) => now - 30 * 86_400_000,
};

export type ParsedDistributionQuery = { ok: true; query: DistributionQuery } | { ok: false; errors: FieldProblem[] };

export function parseDistributionQuery(raw: Record<string, unknown>, standards: readonly Standard[], nowMs: number): ParsedDistributionQuery {
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
  const time = (key: string): number | null => {
    const v = text(key);
    if (v === null) return null;
    const parsed = isoWithOffset.safeParse(v);
    return parsed.success ? Date.parse(v) : fail(key, parsed.error.issues[0]?.message ?? 'must be an ISO 8601 timestamp');
  };

  const standardId = text('standard');
  if (standardId !== null && !standards.some((s) => s.id === standardId)) {
    fail('standard', `unknown standard "${standardId}" (known: ${standards.map((s) => s.id).join(', ')})`);
  }
  const site = text('site');
  const window = text('window');
  let fromMs = time('from');
  let toMs = time('to');
  if (window !== null) {
    const start = DISTRIBUTION_WINDOWS[window];
    if (!start) fail('window', `must be one of ${Object.keys(DISTRIBUTION_WINDOWS).join(', ')}`);
    else if (raw['from'] !== undefined || raw['to'] !== undefined) fail('window', 'give either window or from/to, not both');
    else {
      fromMs = start(nowMs);
      toMs = nowMs;
    }
  } else {
    if (raw['from'] === undefined) fromMs = startOfLocalDay(nowMs);
    if (raw['to'] === undefined) toMs = nowMs;
  }
  if (errors.length === 0 && fromMs !== null && toMs !== null && fromMs >= toMs) fail('to', 'must be later than from');
  if (errors.length > 0 || fromMs === null || toMs === null) return { ok: false, errors };
  return { ok: true, query: { fromMs, toMs, site, standardId } };
}

export function distributionRouter(deps: { queries: DistributionQueries; standards: () => readonly Standard[]; now: () => number }): express.Router {
  const router = express.Router();
  router
    .route('/distribution')
    .get((req, res) => {
      const standards = deps.standards();
      const parsed = parseDistributionQuery(req.query as Record<string, unknown>, standards, deps.now());
      if (!parsed.ok) {
        const detail = parsed.errors.map((e) => `${e.path} ${e.message}`).join('; ');
        sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', detail, parsed.errors));
        return;
      }
      res.json(distributionReport(deps.queries, standards, parsed.query));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
