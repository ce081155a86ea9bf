// The Express application: API routes, the dashboard, and problem answers for everything else.
import type { RequestListener } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import { API_PREFIX } from '../protocol';
import type { AccessMode } from '../services/access';
import type { Core } from '../services/core';
import { groupCommit } from '../services/ingest/groupCommit';
import { runningExports } from './exportLimit';
import { answerRefusal, authMiddleware } from './auth';
import { clientAddress, type ClientAddress, type TrustProxy, type TrustProxyFn } from './clientAddress';
import { dashboardHandlers } from './dashboard';
import { directRoutes } from './direct';
import { errorHandler, notFound } from './fallbacks';
import type { FirstPaintSources } from './firstPaint';
import { cors, requestLog, securityHeaders } from './httpHardening';
import type { ServerMetrics } from './metrics';
import { mountRoutes } from './mount';
import { readQueryString } from './percentEncoding';
import { rateLimit, type RateLimitOptions, type TokenBuckets } from './rateLimit';
import type { AppContext, IntegrationSettings } from './route';
import { API_ROUTES } from './routes';

export interface AppDeps {
  core: Core;
  logger: Logger;
  webviewDir: string;
  version: string;
  now: () => number;
  /** Keys and scopes ('open' = --no-auth), rate limits, CORS allow-list. */
  access: { mode: AccessMode; rateLimit: RateLimitOptions | false; buckets?: TokenBuckets | null; corsOrigins: readonly string[]; trustProxy?: TrustProxy; onRateLimited?: () => void; stats: () => unknown };
  /** The server's own figures: every request is counted there, and GET /metrics reads them. */
  metrics: ServerMetrics;
  integrations?: IntegrationSettings;
  /** The live push's snapshot, for the dashboard page's first paint (http/firstPaint.ts); absent: the page carries none. */
  snapshot?: FirstPaintSources['snapshot'];
}

/** The server's request listener (the direct routes, then Express) and the Express app behind it. */
export interface HttpFront {
  listener: RequestListener;
  app: express.Express;
  /** A request's client address as the log and the rate limit take it (--trust-proxy, as Express compiled it). */
  addressOf: ClientAddress;
  /** Whether a connection's peer is a proxy --trust-proxy trusts (null: none is). */
  trustedProxy: ((address: string) => boolean) | null;
}

export function createApp(deps: AppDeps): HttpFront {
  const app = express();
  app.disable('x-powered-by');
  // No client revalidates API answers (they are live figures or write receipts), and Express would otherwise hash
  // every answer for an ETag, a 1,000-event batch's receipt of ~0.5 MB included.
  app.set('etag', false);
  app.set('query parser', readQueryString);
  // Express derives req.ip (and req.protocol, which a Twilio callback's signed URL is rebuilt with) from the same
  // setting; the front's handlers read the address through clientAddress, which walks X-Forwarded-For as it does.
  app.set('trust proxy', deps.access.trustProxy ?? false);
  const trust = deps.access.trustProxy === undefined ? null : (app.get('trust proxy fn') as TrustProxyFn);
  const addressOf = clientAddress(trust);
  // Security first, for every route: request id + log, headers, CORS, key + scope, rate limit (refused requests
  // included), then the refusal, if any. The scope of each path+method is the one its route declares
  // (http/scopes.ts; a path or method no route serves needs a key of any scope).
  const front = [
    requestLog(deps.logger, addressOf),
    deps.metrics.observe,
    securityHeaders(),
    cors(deps.access.corsOrigins),
    authMiddleware(deps.access.mode, deps.core.keys, addressOf),
    rateLimit(deps.access.rateLimit, deps.access.onRateLimited, deps.now, deps.access.buckets),
    answerRefusal,
  ];
  const onError = errorHandler(deps.logger);
  for (const handler of front) app.use(handler);
  const context = appContext(deps);
  app.use(API_PREFIX, apiRouter(context));
  app.use(API_PREFIX, notFound);
  const firstPaint = deps.snapshot ? { core: deps.core, mode: deps.access.mode, snapshot: deps.snapshot } : undefined;
  app.use(dashboardHandlers(deps.webviewDir, { ...(firstPaint ? { firstPaint } : {}), now: deps.now, onError: (err: unknown) => deps.logger.warn({ err }, 'the dashboard page is served without its first paint') }));
  app.use(notFound);
  app.use(onError);
  return { app, listener: directRoutes(API_ROUTES, { front, onError }, context, app), addressOf, trustedProxy: trust && ((address) => trust(address, 0)) };
}

function appContext(deps: AppDeps): AppContext {
  return { core: deps.core, logger: deps.logger, version: deps.version, now: deps.now, stats: deps.access.stats, metrics: deps.metrics, commit: groupCommit(deps.core.ingest), exportsRunning: runningExports(), integrations: deps.integrations ?? {} };
}

/** The API's routes (http/routes/), mounted below /api/v1. */
function apiRouter(context: AppContext): express.Router {
  const router = express.Router();
  mountRoutes(router, API_ROUTES, context);
  return router;
}
