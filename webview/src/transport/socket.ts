// In a plain browser (the page the server serves at /, or under a reverse proxy's prefix): connect to the server's
// Socket.IO ourselves, make historical queries with fetch below the same address, and keep the selection in the URL
// (a shareable link). `url` is the server's address including any prefix (serverUrlOfPage), never the bare origin:
// behind https://host/ringside/ the socket is /ringside/socket.io and the API /ringside/api/v1.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DashboardMessage, DashboardRequest, DashboardRequestKind, DashboardResponseBodies, ServerToClientEvents } from '@ringside/server/protocol';
// The values come from the zod-free entry: the protocol's index would pull zod's schemas into the page's bundle.
import { backoffSettings, describeConnectionProblem, fetchDashboard, ServerDisconnectRetry, socketAddress } from '@ringside/server/protocol/pure';
import { searchWithSelection, selectionFromSearch } from '../selection';
import { bodyOf, type Transport } from './transport';
import { needsKey, promptForKey, type AskKey } from './keyPrompt';

export type DashboardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SocketTransportOptions {
  /** Sent as `auth: { token }` in the handshake and as `Authorization: Bearer` on queries. */
  token?: string | null;
  /** For tests: how to open the socket. */
  connect?: (url: string, token: string | null) => DashboardSocket;
  /** For tests: the fetch to query with (default: the page's). */
  fetch?: typeof fetch;
  /** Where the selection lives (default: this page's location and history). */
  location?: Pick<Location, 'search' | 'pathname' | 'hash'>;
  history?: Pick<History, 'replaceState'>;
  /** Asked for a key when the server refuses the socket for want of one (default: window.prompt). */
  askKey?: AskKey;
}

/** socket.io-client takes a URL's path as a namespace: the prefix goes into `path` instead. */
export function openSocket(url: string, token: string | null): DashboardSocket {
  const { origin, path } = socketAddress(url);
  return io(origin, { path, ...(token ? { auth: { token } } : {}) });
}

/** A socket transport the page can set going before the dashboard is mounted (see early.ts). */
export interface EarlySocketTransport extends Transport {
  /** Opens the socket now; its messages wait for start(). */
  connectNow(): void;
  /** Sends this query now; the next request(), if it is for the same query, takes its answer. */
  askNow(request: DashboardRequest): void;
}

export function socketTransport(url: string, options: SocketTransportOptions = {}): EarlySocketTransport {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const location = options.location ?? (typeof window !== 'undefined' ? window.location : null);
  const history = options.history ?? (typeof window !== 'undefined' ? window.history : null);
  // A key typed into the prompt replaces it (memory only), for the socket and for queries.
  const auth: SocketAuth = { token: options.token ?? null };
  // The socket opened by connectNow, with what it delivered before start() gave it a receiver.
  let early: EarlySocket | null = null;
  const asked = new Map<string, Promise<unknown>>();
  const fetchBody = async <K extends DashboardRequestKind>(request: DashboardRequest<K>) =>
    bodyOf(await fetchDashboard(request, { serverUrl: url, apiKey: auth.token, fetch: doFetch, init: { cache: 'no-store' } }));
  return {
    host: 'browser',
    connectNow() {
      if (early) return;
      const opened: EarlySocket = { stop: () => {}, held: [], deliver: null };
      early = opened;
      opened.stop = followSocket(url, (message) => (opened.deliver ? opened.deliver(message) : opened.held.push(message)), auth, options);
    },
    askNow(request) {
      const answer = fetchBody(request);
      // Nobody may ever take it (the selection changed first): its failure is not an unhandled rejection.
      answer.catch(() => undefined);
      asked.set(JSON.stringify(request), answer);
    },
    start(deliver) {
      if (!early) return followSocket(url, deliver, auth, options);
      const opened = early;
      opened.deliver = deliver;
      for (const message of opened.held.splice(0)) deliver(message);
      return () => {
        early = null;
        opened.stop();
      };
    },
    reportRendered() {
      // Nobody to tell in a browser tab.
    },
    request<K extends DashboardRequestKind>(request: DashboardRequest<K>): Promise<DashboardResponseBodies[K]> {
      // Only the page's first request may take an answer asked before it (the same query, made at once on mounting);
      // any later one is fetched, so an answer left over from then is never shown as today's.
      const answer = asked.get(JSON.stringify(request));
      asked.clear();
      return answer ? (answer as Promise<DashboardResponseBodies[K]>) : fetchBody(request);
    },
    loadSelection() {
      return location ? selectionFromSearch(location.search) : null;
    },
    saveSelection(selection) {
      if (!location || !history) return;
      const search = searchWithSelection(location.search, selection);
      if (search === location.search) return;
      history.replaceState(history === window.history ? window.history.state : null, '', `${location.pathname}${search}${location.hash}`);
    },
  };
}

/** The socket connectNow opened: what it delivered before start() named a receiver, and how to close it. */
interface EarlySocket {
  stop: () => void;
  held: DashboardMessage[];
  deliver: ((message: DashboardMessage) => void) | null;
}

/** The key the page uses, replaced when the user types one into the prompt. */
interface SocketAuth {
  token: string | null;
}

/** Opens the socket and delivers its connection states and messages until the returned stop is called. */
function followSocket(url: string, deliver: (message: DashboardMessage) => void, auth: SocketAuth, options: SocketTransportOptions): () => void {
  const connection = (state: 'connecting' | 'connected' | 'disconnected', error?: string): DashboardMessage =>
    error === undefined ? { type: 'connection', state, serverUrl: url } : { type: 'connection', state, serverUrl: url, error };
  deliver(connection('connecting'));
  const socket = (options.connect ?? openSocket)(url, auth.token);
  // socket.io-client retries every lost connection except one the server ended on purpose; come back from
  // those too (a server shutting down the old way, a revoked key: then the handshake refusal below shows).
  const kicked = new ServerDisconnectRetry();
  socket.on('connect', () => {
    kicked.connected();
    deliver(connection('connected'));
  });
  socket.on('disconnect', (reason) => {
    deliver(connection('disconnected', reason));
    kicked.disconnected(reason, backoffSettings(socket.io), () => {
      deliver(connection('connecting'));
      socket.connect();
    });
  });
  socket.on('connect_error', (error) => {
    deliver(connection('disconnected', error.message));
    // Refused by the server's key check: socket.io does not retry those; ask for a key, then retry with it.
    if (!needsKey(error.message)) return;
    const key = (options.askKey ?? promptForKey)(describeConnectionProblem(url, error.message).text);
    if (key === null) return;
    auth.token = key;
    socket.auth = { token: key };
    deliver(connection('connecting'));
    socket.connect();
  });
  socket.io.on('reconnect_attempt', () => deliver(connection('connecting')));
  socket.on('snapshot', (snapshot) => deliver({ type: 'snapshot', snapshot }));
  socket.on('judged', (events) => deliver({ type: 'judged', events }));
  socket.on('compliance', (update) => deliver({ type: 'compliance', update }));
  socket.on('incident', (update) => deliver({ type: 'incident', update }));
  socket.on('clocks', (update) => deliver({ type: 'clocks', update }));
  return () => {
    kicked.cancel();
    socket.removeAllListeners();
    socket.io.removeAllListeners();
    socket.disconnect();
  };
}

/** The page may carry a key as ?token=… (e.g. a wallboard URL); it is never put in storage. */
export function tokenFromLocation(location: Location): string | null {
  return new URLSearchParams(location.search).get('token');
}
