// What both forwarders share: the API key, the server's address, and posting one body to the API with the
// answer sorted into delivered, worth retrying (the server is down, restarting or overloaded) and refused
// (retrying the same body cannot help).
import { readFileSync } from 'node:fs';
import { siteIdProblem } from '../../protocol/pure/idLists';
import { UsageError, type Values } from '../usage';
import { retryAfterMs } from './retry';

const optionalWait = (waitMs: number | undefined) => (waitMs === undefined ? {} : { waitMs });

/** A refusal's problem document as far as a forwarder reads it: its kind, its detail and the fields it names. */
export interface RefusalProblem {
  /** The last part of its `type` URI (`invalid-queue-log`, `record-conflict`, …); '' when it has none. */
  type: string;
  detail: string;
  errors: { path: string; message: string }[];
  /** Problems the answer counts beyond those it lists (`moreProblems`), 0 when it lists all. */
  more: number;
}

export type PostOutcome =
  | { kind: 'delivered'; status: number; body: string }
  | { kind: 'retry'; reason: string; waitMs?: number }
  | { kind: 'refused'; status: number; detail: string; problem: RefusalProblem };

/** How long one request may take before it is abandoned and retried. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The key from --key-file (its first line), else RINGSIDE_API_KEY; neither is bad usage. */
export function forwarderKey(values: Values, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof values['key-file'] === 'string') {
    let text: string;
    try {
      text = readFileSync(values['key-file'], 'utf8');
    } catch (e) {
      throw new UsageError(`--key-file ${values['key-file']}: ${(e as Error).message}`);
    }
    const key = text.split('\n')[0]!.trim();
    if (key === '') throw new UsageError(`--key-file ${values['key-file']} is empty`);
    return key;
  }
  const key = env.RINGSIDE_API_KEY?.trim();
  if (!key) throw new UsageError('an API key is required: set RINGSIDE_API_KEY or give --key-file FILE');
  return key;
}

/**
 * --server as the base of the API (`http(s)://host:port`, any path kept as a prefix: a server behind a proxy at
 * /ringside). A path ending in /api/v1 is the API's own address (the README's $RS): kept as a prefix it would post to
 * /api/v1/api/v1/…, which the server answers as an unknown path with a 403 asking for an admin key, so it is
 * refused here with the address meant.
 */
export function serverUrl(values: Values): URL {
  const text = values.server as string;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--server must be the server's address (http://host:port), got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// address, got "${text}"`);
  if (/\/api\/v1\/?$/.test(url.pathname)) {
    const base = new URL(url.href);
    base.pathname = url.pathname.replace(/\/api\/v1\/?$/, '') || '/';
    base.search = '';
    base.hash = '';
    throw new UsageError(`--server is the server's base address (the one the dashboard is at), not its API's: the forwarder adds /api/v1 itself; give --server ${base.href.replace(/\/$/, '')} (got "${text}")`);
  }
  return url;
}

/** --site, refused as the server would refuse it (a comma: lists of sites are written with commas). */
export function siteOption(values: Values): string | undefined {
  const site = values.site as string | undefined;
  const problem = site === undefined ? null : siteIdProblem(site);
  if (problem) throw new UsageError(`--site ${problem}`);
  return site;
}

/** `/api/v1<path>` below the server's address. */
export function apiUrl(server: URL, path: string): URL {
  return new URL(`${server.pathname.replace(/\/+$/, '')}/api/v1${path}`, server);
}

/** What a forwarder does with items the server refuses: sets them aside and goes on (default), or stops. */
export type OnRefused = 'set-aside' | 'stop';

export function onRefusedOption(values: Values): OnRefused {
  const v = values['on-refused'] ?? 'set-aside';
  if (v !== 'set-aside' && v !== 'stop') throw new UsageError(`--on-refused must be "set-aside" or "stop", got "${String(v)}"`);
  return v;
}

