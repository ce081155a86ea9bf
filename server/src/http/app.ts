// The Express application: API routes, the dashboard, and problem answers for everything else.
import express from 'express';
import type { Logger } from 'pino';
import { API_PREFIX } from '../protocol';
import type { IngestService } from '../ingest/ingestService';
import type { Store } from '../store/store';
import { apiRouter } from './apiRoutes';
import { dashboardHandlers } from './dashboard';
import { eventsRouter } from './eventsRoute';
import { errorHandler, notFound } from './fallbacks';

export interface AppDeps {
  store: Store;
  ingest: IngestService;
  logger: Logger;
  webviewDir: string;
  version: string;
  now: () => number;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () => deps.logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - started }, 'request'));
    next();
  });
  app.use(API_PREFIX, eventsRouter(deps.ingest), apiRouter(deps.store, deps.version, deps.now));
  app.use(API_PREFIX, notFound);
  app.use(dashboardHandlers(deps.webviewDir));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
