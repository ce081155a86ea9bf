// What the dashboard page needs for its first paint, written into the page it is served in: the snapshot the
// socket would send on connecting and the report the page asks first for the selection in its address. The page
// then draws without waiting for the socket's handshake and that query; the socket takes over from there.
// Given only to a request the socket and the report query would answer themselves: the same key (the page's
// `?token=`, which is what the page's socket and queries send), the same scope and site checks. Any other page
// request gets the socket's refusal instead, so the page asks for a key rather than be refused twice.
// `?token=` is the deprecated form of a link (it puts the key in proxies' access logs): links now carry the key
// after '#', which the server never sees, so those pages get the refusal of no key. Such a page, which knows it has
// a key the server did not see (webview/src/transport/addressKey.ts), asks for the same data at once with the key
// in its Authorization header (GET first-paint beside the page, http/dashboard.ts). That request is checked by the
// API's key check (it needs scope read, http/scopes.ts): a key refused there is a 401 or 403 like any route's.
import type { ComplianceParams, ComplianceReport, DashboardRequest, Snapshot } from '../protocol';
import { isStorableText } from '../protocol/text';
import type { AccessMode } from '../services/access';
import type { Core } from '../services/core';
import type { ApiKeyInfo } from '../services/keys';
import { keyRefusal } from './auth';
import { readComplianceReport } from './routes/compliance';
import { requirementFor } from './scopes';

/** The id of the page's JSON data block (the webview's early.ts reads it). */
const FIRST_PAINT_ID = 'rs-first-paint';
/** The id of the block that carries, instead, why the page's key is refused (webview/src/transport/socket.ts). */
const KEY_REFUSED_ID = 'rs-key-refused';

interface FirstPaint {
  snapshot: Snapshot;
  /** The page's first query and its answer, when the address names a selection it can be answered for. */
  report: { request: DashboardRequest<'compliance'>; body: ComplianceReport } | null;
}

export interface FirstPaintSources {
  core: Pick<Core, 'keys' | 'compliance' | 'standards' | 'sites' | 'serverZone'>;
  mode: AccessMode;
  /** The live push's snapshot (live/snapshot.ts), built as for a socket connecting now. */
  snapshot: (nowMs: number) => Promise<Snapshot>;
}

/** Window values of the page's address that the report query takes as they are (a custom range is not embedded). */
const REPORT_WINDOWS = new Set(['1h', 'today', '7d', '30d']);

/**
 * The page's selection as the page reads it from its address (webview/src/selection.ts) and the report request it
 * makes first for it (webview/src/queries.ts, planQueries), same keys in the same order. If the two ever disagree,
 * the page does not use the embedded answer (it compares the request) and asks as usual.
 */
function firstReportRequest(query: Record<string, unknown>): DashboardRequest<'compliance'> | null {
  const text = (key: string): string | null => {
    const value = query[key];
    if (typeof value !== 'string') return null;
    const trimmed = value.trim();
    return trimmed === '' || trimmed.length > 200 || !isStorableText(trimmed) ? null : trimmed;
  };
  const window = query['window'] === undefined ? 'today' : query['window'];
  if (typeof window !== 'string' || !REPORT_WINDOWS.has(window)) return null;
  const site = text('site');
  const standard = text('standard');
  const params = { window, ...(site ? { site } : {}), ...(standard ? { standard } : {}), bucket: window === '1h' ? 'minute' : 'hour' } as ComplianceParams;
  return { kind: 'compliance', params };
}

/**
 * What the page carries: its first paint, or, where a key is needed and the request's key is missing or one the live
 * feed would refuse, that refusal in the socket's words. With it the page asks for a key and sends nothing first
 * (no socket, no query) that would only be refused.
 */
export type PageData = { kind: 'paint'; paint: FirstPaint } | { kind: 'key-refused'; message: string };

/** `key`: the key the page's request carries (its `?token=`). */
export async function firstPaintFor(src: FirstPaintSources, key: string | null, query: Record<string, unknown>, nowMs: number): Promise<PageData> {
  if (src.mode === 'open') return { kind: 'paint', paint: await paintFor(src, null, query, nowMs) };
  // The socket's handshake check (live/socketAuth.ts): a key with scope read.
  const access = await src.core.keys.liveAccess(key);
  if (!access.ok) return { kind: 'key-refused', message: access.message };
  return { kind: 'paint', paint: await paintFor(src, access.key, query, nowMs) };
}

/**
 * The first paint for a request whose key may read the live feed: `key` (null on a `--no-auth` server, where every
 * request may). GET first-paint's key was checked by the API's key check, the page's by firstPaintFor. The report
 * comes with it where the report query's check (http/auth.ts) lets that key ask it: its route's scope, and a key
 * limited to sites may not name another.
 */
export function paintFor(src: FirstPaintSources, key: Pick<ApiKeyInfo, 'scopes' | 'sites'> | null, query: Record<string, unknown>, nowMs: number): Promise<FirstPaint> {
  const request = firstReportRequest(query);
  const site = request?.params.site;
  const reportAllowed = request !== null && (key === null || keyRefusal(key, requirementFor('GET', '/compliance'), site === undefined ? [] : [site]) === null);
  return build(src, reportAllowed ? request : null, nowMs);
}

async function build(src: FirstPaintSources, request: DashboardRequest<'compliance'> | null, nowMs: number): Promise<FirstPaint> {
  // Both at the same instant, as one page would see them.
  const [snapshot, body] = await Promise.all([src.snapshot(nowMs), request ? readComplianceReport(src.core, { ...request.params }, nowMs) : null]);
  return { snapshot, report: request && body ? { request, body } : null };
}

/** The `?token=` of the page's address, the deprecated place of its key. */
export function queryKey(query: Record<string, unknown>): string | null {
  return typeof query['token'] === 'string' && query['token'] !== '' ? query['token'] : null;
}

/**
 * The first paint as GET first-paint answers it (read by webview/src/transport/socket.ts, askFirstPaint); `{}` when
 * there is none (reading it failed or took too long).
 */
export function paintAnswer(paint: FirstPaint | null): { firstPaint: FirstPaint } | Record<string, never> {
  return paint === null ? {} : { firstPaint: paint };
}

/**
 * The data as a JSON data block inside the HTML: `<` (so no `</script>` or `<!--` can end or change the element),
 * `>`, `&` and the two line separators JavaScript once refused in strings are written as \u escapes, which
 * JSON.parse reads back as the same characters.
 */
export function pageDataBlock(data: PageData): string {
  const [id, value] = data.kind === 'paint' ? [FIRST_PAINT_ID, data.paint] : [KEY_REFUSED_ID, { message: data.message }];
  const json = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `<script type="application/json" id="${id}">${json}</script>`;
}
