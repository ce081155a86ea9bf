// GET /api/v1/compliance and GET /api/v1/distribution: both read their range as http/complianceQuery.ts says (the
// same "today"), both answer from the one compliance reader.
import express, { type Request } from 'express';
import type { Core } from '../services/core';
import { parseComplianceQuery, type ZoneContext } from './complianceQuery';
import { parseDistributionQuery } from './distributionRoute';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

/** The zones a query may need: the asked site's (read before parsing) and the server's. */
async function zonesFor(core: Core, req: Request): Promise<ZoneContext> {
  const site = typeof req.query.site === 'string' ? req.query.site.trim() : null;
  const zone = site ? (await core.sites.get(site))?.timeZone : undefined;
  return { siteZone: (s) => (s === site ? zone : undefined), serverZone: core.serverZone() };
}

export function complianceRouter(core: Core, now: () => number): express.Router {
  const router = express.Router();
  router
    .route('/compliance')
    .get(async (req, res) => {
      const parsed = parseComplianceQuery(req.query as Record<string, unknown>, { ...(await zonesFor(core, req)), standardIds: core.standards.ids() }, now());
      if (!parsed.ok) return sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', parsed.errors.map((e) => `${e.path} ${e.message}`).join('; '), parsed.errors));
      res.json(await core.compliance.report(parsed.query));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/distribution')
    .get(async (req, res) => {
      const parsed = parseDistributionQuery(req.query as Record<string, unknown>, core.standards.current(), await zonesFor(core, req), now());
      if (!parsed.ok) return sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', parsed.errors.map((e) => `${e.path} ${e.message}`).join('; '), parsed.errors));
      res.json(await core.compliance.distribution(parsed.query));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
