// The Express application: API routes, the dashboard, and problem answers for everything else.
import express from 'express';
import type { Logger } from 'pino';
import { API_PREFIX } from '../protocol';
import type { IngestService } from '../ingest/ingestService';
import type { Store } from '../store/store';
import type { AlertService } from '../alerts/alertService';
import { alertsRouter } from './alertsRoutes';
import { apiRouter } from './apiRoutes';
import { dashboardHandlers } from './dashboard';
import { eventsRouter } from './eventsRoute';
import { errorHandler, notFound } from './fallbacks';
import { authMiddleware } from '../auth/httpAuth';
import type { AccessMode } from '../auth/bootstrap';
import { cors, requestLog, securityHeaders } from '../security/httpHardening';
import { rateLimit, type RateLimitOptions } from '../security/rateLimit';
import { keysRouter } from './keysRoute';
import { auditTrail, exportRouter } from '../export/routes';

export interface AppDeps {
  store: Store;
  ingest: IngestService;
  logger: Logger;
  webviewDir: string;
  version: string;
  now: () => number;
  /** Alerts (issue #3): GET /alerts, POST /alerts/:id/ack. */
  alerts?: AlertService;
  /** Issue #4: keys and scopes ('open' = --no-auth), rate limits, CORS allow-list. */
  access: { mode: AccessMode; rateLimit: RateLimitOptions | false; corsOrigins: readonly string[]; onRateLimited?: () => void; stats: () => unknown };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Security first, for every route (issue #4): request id + log, headers, CORS, key + scope, rate limit.
  // The scope of each path+method is decided centrally in auth/scopes.ts (unmapped API paths need admin).
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());
  app.use(cors(deps.access.corsOrigins));
  app.use(authMiddleware(deps.access.mode, deps.store.keys));
  app.use(rateLimit(deps.access.rateLimit, deps.access.onRateLimited, deps.now));
  // Issue #6: audit log of standards/sites changes; exports, verification and corrections.
  app.use(auditTrail(deps.store));
  app.use(API_PREFIX, exportRouter(deps.store, deps.version, deps.now, deps.logger));
  app.use(API_PREFIX, eventsRouter(deps.ingest), apiRouter(deps.store, deps.version, deps.now));
  app.use(API_PREFIX, keysRouter(deps.store.keys, deps.now, deps.access.stats));
  if (deps.alerts) app.use(API_PREFIX, alertsRouter(deps.store, deps.alerts));
  app.use(API_PREFIX, notFound);
  app.use(dashboardHandlers(deps.webviewDir));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
