// GET /api/v1/distribution?standard=&site=&tz=&from=&to= | window= (issue #5, the dashboard's distribution chart).
import express from 'express';
import type { FieldProblem, Standard } from '../protocol';
import { distributionReport, type DistributionQuery } from '../reports/distribution';
import type { DistributionQueries } from '../store/distributionQueries';
import { paramReader, readRange, type ZoneContext } from './complianceQuery';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

const KNOWN = ['standard', 'site', 'from', 'to', 'window', 'tz'] as const;

export type ParsedDistributionQuery = { ok: true; query: DistributionQuery } | { ok: false; errors: FieldProblem[] };

/** The range parameters read exactly as GET /compliance reads them (http/complianceQuery.ts). */
export function parseDistributionQuery(raw: Record<string, unknown>, standards: readonly Standard[], ctx: ZoneContext, nowMs: number): ParsedDistributionQuery {
  const params = paramReader(raw, KNOWN);
  const { errors, fail, text } = params;
  const standardId = text('standard');
  if (standardId !== null && !standards.some((s) => s.id === standardId)) {
    fail('standard', `unknown standard "${standardId}" (known: ${standards.map((s) => s.id).join(', ')})`);
  }
  const { fromMs, toMs, site, timeZone } = readRange(params, raw, ctx, nowMs);
  if (errors.length > 0 || fromMs === null || toMs === null) return { ok: false, errors };
  return { ok: true, query: { fromMs, toMs, site, standardId, timeZone } };
}

export function distributionRouter(deps: { queries: DistributionQueries; standards: () => readonly Standard[]; zones: ZoneContext; now: () => number }): express.Router {
  const router = express.Router();
  router
    .route('/distribution')
    .get((req, res) => {
      const standards = deps.standards();
      const parsed = parseDistributionQuery(req.query as Record<string, unknown>, standards, deps.zones, deps.now());
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