/** A whole number of milliseconds option, at least `min`; absent gives `fallback`. */
export function millisecondsOption(values: Values, name: string, fallback: number, min = 1): number {
  const text = values[name];
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be a whole number of milliseconds, at least ${min}`);
  return Number(text);
}

/**
 * POSTs `body` with the key. 2xx is delivered; no answer, 408, 429 (with the wait its Retry-After asks) and 5xx are
 * worth retrying; any other
 * answer (a bad key, a refused body, an endpoint this server does not have) is refused.
 */
export async function postToRingside(url: URL, key: string, body: string, contentType: string): Promise<PostOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    return { kind: 'retry', reason: noAnswer(url, e) };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { kind: 'delivered', status: response.status, body: text };
  // A rate limit's Retry-After is when it lets requests in again: sooner is refused again. A 503's is a general
  // client's hint (30 s from Ringside's own); the forwarder's own backoff comes back sooner after a short restart.
  if (response.status === 429) return { kind: 'retry', reason: `${url.origin} answered 429`, ...optionalWait(retryAfterMs(response.headers.get('retry-after'))) };
  if (response.status === 408 || response.status >= 500) return { kind: 'retry', reason: `${url.origin} answered ${response.status}` };
  const problem = refusalProblem(text);
  return { kind: 'refused', status: response.status, detail: problemDetail(problem), problem };
}

/**
 * What to fix when a refusal is of the forwarder's own setup rather than of what it posted, else null. Such a refusal
 * refuses everything after it too, so a forwarder stops on it instead of skipping or setting aside what it posted:
 * 401, the key is not recognised, revoked or expired; 403 `insufficient-scope` (it names the key's header, not a
 * field of the body), or a 403 naming nothing at all (a proxy's); 404, no such endpoint at --server (a wrong path
 * prefix). A 403 naming a field of the body (a site the key may not write) is of that body.
 */
export function setupRefusal(status: number, problem: RefusalProblem, url: URL): string | null {
  if (status === 401) return 'the API key is not accepted (not recognised, revoked or expired): give the forwarder a current key (--key-file or RINGSIDE_API_KEY)';
  if (status === 403 && (problem.type === 'insufficient-scope' || problem.errors.length === 0)) return 'the API key may not post there: give the forwarder a key with the scope the server names (keys create --scope ingest)';
  if (status === 404) return `${url.origin}${url.pathname} is not an endpoint of this server: check --server (the address the dashboard is at, with its path prefix if any)`;
  return null;
}

/** The problem's detail and named fields, or the raw answer (shortened) when it is not a problem document. */
function refusalProblem(text: string): RefusalProblem {
  try {
    const p = JSON.parse(text) as { type?: unknown; title?: string; detail?: string; errors?: unknown; moreProblems?: unknown };
    const errors = Array.isArray(p.errors) ? (p.errors as { path?: unknown; message?: unknown }[]).filter((e) => typeof e?.path === 'string' && typeof e.message === 'string') : [];
    const more = typeof p.moreProblems === 'number' && Number.isSafeInteger(p.moreProblems) && p.moreProblems > 0 ? p.moreProblems : 0;
    const type = typeof p.type === 'string' ? p.type.slice(p.type.lastIndexOf('/') + 1) : '';
    return { type, detail: p.detail ?? p.title ?? text.slice(0, 200), errors: errors as RefusalProblem['errors'], more };
  } catch {
    return { type: '', detail: text.slice(0, 200), errors: [], more: 0 };
  }
}

/** The detail, then the named fields it does not already say (the server's detail usually lists them all). */
function problemDetail(p: RefusalProblem): string {
  const unsaid = p.errors.filter((e) => !p.detail.includes(e.message)).slice(0, 10);
  return [p.detail, ...unsaid.map((e) => `${e.path}: ${e.message}`)].join('; ');
}

/** GETs an API path with the key: the parsed JSON of a 200, else why not (its status, or that no answer came). */
export async function getFromRingside(url: URL, key: string, timeoutMs: number): Promise<{ ok: true; body: unknown } | { ok: false; reason: string }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (e) {
    return { ok: false, reason: noAnswer(url, e) };
  }
  if (!response.ok) return { ok: false, reason: `${response.status}: ${problemDetail(refusalProblem(text))}` };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `${response.status} with a body that is not JSON` };
  }
}

/** Why a request got no answer: the network's code (ECONNREFUSED) or the timeout. */
function noAnswer(url: URL, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return `${url.origin} did not answer (${cause?.code ?? cause?.message ?? (e as Error).message})`;
}

/** Calls `stop` on the first SIGINT or SIGTERM; the returned function removes the handlers. */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals) => stop(signal);
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
