// The few HTTP calls the extension host makes to the server, with the API key as `Authorization: Bearer`.
// Node's global fetch (Node 20 extension host); no `vscode` here.
import type { Alert, ComplianceReport, ProblemDetails } from '@ringside/server/protocol';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function apiUrl(serverUrl: string, path: string): URL {
  // Keep a reverse-proxy prefix: http://host/ringside + /api/v1/x → http://host/ringside/api/v1/x.
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  return new URL(path.replace(/^\//, ''), base);
}

async function request<T>(serverUrl: string, apiKey: string | undefined, path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const response = await fetch(apiUrl(serverUrl, path), { ...init, headers, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      const body = JSON.parse(text) as { detail?: string; title?: string };
      detail = body.detail ?? body.title ?? text;
    } catch {
      // not problem+json
    }
    throw new HttpProblem(response.status, `${init.method ?? 'GET'} ${path} → ${response.status}: ${detail}`);
  }
  return JSON.parse(text) as T;
}

/** Today's figures per standard, each broken down by site (`groups`) when the server supports groupBy=site. */
export function fetchComplianceBySite(serverUrl: string, apiKey: string | undefined): Promise<ComplianceReport> {
  return request<ComplianceReport>(serverUrl, apiKey, '/api/v1/compliance?groupBy=site');
}

/** Today's figures for one site (fallback for servers without groupBy). */
export function fetchComplianceForSite(serverUrl: string, apiKey: string | undefined, site: string): Promise<ComplianceReport> {
  return request<ComplianceReport>(serverUrl, apiKey, `/api/v1/compliance?site=${encodeURIComponent(site)}`);
}

/** POST /api/v1/alerts/:id/ack (needs a key with scope admin). */
export function acknowledgeAlert(serverUrl: string, apiKey: string | undefined, id: number): Promise<Alert> {
  return request<Alert | { alert: Alert }>(serverUrl, apiKey, `/api/v1/alerts/${id}/ack`, { method: 'POST', body: JSON.stringify({}) }).then((body) =>
    'alert' in body && typeof body.alert === 'object' ? body.alert : (body as Alert),
  );
}

/**
 * A dashboard request made for the webview (same HTTP call the browser page makes itself): never throws,
 * answers `ok: false` with the server's problem+json, or a made-up one (status 0: server unreachable).
 */
export async function forwardDashboardRequest(
  serverUrl: string,
  apiKey: string | undefined,
  http: { method: 'GET' | 'POST'; path: string },
): Promise<{ ok: true; body: unknown } | { ok: false; problem: ProblemDetails }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (http.method === 'POST') headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(serverUrl, http.path), {
      method: http.method,
      headers,
      ...(http.method === 'POST' ? { body: '{}' } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return { ok: false, problem: { type: 'about:blank', title: 'Server unreachable', status: 0, detail: `could not reach ${serverUrl}: ${(error as Error).message}` } };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  if (response.ok) return { ok: true, body };
  const problem =
    typeof body === 'object' && body !== null && 'status' in body
      ? (body as ProblemDetails)
      : { type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail: typeof body === 'string' ? body.slice(0, 500) : '' };
  return { ok: false, problem };
}
