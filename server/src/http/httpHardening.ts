// Security headers (helmet, strict CSP for the dashboard), CORS (closed unless allow-listed), request ids + logs.
import { randomUUID } from 'node:crypto';
import helmet from 'helmet';
import type { Logger } from 'pino';
import vary from 'vary';
import { PERIODIC_REFRESH, REFRESH_HEADER } from '../protocol/pure/dashboard';
import type { ClientAddress } from './clientAddress';
import { pathOf, type NodeHandler } from './plain';
import { accessRefusal, sendProblem } from './problems';

/**
 * The dashboard and the kiosk need nothing inline and nothing from elsewhere; their requests go to this origin.
 * The kiosk also has a web app manifest and a service worker, both its own files.
 */
const DASHBOARD_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  manifestSrc: ["'self'"],
  workerSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * helmet's headers, worked out once: with these options they are the same on every response, and helmet's dozen
 * middlewares per request cost ~4 µs of the single-event path (test/bench/NOTES.md 18.AQ). helmet stays what
 * decides them.
 */
export function securityHeaders(): NodeHandler {
  const { set, removed } = headersOf(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP },
      // Served over plain HTTP on a LAN by default: HSTS belongs to the TLS proxy in front, if any.
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
      // helmet's default, stated because it is relied on: a page opened with a deprecated ?token= link sends no
      // Referer (with the key) for its own files and requests, nor to any site a link in it leads to.
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

/** What a middleware that only sets and removes headers does to a response: run once on a recorder. */
function headersOf(middleware: NodeHandler): { set: Array<[string, string]>; removed: string[] } {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let passed = false;
  void middleware({ method: 'GET', url: '/', headers: {} } as never, recorder as never, () => (passed = true));
  if (!passed) throw new Error('the security headers middleware did not pass the request on');
  return { set, removed };
}

/**
 * CORS is closed by default: no Access-Control-* headers, so browsers refuse cross-origin reads. Origins in
 * `allowed` (exact, e.g. "https://wall.example.com") get them, with Authorization allowed.
 */
export function cors(allowed: readonly string[]): NodeHandler {
  const set = new Set(allowed.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.headers.origin;
    const ok = typeof origin === 'string' && set.has(origin.toLowerCase());
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    }
    vary(res, 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (!ok) {
        const errors = [{ path: 'Origin', message: `is not allowed to make cross-origin requests (got ${String(origin)}; see --cors-origin)` }];
        sendProblem(res, accessRefusal(403, 'cors-origin-not-allowed', 'Origin not allowed', `cross-origin requests from ${String(origin)} are not allowed (see --cors-origin)`, errors));
        return;
      }
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', `Authorization, Content-Type, Idempotency-Key, ${REFRESH_HEADER}`);
      res.setHeader('Access-Control-Max-Age', '600');
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}

/** Node's request headers are keyed in lower case. */
const REFRESH_LOWER = REFRESH_HEADER.toLowerCase();

/**
 * Every request gets an id (X-Request-Id; a sane incoming one is kept) and one log line; never the key, but its id
 * (also of a revoked or expired key), and the client's address (http/clientAddress.ts). An answer whose cause the
 * line should carry (storage unavailable: which, and what to do) leaves it in `res.locals.logError`.
 */
export function requestLog(logger: Logger, addressOf: ClientAddress): NodeHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    res.locals.requestId = id;
    const started = process.hrtime.bigint();
    // Read now: by the time the answer is sent a router has made req.url relative to where it is mounted, and the
    // socket may be gone.
    const path = pathOf(req);
    const ip = addressOf(req);
    const periodic = req.headers[REFRESH_LOWER] === PERIODIC_REFRESH;
    res.on('finish', () => {
      // A route may say its answer is routine whatever its status (a readiness probe's 503): `res.locals.logLevel`.
      // A probe's success (GET /health, /health/ready: balancers, and every kiosk each 30 s) is at debug, as a line
      // per probe would bury the requests worth reading; a probe's failure keeps its level. So is the success of a
      // dashboard's periodic refresh (X-Ringside-Refresh: periodic; an open dashboard re-asks every second).
      const routine = (res.locals.probe === true || periodic) && res.statusCode < 400;
      const level = (res.locals.logLevel as 'info' | undefined) ?? (res.statusCode >= 500 ? 'error' : res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 429 ? 'warn' : routine ? 'debug' : 'info');
      // Below the configured level the line is not written: do not build it (most requests, at --log-level warn).
      if (!logger.isLevelEnabled(level)) return;
      const caller = res.locals.caller as { keyId?: string | null } | undefined;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const error = res.locals.logError as string | undefined;
      logger[level]({ reqId: id, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, keyId: caller?.keyId ?? null, ip, ...(error !== undefined ? { error } : {}) }, 'request');
    });
    next();
  };
}
