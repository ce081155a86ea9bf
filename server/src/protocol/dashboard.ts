// The dashboard's historical queries, one typed shape for both hosts:
// - in a browser the page turns a DashboardRequest into an HTTP call itself (same origin, Bearer key);
// - in VS Code the webview posts { type: 'request', id, request } and the extension host answers
//   { type: 'response', id, ok, body | problem } after making the very same HTTP call (dashboardRequestHttp).
// Pure: no I/O here, both sides import it.
import type { Alert } from './alerts';
import type { ComplianceReport, GroupBy } from './compliance';
import type { DistributionReport } from './distribution';
import type { ProblemDetails } from './problem';
import type { ReportWindow } from './standards';

/** Windows the dashboard offers: rolling hour, the server's today, 7 and 30 days, or a custom [from, to). */
export const DASHBOARD_WINDOWS = ['1h', 'today', '7d', '30d', 'custom'] as const;
export type DashboardWindow = (typeof DASHBOARD_WINDOWS)[number];

/**
 * What the dashboard shows: survives a reload (VS Code getState/setState, the browser's URL query) and is
 * what the extension sets when it opens the dashboard "filtered to" a site or standard.
 */
export interface DashboardSelection {
  window: DashboardWindow;
  /** ISO instants, only for window 'custom' ([from, to)). */
  from: string | null;
  to: string | null;
  /** null = all sites. */
  site: string | null;
  /** null = all standards. */
  standard: string | null;
}

/** Query parameters of GET /api/v1/compliance as the dashboard sends them (all text, as in a URL). */
export interface ComplianceParams {
  standard?: string;
  site?: string;
  from?: string;
  to?: string;
  /** Instead of from/to: '15m' | '1h' | 'today' | '7d' | '30d' | 'month' (today/month: the site's zone when `site` is configured, else the server's). */
  window?: ReportWindow;
  bucket?: 'minute' | 'hour' | 'day';
  groupBy?: GroupBy;
}

/** Query parameters of GET /api/v1/distribution. */
export interface DistributionParams {
  standard?: string;
  site?: string;
  from?: string;
  to?: string;
  /** Instead of from/to, as for compliance: '15m' | '1h' | 'today' | '7d' | '30d' | 'month'. */
  window?: ReportWindow;
}

export type DashboardRequest =
  | { kind: 'compliance'; params: ComplianceParams }
  | { kind: 'distribution'; params: DistributionParams }
  | { kind: 'ack-alert'; alertId: number };

/** The body a successful request answers with, per kind. */
export interface DashboardResponseBodies {
  compliance: ComplianceReport;
  distribution: DistributionReport;
  /** The acknowledged alert record. */
  'ack-alert': Alert;
}
export type DashboardResponseBody<K extends DashboardRequest['kind']> = DashboardResponseBodies[K];

/** Webview → host: please make this request (id is unique per webview page load). */
export interface DashboardRequestMessage {
  type: 'request';
  id: number;
  request: DashboardRequest;
}

/**
 * Host → webview: the answer to request `id`. `ok: false` carries the server's problem+json, or one the host
 * made up (status 0: could not reach the server; 401: no key set).
 */
export type DashboardResponseMessage =
  | { type: 'response'; id: number; ok: true; body: unknown }
  | { type: 'response'; id: number; ok: false; problem: ProblemDetails };

/** The HTTP call a request stands for: method and path including /api/v1 and the query string. */
export function dashboardRequestHttp(request: DashboardRequest): { method: 'GET' | 'POST'; path: string } {
  const query = (params: object) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  switch (request.kind) {
    case 'compliance':
      return { method: 'GET', path: `/api/v1/compliance${query(request.params)}` };
    case 'distribution':
      return { method: 'GET', path: `/api/v1/distribution${query(request.params)}` };
    case 'ack-alert':
      return { method: 'POST', path: `/api/v1/alerts/${encodeURIComponent(String(request.alertId))}/ack` };
  }
}
