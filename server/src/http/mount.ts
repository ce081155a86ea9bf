// Mounts the route tables on an Express router: per path, each method with its JSON parser, the one validation step
// and its handler, then 405 (with Allow) for every other method.
import express, { type RequestHandler } from 'express';
import { API_PREFIX } from '../protocol';
import { methodNotAllowed } from './fallbacks';
import { bodyParser } from './jsonBody';
import { sendJson } from './problems';
import type { AppContext, Route } from './route';
import { refuseUndecodablePath, validateInput } from './validate';

/** The handler of one route: validate, call, answer the JSON it returns (if it did not answer itself). */
export function handlerOf(route: Route, app: AppContext): RequestHandler {
  const label = API_PREFIX + route.path;
  return async (req, res) => {
    res.locals.route = label; // the metrics' route label (http/metrics.ts)
    const input = await validateInput(route, req, res, app);
    if (!input) return;
    const answer = await route.handle(input, app);
    if (answer !== undefined && !res.headersSent) sendJson(res, route.status ?? 200, answer);
  };
}

function handlersOf(route: Route, app: AppContext): RequestHandler[] {
  // The request log, in front of the router, learns here which requests a probe answered (http/httpHardening.ts).
  const probe: RequestHandler[] = route.probe
    ? [
        (_req, res, next) => {
          res.locals.probe = true;
          next();
        },
      ]
    : [];
  const noStore: RequestHandler[] = route.noStore
    ? [
        (_req, res, next) => {
          res.setHeader('Cache-Control', 'no-store');
          next();
        },
      ]
    : [];
  const vary: RequestHandler[] = route.vary
    ? [
        (_req, res, next) => {
          for (const header of route.vary!) res.vary(header);
          next();
        },
      ]
    : [];
  const parse = route.body ? [bodyParser(route.body)] : [];
  return [...probe, ...noStore, ...vary, ...parse, handlerOf(route, app)];
}

export function mountRoutes(router: express.Router, routes: readonly Route[], app: AppContext): void {
  router.use(refuseUndecodablePath(routes));
  const paths = [...new Set(routes.map((r) => r.path))];
  for (const path of paths) {
    const here = routes.filter((r) => r.path === path);
    const chain = router.route(path);
    for (const r of here) {
      if (r.method === 'ALL') chain.all(...handlersOf(r, app));
      else chain[r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](...handlersOf(r, app));
    }
    if (!here.some((r) => r.method === 'ALL')) chain.all(methodNotAllowed(allowedMethods(here)));
  }
}

/** The methods a path serves, as a 405's Allow lists them: every GET also answers HEAD (RFC 9110, 10.2.1). */
function allowedMethods(here: readonly Route[]): string[] {
  return here.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
}
