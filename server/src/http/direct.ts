// The routes a PBX posts to once per call (POST /events, /milestones) served straight off node:http, ahead of
// Express. Express 5's router and response helpers cost about as much CPU per request as judging, chaining and
// storing a single event (test/bench/NOTES.md 18.R). A request here goes through the very handlers the app mounts,
// in the same order (request id and log, security headers, CORS, key and scope, rate limit, the route's body
// parser, validation and handler, and the error handler), only without the router. Anything but the plain form of
// such a request (another spelling of the path, a query string, another method) is left to Express.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_PREFIX } from '../protocol';
import { bodyParser } from './jsonBody';
import { handlerOf } from './mount';
import type { NodeErrorHandler, NodeHandler, NodeResponse } from './plain';
import type { AppContext, Route } from './route';

export interface DirectFront {
  /** The app's own handlers in front of every route, in the app's order. */
  front: readonly NodeHandler[];
  onError: NodeErrorHandler;
}

export function directRoutes(routes: readonly Route[], { front, onError }: DirectFront, app: AppContext, fallback: RequestListener): RequestListener {
  const chains = new Map<string, readonly NodeHandler[]>();
  for (const route of routes.filter((r) => r.direct)) {
    if (route.method !== 'POST' || route.params || route.query || /[:*]/.test(route.path)) throw new Error(`${route.method} ${route.path} cannot be served directly: it needs Express's router`);
    // The route's handler reads only headers, body and res.locals (Route.direct), which a plain request has too.
    const own = [...(route.body ? [bodyParser(route.body)] : []), handlerOf(route, app)] as unknown as NodeHandler[];
    chains.set(API_PREFIX + route.path, [...front, ...own]);
  }
  return (req, res) => {
    const chain = req.method === 'POST' && req.url !== undefined ? chains.get(req.url) : undefined;
    if (!chain) return fallback(req, res);
    // What Express's first handler gives every response.
    const response = Object.assign(res, { locals: Object.create(null) as Record<string, unknown> });
    run(chain, req, response, onError);
  };
}

/** Calls each handler in turn, as Express does: the next on next(), the error handler on next(err) or a throw. */
function run(chain: readonly NodeHandler[], req: IncomingMessage, res: NodeResponse, onError: NodeErrorHandler): void {
  let at = 0;
  const failed = (err: unknown) => {
    try {
      onError(err, req, res, () => abandon(res));
    } catch {
      abandon(res);
    }
  };
  const next = (err?: unknown): void => {
    if (err) return failed(err);
    const handler = chain[at++];
    if (!handler) return failed(new Error(`no handler answered ${req.method} ${req.url}`));
    try {
      const done = handler(req, res, next);
      if (done) done.catch(failed);
    } catch (error) {
      failed(error);
    }
  };
  next();
}

/** An error after the answer had started: nothing more can be said on this response (Express's last resort). */
function abandon(res: ServerResponse): void {
  res.socket?.destroy();
}
