// What both forwarders share: the API key, the server's address, and posting one body to the API with the
// answer sorted into delivered, worth retrying (the server is down, restarting or overloaded) and refused
// (retrying the same body cannot help).
import { readFileSync } from 'node:fs';
import { siteIdProblem } from '../../protocol/pure/idLists';
import { UsageError, type Values } from '../usage';

export type PostOutcome = { kind: 'delivered'; status: number; body: string } | { kind: 'retry'; reason: string } | { kind: 'refused'; status: number; detail: string };

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

/** --server as the base of the API (`http(s)://host:port`, any path kept as a prefix). */
export function serverUrl(values: Values): URL {
  const text = values.server as string;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--server must be the server's address (http://host:port), got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must be an http:// or https:// address, got "${text}"`);
  return url;
}

/** `/api/v1<path>` below the server's address. */
/** --site, refused as the server would refuse it (a comma: lists of sites are written with commas). */
export function siteOption(values: Values): string | undefined {
  const site = values.site as string | undefined;
  const problem = site === undefined ? null : siteIdProblem(site);
  if (problem) throw new UsageError(`--site ${problem}`);
  return site;
}

export function apiUrl(server: URL, path: string): URL {
  return new URL(`${server.pathname.replace(/\/+$/, '')}/api/v1${path}`, server);
}

/** A whole number of milliseconds option, at least `min`; absent gives `fallback`. */
export function millisecondsOption(values: Values, name: string, fallback: number, min = 1): number {
  const text = values[name];
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} must be a whole number of milliseconds, at least ${min}`);
  return Number(text);
}

/**
 * POSTs `body` with the key. 2xx is delivered; no answer, 408, 429 and 5xx are worth retrying; any other
 * answer (a bad key, a refused body, an endpoint this server does not have) is refused.
 */
export async function postToRingside(url: URL, key: string, body: string, contentType: string): Promise<PostOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'retry', reason: `${url.origin} did not answer (${cause?.code ?? cause?.message ?? (e as Error).message})` };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { kind: 'delivered', status: response.status, body: text };
  if (response.status === 408 || response.status === 429 || response.status >= 500) return { kind: 'retry', reason: `${url.origin} answered ${response.status}` };
  return { kind: 'refused', status: response.status, detail: problemDetail(text) };
}

/** The problem's detail and named fields, or the raw answer (shortened) when it is not a problem document. */
function problemDetail(text: string): string {
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string; errors?: { path: string; message: string }[] };
    const fields = (p.errors ?? []).slice(0, 10).map((e) => `${e.path}: ${e.message}`);
    return [p.detail ?? p.title ?? text.slice(0, 200), ...fields].join('; ');
  } catch {
    return text.slice(0, 200);
  }
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
