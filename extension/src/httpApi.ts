// The HTTP calls the extension host makes to the server, with the API key as `Authorization: Bearer`: the same typed
// dashboard requests (protocol/pure/dashboard.ts) for the webview, the Sites tree and the notifications' Acknowledge.
// Node's global fetch (Node 20 extension host); no `vscode` here.
import type { ComplianceReport, IncidentList, DashboardRequest, DashboardRequestKind, DashboardResponseBodies, DashboardResult } from '@ringside/server/protocol';
import { dashboardRequestHttp, fetchDashboard } from '@ringside/server/protocol/pure';

export { apiUrl } from '@ringside/server/protocol/pure';

/** A request for the webview may wait as long as the page does; the tree and notifications give up sooner. */
const WEBVIEW_TIMEOUT_MS = 30_000;
const HOST_TIMEOUT_MS = 15_000;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Never throws: the server's problem+json, or one made up (status 0: the server could not be reached). */
export function requestResult<K extends DashboardRequestKind>(
  serverUrl: string,
  apiKey: string | undefined,
  request: DashboardRequest<K>,
  { timeoutMs = WEBVIEW_TIMEOUT_MS, periodic = false }: { timeoutMs?: number; periodic?: boolean } = {},
): Promise<DashboardResult<K>> {
  return fetchDashboard(request, { serverUrl, apiKey, fetch, init: { signal: AbortSignal.timeout(timeoutMs) }, periodic });
}

/** The body the request's kind answers with; an HttpProblem naming the call otherwise. */
async function requestBody<K extends DashboardRequestKind>(serverUrl: string, apiKey: string | undefined, request: DashboardRequest<K>): Promise<DashboardResponseBodies[K]> {
  const result = await requestResult(serverUrl, apiKey, request, { timeoutMs: HOST_TIMEOUT_MS });
  if (result.ok) return result.body;
  const { method, path } = dashboardRequestHttp(request);
  const { status, detail, title } = result.problem;
  throw new HttpProblem(status, `${method} ${path} → ${status}: ${detail || title}`);
}

/**
 * Today's figures per standard, each broken down by site (`groups`) when the server supports groupBy=site: the very
 * request the dashboard makes for its per-site bars today, so both read the same figures.
 */
export function fetchComplianceBySite(serverUrl: string, apiKey: string | undefined): Promise<ComplianceReport> {
  return requestBody(serverUrl, apiKey, { kind: 'compliance', params: { window: 'today', groupBy: 'site' } });
}

/** Today's figures for one site (fallback for servers without groupBy). */
export function fetchComplianceForSite(serverUrl: string, apiKey: string | undefined, site: string): Promise<ComplianceReport> {
  return requestBody(serverUrl, apiKey, { kind: 'compliance', params: { site } });
}

/** POST /api/v1/incidents/ack: exactly these incidents, all or nothing (needs a key with scope read). */
export function acknowledgeIncidents(serverUrl: string, apiKey: string | undefined, ids: readonly number[]): Promise<IncidentList> {
  return requestBody(serverUrl, apiKey, { kind: 'ack-incidents', ids: [...ids] });
}

/**
 * Why the server would refuse an export for its key, asked with a HEAD (for which the server runs nothing): in words
 * for a 401 or 403, else null. Asked before the save dialog, so a read-only key is told before a file is chosen;
 * other refusals name their field in the export's own answer.
 */
export async function exportKeyRefusal(url: URL | string, apiKey: string | undefined): Promise<string | null> {
  const res = await fetch(url, { method: 'HEAD', headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal: AbortSignal.timeout(HOST_TIMEOUT_MS) });
  if (res.status === 403) return EXPORT_SCOPE_MISSING;
  if (res.status === 401) return 'the server refused this API key (not recognised, revoked or expired); run "Ringside: Set API Key" with a valid one';
  return null;
}

/** An export's refusal of a key without the audit scope, however it was found. */
export const EXPORT_SCOPE_MISSING = 'this API key lacks the "audit" scope that exports need';
