// GET /api/v1/health, and the routers of figures and configuration.
import express from 'express';
import type { HealthResponse } from '../protocol';
import type { Core } from '../services/core';
import { clocksRouter } from './clocksRoutes';
import { complianceRouter } from './complianceRoutes';
import { configRouter } from './configRoutes';
import { methodNotAllowed } from './fallbacks';

export function apiRouter(core: Core, version: string, now: () => number): express.Router {
  const router = express.Router();
  router.use(complianceRouter(core, now));
  router.use(configRouter(core));
  router.use(clocksRouter(core));
  router
    .route('/health')
    .get((_req, res) => {
      const body: HealthResponse = { status: 'ok', version, serverTime: new Date(now()).toISOString() };
      res.json(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
