// GET routes of /api/v1: compliance, standards, health.
import express from 'express';
import type { HealthResponse } from '../protocol';
import { complianceReport } from '../reports/reports';
import type { Store } from '../store/store';
import { parseComplianceQuery } from './complianceQuery';
import { methodNotAllowed } from './fallbacks';
import { problem, sendProblem } from './problems';

export function apiRouter(store: Store, version: string, now: () => number): express.Router {
  const router = express.Router();
  router
    .route('/compliance')
    .get((req, res) => {
      const parsed = parseComplianceQuery(req.query as Record<string, unknown>, store.standards.current(), now());
      if (!parsed.ok) {
        const detail = parsed.errors.map((e) => `${e.path} ${e.message}`).join('; ');
        sendProblem(res, problem(400, 'invalid-query', 'Invalid query parameter', detail, parsed.errors));
        return;
      }
      res.json(complianceReport(store, parsed.query));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/standards')
    .get((_req, res) => {
      res.json({ standards: store.standards.current() });
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/health')
    .get((_req, res) => {
      const body: HealthResponse = { status: 'ok', version, serverTime: new Date(now()).toISOString() };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
