// The dashboard's historical queries, one typed request → response map for both hosts:
// - in a browser the page turns a DashboardRequest into an HTTP call itself (fetchDashboard, Bearer key);
// - in VS Code the webview posts { type: 'request', id, request } and the extension host answers
//   { type: 'response', id, kind, ok, body | problem } after making the very same HTTP call.
// DashboardResponseBodies says what each kind answers with, so neither side casts.
import type { IncidentList } from '../incidents';
import type { ComplianceReport, GroupBy } from '../compliance';
import type { DistributionReport } from '../distribution';
import type { ProblemDetails } from '../problem';
import type { StaffingForecast } from '../staffing';
import type { ReportWindow } from '../standards';

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

/** Query parameters of GET /api/v1/staffing/forecast: a day is YYYY-MM-DD, today or tomorrow (the site's zone). */
export interface StaffingParams {
  site: string;
  standard: string;
  date: string;
}

/** What each kind of request carries besides its `kind`. */
export interface DashboardRequestParams {
  compliance: { params: ComplianceParams };
  distribution: { params: DistributionParams };
  /** POST /api/v1/incidents/ack: exactly these incidents (one, or every one an "Acknowledge all" stands for). */
  'ack-incidents': { ids: number[] };
  'staffing-forecast': { params: StaffingParams };
}
export type DashboardRequestKind = keyof DashboardRequestParams;

type AnyDashboardRequest = { [K in DashboardRequestKind]: { kind: K } & DashboardRequestParams[K] }[DashboardRequestKind];

/**
 * A request of kind K (`DashboardRequest<'ack-incidents'>`); plain `DashboardRequest` is any of them. A call
 * `request({ kind: 'ack-incidents', ids })` of a `request<K>(r: DashboardRequest<K>)` infers K, hence its answer.
 */
export type DashboardRequest<K extends DashboardRequestKind = DashboardRequestKind> = AnyDashboardRequest & { kind: K };

/** The body a successful request answers with, per kind. */
export interface DashboardResponseBodies {
  compliance: ComplianceReport;
  distribution: DistributionReport;
  /** The acknowledged incidents, in the order asked. */
  'ack-incidents': IncidentList;
  'staffing-forecast': StaffingForecast;
}

/**
 * How a request of kind K ended: the server's answer, or its problem+json (or one made up where it could not be
 * reached: status 0; no key set: 401).
 */
export type DashboardResult<K extends DashboardRequestKind> = { ok: true; body: DashboardResponseBodies[K] } | { ok: false; problem: ProblemDetails };

/** Webview → host: please make this request (id is unique per webview page load). */
export interface DashboardRequestMessage {
  type: 'request';
  id: number;
  request: DashboardRequest;
  /** The page's periodic re-ask of figures it already shows (DashboardAskOptions). */
  periodic?: true;
}

/**
 * Marks a dashboard request as a periodic, automatic re-ask (the throttled refresh while live traffic moves the
 * window), not a first ask nor one the user caused: the server logs such a request at debug when it succeeds, as an
 * open dashboard re-asks every second and a line each would bury the requests worth reading.
 */
export const REFRESH_HEADER = 'X-Ringside-Refresh';
/** The value of REFRESH_HEADER that marks a periodic refresh. */
export const PERIODIC_REFRESH = 'periodic';

/** How a dashboard request is asked. */
export interface DashboardAskOptions {
  /** A periodic, automatic refresh: sent with `X-Ringside-Refresh: periodic`. */
  periodic?: boolean;
}

/** Host → webview: the result of request `id`, whose kind it repeats so the page can check what it got. */
export type DashboardResponseMessage<K extends DashboardRequestKind = DashboardRequestKind> = { type: 'response'; id: number; kind: K } & DashboardResult<K>;

/** Whether `message` answers a request of kind `kind` (and so carries that kind's body). */
export function isResponseTo<K extends DashboardRequestKind>(message: DashboardResponseMessage, kind: K): message is DashboardResponseMessage<K> {
  return message.kind === kind;
}

/** The HTTP call a request stands for: method, path including /api/v1 and the query string, and a POST's JSON body. */
export function dashboardRequestHttp(request: DashboardRequest): { method: 'GET' | 'POST'; path: string; body?: string } {
  switch (request.kind) {
    case 'compliance':
      return { method: 'GET', path: `/api/v1/compliance${queryString(request.params)}` };
    case 'distribution':
      return { method: 'GET', path: `/api/v1/distribution${queryString(request.params)}` };
    case 'ack-incidents':
      return { method: 'POST', path: '/api/v1/incidents/ack', body: JSON.stringify({ ids: request.ids }) };
    case 'staffing-forecast':
      return { method: 'GET', path: `/api/v1/staffing/forecast${queryString(request.params)}` };
  }
}

function queryString(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** `path` (absolute, /api/v1/…) below `serverUrl`, keeping a reverse-proxy prefix: http://host/ringside + /api/v1/x. */
export function apiUrl(serverUrl: string, path: string): URL {
  const base = serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`;
  return new URL(path.replace(/^\//, ''), base);
}

/** The part of fetch (the page's, Node's) that a dashboard request uses. */
export type DashboardFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; cache?: 'no-store' },
) => Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;

export interface DashboardFetchOptions {
  /** The server's address (may end in a reverse-proxy prefix). */
  serverUrl: string;
  /** Sent as `Authorization: Bearer`. */
  apiKey?: string | null;
  /** The fetch to call (the page's, Node's; tests pass their own). */
  fetch: DashboardFetch;
  /** Extra fetch settings: a timeout signal, a cache mode. */
  init?: { signal?: AbortSignal; cache?: 'no-store' };
  /** A periodic refresh (REFRESH_HEADER). */
  periodic?: boolean;
}

/**
 * Makes the HTTP call a request stands for and never throws: the browser page calls it for itself, the extension
 * host for its webview (and its own tree and notifications), so both read the server the same way.
 */
export async function fetchDashboard<K extends DashboardRequestKind>(request: DashboardRequest<K>, options: DashboardFetchOptions): Promise<DashboardResult<K>> {
  const { method, path, body: requestBody } = dashboardRequestHttp(request);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;
  if (method === 'POST') headers['content-type'] = 'application/json';
  if (options.periodic) headers[REFRESH_HEADER.toLowerCase()] = PERIODIC_REFRESH;
  let response: Awaited<ReturnType<DashboardFetch>>;
  try {
    response = await options.fetch(apiUrl(options.serverUrl, path).toString(), { method, headers, ...(method === 'POST' ? { body: requestBody ?? '{}' } : {}), ...options.init });
  } catch (error) {
    return failure(0, 'Server unreachable', `could not reach ${options.serverUrl}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  const body = parseJson(text);
  if (response.ok) {
    if (body === undefined) return failure(response.status, 'Not JSON', 'the server answered with something that is not JSON');
    // The one place the wire is trusted: the server's JSON for this request is the body its kind promises.
    return { ok: true, body: body as DashboardResponseBodies[K] };
  }
  if (isProblem(body)) return { ok: false, problem: body };
  return failure(response.status, response.statusText || 'Request failed', text.slice(0, 500));
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function isProblem(body: unknown): body is ProblemDetails {
  return typeof body === 'object' && body !== null && typeof (body as { status?: unknown }).status === 'number';
}

function failure(status: number, title: string, detail: string): { ok: false; problem: ProblemDetails } {
  return { ok: false, problem: { type: 'about:blank', title, status, detail } };
}
