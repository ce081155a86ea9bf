// Which scope each HTTP route needs (the scopes and their hierarchy: domain/keys.ts), derived from the route tables:
// a route declares its scope where it is defined, and nothing else lists routes.
import { allows, grantedScopes, type Scope } from '../domain/keys';
import { BEARER, type KeyPlace, type Method, type Requirement } from './route';
import { API_ROUTES } from './routes';

export { allows, grantedScopes, type Scope, type Requirement };

export interface Rule {
  method: Method;
  /** Below /api/v1, as the route is mounted ("/standards/:id"). */
  path: string;
  needs: Requirement;
  key: KeyPlace;
}

/**
 * The API's access policy, one rule per route. A request no rule serves (a path no route serves, or a method its
 * path does not take) needs a key of any scope, and is a 404 or a 405 with `Allow` for it: a mistyped path or method
 * is told what is wrong with it, not that it needs admin (which sends the caller for another key instead of to the
 * right path or method: an ingest key's GET of an integration's POST-only path was refused as a scope problem, and
 * only an admin key learned "use POST"). It serves no data and writes nothing, so there is nothing to deny. Without
 * a valid key it is a 401, as everywhere in the API, so nobody without one learns which paths exist.
 */
export const API_RULES: readonly Rule[] = API_ROUTES.map((r) => ({ method: r.method, path: r.path, needs: r.scope, key: r.key ?? BEARER }));

/**
 * The requirement for one request. `apiPath` is the path below /api/v1, or null for a path outside the API:
 * those are the static dashboard files, public for GET/HEAD (the page holds no data unless its address carries a key
 * its socket and report query would accept: http/firstPaint.ts checks that itself), bar GET first-paint
 * (pageRequirement). Another method outside the API reaches no route that reads or writes anything (only the empty
 * answer of /favicon.ico), so it needs a key of any scope as a path no route serves in the API does (a 404 for it, a
 * 401 without): an integrator's POST /events without /api/v1 is told the path is wrong, not sent for an admin key.
 */
export function requirementFor(method: string, apiPath: string | null): Requirement {
  const m = method.toUpperCase();
  if (apiPath === null) return m === 'GET' || m === 'HEAD' ? 'public' : 'any-key';
  return ruleFor(m, apiPath)?.needs ?? 'any-key';
}

/**
 * Where the senders of a request carry their key (`apiPath` as for requirementFor), as a 401 tells them: its route's
 * place; for a method its path does not take, the place of the path's routes (a Twilio callback's Basic credentials,
 * Firehose's header), as that route's own 401 says; else Bearer.
 */
export function keyPlaceFor(method: string, apiPath: string | null): KeyPlace {
  if (apiPath === null) return BEARER;
  return (ruleFor(method.toUpperCase(), apiPath) ?? API_RULES.find((r) => matches(r.path, normalise(apiPath))))?.key ?? BEARER;
}

/** The path of the route that serves `method` at `apiPath` (below /api/v1, as mounted: "/standards/:id"), if one does. */
export function routePathFor(method: string, apiPath: string): string | null {
  return ruleFor(method.toUpperCase(), apiPath)?.path ?? null;
}

/** The rule of the route that serves `method` (upper case) at `apiPath`, if one does. */
function ruleFor(method: string, apiPath: string): Rule | undefined {
  const path = normalise(apiPath);
  const asked = method === 'HEAD' ? 'GET' : method; // Express answers HEAD with the GET route
  return API_RULES.find((r) => (r.method === 'ALL' || r.method === asked) && matches(r.path, path));
}

/** The dashboard page's first paint for a key the server did not see (below the page's prefix: http/dashboard.ts). */
export const FIRST_PAINT_PATH = '/first-paint';

/**
 * The requirement for a request outside the API (`path` as asked). GET first-paint holds the live feed's data for
 * the key in its Authorization header, so it needs what the live feed needs, scope read, and a key it refuses is
 * refused as on any route (401 or 403, counted by the rate limit and logged at warn): a log watcher counting 401s
 * sees a wrong key tried there too. Scope only: the `?site=` of the page's address is not held to a key's sites
 * (http/auth.ts), as the live feed does not hold it; the report of a site the key may not read is left out.
 */
export function pageRequirement(method: string, path: string): Requirement {
  return method.toUpperCase() === 'GET' && path === FIRST_PAINT_PATH ? 'read' : requirementFor(method, null);
}

function normalise(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.replace(/\/{2,}/g, '/');
}

/** Express's matching of the paths the tables use: ":name" one segment, "*name" one or more, case-insensitive. */
function matches(pattern: string, path: string): boolean {
  const want = pattern.toLowerCase().split('/');
  const got = path.toLowerCase().split('/');
  for (let i = 0; i < want.length; i++) {
    const seg = want[i]!;
    if (seg.startsWith('*')) return got.length > i && got.slice(i).every((s) => s !== '');
    if (got[i] === undefined || (seg.startsWith(':') ? got[i] === '' : got[i] !== seg)) return false;
  }
  return want.length === got.length;
}
