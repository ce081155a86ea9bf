// Where a client finds a Ringside server, and how it words a failed connection. Shared by the VS Code extension
// host and the dashboard page, so "cannot reach …" reads the same in the status bar, the Sites view and the page.
//
// A server URL may end in a path prefix: behind a reverse proxy (nginx `location /ringside/ { proxy_pass …/; }`,
// code-server's /proxy/4870/) the server answers at https://host/ringside/ with the prefix stripped, so its
// Socket.IO endpoint is PREFIX/socket.io and its API PREFIX/api/v1 on the same origin.

import { capitalised } from './labels';

/** socket.io-client reads a URL path as a namespace; for Ringside a path is the proxy prefix, so split it off. */
/** Whether a host name or address is this machine's own (the server's --no-auth rule, the extension's local server). */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function socketAddress(serverUrl: string): { origin: string; path: string } {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${serverUrl}`);
  return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/socket.io` };
}

/**
 * What names one server however its address is written (a trailing slash, the host's letter case, a default port):
 * its origin and path prefix without a trailing slash; the address as given (trimmed) where it is not a URL.
 */
export function serverIdentity(serverUrl: string): string {
  try {
    const url = new URL(serverUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return serverUrl.trim();
  }
}

/**
 * The server a dashboard page was served by: the page's own address up to its last "/", without query or
 * hash. https://host/ringside/?window=7d#token=k → https://host/ringside; http://127.0.0.1:4870/ → http://127.0.0.1:4870.
 */
export function serverUrlOfPage(href: string): string {
  const url = new URL(href);
  const folder = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
  return `${url.origin}${folder.replace(/\/+$/, '')}`;
}

/** The API key a dashboard link carries: after '#' (`#token=rs_…`, the form the server prints), else the older `?token=`. */
export function linkKey(search: string, hash: string): string | null {
  return new URLSearchParams(hash.slice(1)).get('token') || new URLSearchParams(search).get('token') || null;
}

/**
 * A server's address as a user pastes it, read as the server's address and the key it carries: the link the server
 * prints at start (`http://127.0.0.1:4870/#token=rs_…`), an address copied from the dashboard's address bar
 * (`…/?window=7d&site=harbour`) and the API's base (`…/api/v1`, what the README exports as $RS) all name the server at
 * their origin and path prefix; the key comes apart from the address, so it never lands in a setting. An address
 * with none of these (or not an http(s) URL) is returned as given, trimmed.
 */
export function parseServerAddress(input: string): { serverUrl: string; key: string | null } {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { serverUrl: trimmed, key: null };
  }
  const apiPath = /\/api\/v1(\/.*)?$/;
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (!url.search && !url.hash && !apiPath.test(url.pathname))) return { serverUrl: trimmed, key: null };
  return { serverUrl: `${url.origin}${url.pathname.replace(apiPath, '').replace(/\/+$/, '')}`, key: linkKey(url.search, url.hash) };
}

/** Why a live connection is not up, as far as a user can act on it. */
export type ConnectionProblemKind =
  /** Nothing answered at the address (not running, wrong port, a proxy in the way). */
  | 'unreachable'
  /** The server wants an API key and none was sent. */
  | 'needs-key'
  /** The key sent was refused (unknown, revoked, expired). */
  | 'key-refused'
  /** The key is known but lacks scope "read". */
  | 'forbidden'
  /** The connection was up and was lost; the client is coming back by itself. */
  | 'lost'
  /** The user disconnected. */
  | 'disconnected'
  /** The address is not an http(s) URL. */
  | 'invalid-url'
  | 'other';

export interface ConnectionProblem {
  kind: ConnectionProblemKind;
  /** One plain sentence naming the server; the client adds what to do (its commands differ). */
  text: string;
  /** For a refused key, the server's own words for why, when it gave them: "not recognised", "revoked", "expired". */
  reason?: string;
}

/** socket.io-client's transport errors: the raw text ("xhr poll error") means nothing to a user. */
const UNREACHABLE = /^(xhr poll error|websocket error|timeout)$|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|getaddrinfo|network|fetch failed/i;
/** socket.io-client's reasons for losing a connection that was up ("forced close": its transport closed under it). */
const LOST = /^(transport close|transport error|ping timeout|io server disconnect|parse error|forced close)$/;

/** Turns what socket.io-client (or the extension) reported into a kind and a plain sentence naming the server. */
export function describeConnectionProblem(serverUrl: string, raw: string): ConnectionProblem {
  const where = `the Ringside server at ${serverUrl}`;
  const message = raw.trim();
  // The handshake's words for no key, or a route's 401 missing-key ("send an API key as …": GET first-paint's when a
  // proxy dropped the page's Authorization header): no key reached the server, so none was refused.
  if (/^unauthori[sz]ed: (an API key .*required|send an API key )/i.test(message)) return { kind: 'needs-key', text: `${capitalised(where)} needs an API key.` };
  if (/^unauthori[sz]ed/i.test(message)) {
    // The handshake's words ("the API key is revoked"), or a route's 401 ("the API key has been revoked").
    const why = /the API key (?:is|has been|has) (.+)$/i.exec(message)?.[1];
    return { kind: 'key-refused', text: `${capitalised(where)} refused the API key${why ? ` (it is ${why})` : ''}.`, ...(why ? { reason: why } : {}) };
  }
  if (/^forbidden/i.test(message)) return { kind: 'forbidden', text: `The API key for ${serverUrl} may not read the live feed (it needs scope "read").` };
  if (message === 'disconnected' || message === 'io client disconnect') return { kind: 'disconnected', text: `Disconnected from ${serverUrl}.` };
  if (message === 'not a valid http(s) URL') return { kind: 'invalid-url', text: `"${serverUrl}" is not an http:// or https:// address.` };
  if (LOST.test(message)) return { kind: 'lost', text: `Lost the connection to ${where}; reconnecting…` };
  if (UNREACHABLE.test(message)) return { kind: 'unreachable', text: `Cannot reach ${where}: is it running?` };
  return { kind: 'other', text: `Cannot connect to ${where}: ${message}.` };
}

/** Whether a key (a new one, or one at all) is what the user must give. */
export function needsApiKey(kind: ConnectionProblemKind): boolean {
  return kind === 'needs-key' || kind === 'key-refused' || kind === 'forbidden';
}

