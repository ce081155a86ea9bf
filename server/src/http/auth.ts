// In front of every route: who is calling (its key) and may they (scope for path+method).
import type { IncomingMessage } from 'node:http';
import { API_PREFIX } from '../protocol';
import { accessRefusal, NOTHING_STORED, sendProblem, siteNotAllowed } from './problems';
import type { AccessMode } from '../services/access';
import type { Authentication, KeysService } from '../services/keys';
import type { FieldProblem, ProblemDetails } from '../protocol';
import type { ClientAddress } from './clientAddress';
import { addressBucket, type Caller } from './caller';
import { bearerToken, maySiteWrite, openHostAllowed, openHostRefusal, siteRefusal } from '../domain/keys';
import { pathOf, type NodeHandler } from './plain';
import { FIREHOSE_ACCESS_KEY } from './route';
import { allows, keyPlaceFor, pageRequirement, requirementFor, type Requirement, type Scope } from './scopes';

/** The path below /api/v1 (lower case), or null outside the API. Express matches paths case-insensitively. */
export function apiPathOf(path: string): string | null {
  const lower = path.toLowerCase();
  if (lower === API_PREFIX || lower.startsWith(API_PREFIX + '/')) return lower.slice(API_PREFIX.length) || '/';
  if (lower === '/api' || lower.startsWith('/api/')) return lower; // other API versions: no route serves them, a 404 for any key
  return null;
}

/**
 * Who is calling (its key, else its address: http/clientAddress.ts) and whether they may: sets the caller, and for a
 * request it must refuse (no key, a bad key, a scope or site the key lacks) the refusal, which `answerRefusal` sends
 * after the rate limit has counted the request. So a refused request costs its sender a token like any other
 * (per address when its key is not accepted): guessing keys is rate-limited like everything else.
 */
export function authMiddleware(mode: AccessMode, keys: KeysService, addressOf: ClientAddress): NodeHandler {
  return async (req, res, next) => {
    const ipBucket = addressBucket(addressOf(req));
    const sent = requestKey(req);
    const token = sent?.token ?? null;
    const path = pathOf(req);
    const apiPath = apiPathOf(path);
    const needs = apiPath === null ? pageRequirement(req.method ?? 'GET', path) : requirementFor(req.method ?? 'GET', apiPath);
    if (mode === 'open') {
      res.locals.caller = { key: null, keyId: null, bucket: ipBucket, keyHeader: null } satisfies Caller;
      const host = req.headers.host;
      if (!openHostAllowed(host)) res.locals.refusal = accessRefusal(403, 'host-not-allowed', 'Host not allowed', `the Host header ${openHostRefusal(host!)}`, [{ path: 'Host', message: openHostRefusal(host!) }]);
      return next();
    }
    const auth = token ? await keys.authenticate(token) : null;
    // A revoked or expired key is still named (its id, never the secret), so the log shows who still sends it.
    const keyId = auth === null ? null : auth.ok ? auth.key.id : auth.reason === 'unknown' ? null : auth.keyId;
    res.locals.caller = { key: auth?.ok ? auth.key : null, keyId, bucket: auth?.ok ? `key:${auth.key.id}` : ipBucket, keyHeader: auth?.ok ? sent!.header : null } satisfies Caller;
    // Outside the API (GET first-paint) the address's `?site=` is the page's own selection, not a site asked of the
    // server: the page's data is the live feed's, which a key is not refused by site, and paintFor (http/firstPaint.ts)
    // leaves out the report a key may not read. Refused by it, a page would call its key refused and open no socket.
    const sites = auth?.ok && auth.key.sites !== null && apiPath !== null ? querySites(req.url ?? '/') : [];
    if (needs !== 'public') res.locals.refusal = refusalOf(req, path, needs, auth, credentialOf(req, apiPath, sent), sites);
    next();
  };
}

