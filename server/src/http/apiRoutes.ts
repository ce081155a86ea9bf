// GET routes of /api/v1: compliance, standards, health.
import express from 'express';
import type { HealthResponse } from '../protocol';
import { complianceReport } from '../reports/reports';
import type { Store } from '../store/store';
import { parseComplianceQuery, type ZoneContext } from './complianceQuery';
import { configRouter } from './configRoutes';
import { serverTimeZone } from '../domain/zonedTime';
import { distributionRouter } from './distributionRoute';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

export function apiRouter(store: Store, version: string, now: () => number): express.Router {
  const router = express.Router();
  // Issue #5: the dashboard's distribution chart (http/distributionRoute.ts).
  const zones: ZoneContext = {
    siteZone: (site) => store.sites.get(site)?.timeZone,
    get serverZone() {
      return serverTimeZone();
    },
  };
  router.use(distributionRouter({ queries: store.distribution, standards: () => store.standards.current(), zones, now }));
  router
    .route('/compliance')
    .get((req, res) => {
      const parsed = parseComplianceQuery(req.query as Record<string, unknown>, { ...zones, standardIds: store.standards.ids() }, now());
      if (!parsed.ok) {
        const detail = parsed.errors.map((e) => `${e.path} ${e.message}`).join('; ');
        sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', detail, parsed.errors));
        return;
      }
      res.json(complianceReport(store, parsed.query));
    })
    .all(methodNotAllowed(['GET']));
  // Issue #3: standards and sites CRUD + versions (http/configRoutes.ts).
  router.use(configRouter(store));
  router
    .route('/health')
    .get((_req, res) => {
      const body: HealthResponse = { status: 'ok', version, serverTime: new Date(now()).toISOString() };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
