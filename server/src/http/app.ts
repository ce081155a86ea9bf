// The Express application: API routes, the dashboard, and problem answers for everything else.
import express from 'express';
import type { Logger } from 'pino';
import { API_PREFIX } from '../protocol';
import type { AccessMode } from '../services/access';
import type { Core } from '../services/core';
import { apiRouter } from './apiRoutes';
import { auditRouter } from './auditRoutes';
import { authMiddleware } from './auth';
import { dashboardHandlers } from './dashboard';
import { eventsRouter } from './eventsRoute';
import { exportRouter } from './exportRoutes';
import { errorHandler, notFound } from './fallbacks';
import { cors, requestLog, securityHeaders } from './httpHardening';
import { incidentsRouter } from './incidentsRoutes';
import { keysRouter } from './keysRoute';
import { rateLimit, type RateLimitOptions } from './rateLimit';

export interface AppDeps {
  core: Core;
  logger: Logger;
  webviewDir: string;
  version: string;
  now: () => number;
  /** Keys and scopes ('open' = --no-auth), rate limits, CORS allow-list. */
  access: { mode: AccessMode; rateLimit: RateLimitOptions | false; corsOrigins: readonly string[]; onRateLimited?: () => void; stats: () => unknown };
}

export function createApp(deps: AppDeps): express.Express {
  const { core } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Security first, for every route: request id + log, headers, CORS, key + scope, rate limit. The scope of each
  // path+method is decided centrally in http/scopes.ts (unmapped API paths need admin).
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());
  app.use(cors(deps.access.corsOrigins));
  app.use(authMiddleware(deps.access.mode, core.keys));
  app.use(rateLimit(deps.access.rateLimit, deps.access.onRateLimited, deps.now));
  app.use(API_PREFIX, exportRouter(core, deps.now, deps.logger), auditRouter(core));
  app.use(API_PREFIX, eventsRouter(core.ingest), apiRouter(core, deps.version, deps.now));
  app.use(API_PREFIX, keysRouter(core.keys, deps.now, deps.access.stats));
  app.use(API_PREFIX, incidentsRouter(core.store.reads, core.alerts));
  app.use(API_PREFIX, notFound);
  app.use(dashboardHandlers(deps.webviewDir));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