/** Sends the refusal authMiddleware found, if any; otherwise passes the request on. */
export const answerRefusal: NodeHandler = (_req, res, next) => {
  const refusal = res.locals.refusal as ProblemDetails | null | undefined;
  if (!refusal) return next();
  if (refusal.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="ringside"');
  sendProblem(res, refusal);
};

/**
 * What every refusal of a request's key names in `errors`: the header the key came in, or for a request without one,
 * the header at fault and why (`missing`), and how its route takes a key (`as`, KeyPlace), which its detail says.
 */
interface Credential {
  header: string;
  missing: string;
  as: string;
}

/** The refusal of a request, if any; `sites`: the sites its address names that its key must be allowed. */
function refusalOf(req: IncomingMessage, path: string, needs: Requirement, auth: Authentication | null, credential: Credential, sites: readonly string[]): ProblemDetails | null {
  const { header } = credential;
  if (!auth) return unauthorized('missing-key', `send an API key as ${credential.as}`, [{ path: header, message: credential.missing }]);
  if (!auth.ok) {
    const why = { unknown: 'is not recognised', expired: 'has expired', revoked: 'has been revoked' }[auth.reason];
    return unauthorized(`key-${auth.reason}`, `the API key ${why}`, [{ path: header, message: `carries an API key that ${why}` }]);
  }
  const refusal = keyRefusal(auth.key, needs, sites);
  if (refusal?.kind === 'scope') {
    const has = `(this key has: ${auth.key.scopes.join(', ')})`;
    const errors = [{ path: header, message: `carries a key without scope "${needs}", which ${req.method} ${path} needs ${has}` }];
    return accessRefusal(403, 'insufficient-scope', 'Insufficient scope', `${req.method} ${path} needs a key with scope "${needs}" ${has}`, errors);
  }
  if (refusal?.kind === 'site') {
    // Routes that take their site from the address (the kiosk, the feeds) are refused here; those that carry it in
    // the body are refused by the ingest service, item by item.
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    return siteNotAllowed([{ path: 'site', message: siteRefusal(auth.key.sites!, refusal.site) }], write ? NOTHING_STORED : '');
  }
  return null;
}

/**
 * Why an authenticated key may not make a request that needs `needs` and names `sites` in its address: its scope,
 * or the first of those sites outside the key's list; null when it may. The API's middleware and the dashboard page's
 * first paint (http/firstPaint.ts) both decide by it.
 */
export function keyRefusal(key: { scopes: readonly Scope[]; sites: readonly string[] | null }, needs: Requirement, sites: readonly string[]): { kind: 'scope' } | { kind: 'site'; site: string } | null {
  if (needs === 'any-key') return null; // no route serves it: it reads no site, and is a 404 or 405 for any key
  if (needs !== 'public' && !allows(key.scopes, needs)) return { kind: 'scope' };
  const outside = sites.find((site) => !maySiteWrite(key.sites, site));
  return outside === undefined ? null : { kind: 'site', site: outside };
}

/**
 * The API key a request carries and the header it came in: "Authorization: Bearer <key>", or where the sender cannot
 * set that header, as the password of HTTP Basic credentials (Twilio puts the user:password of a callback URL there)
 * or as Amazon Data Firehose's access key header (the key configured on the Firehose stream's HTTP endpoint).
 */
function requestKey(req: IncomingMessage): { token: string; header: string } | null {
  const header = req.headers.authorization;
  const bearer = bearerToken(header);
  if (bearer) return { token: bearer, header: 'Authorization' };
  const basic = /^Basic[ ]+([A-Za-z0-9+/]+=*)\s*$/i.exec(header ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && colon < decoded.length - 1) return { token: decoded.slice(colon + 1), header: 'Authorization' };
  }
  const firehose = req.headers[FIREHOSE_ACCESS_KEY.header.toLowerCase()];
  return typeof firehose === 'string' && firehose !== '' ? { token: firehose, header: FIREHOSE_ACCESS_KEY.header } : null;
}

/**
 * The credential of a request (`sent`: its key and where it came), or for one without a key, where it should have
 * carried one: its route's place (http/route.ts, KeyPlace), or `Authorization` when it sent that header holding
 * nothing this server reads as a key (another scheme, Basic without a password).
 */
function credentialOf(req: IncomingMessage, apiPath: string | null, sent: { header: string } | null): Credential {
  if (sent) return { header: sent.header, missing: '', as: '' };
  const place = keyPlaceFor(req.method ?? 'GET', apiPath);
  if (req.headers.authorization !== undefined) return { header: 'Authorization', missing: `holds no API key this server reads: send one as ${place.as}`, as: place.as };
  return { header: place.header, missing: `is required: send an API key as ${place.as}`, as: place.as };
}

/** Every `site` query parameter of the request, as sent. */
function querySites(url: string): string[] {
  return new URL(url, 'http://request.invalid').searchParams.getAll('site').map((s) => s.trim());
}

function unauthorized(slug: string, detail: string, errors: FieldProblem[]): ProblemDetails {
  return accessRefusal(401, slug, 'Unauthorized', detail, errors);
}
