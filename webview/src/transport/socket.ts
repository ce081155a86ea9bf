// In a plain browser (the page the server serves at /, or under a reverse proxy's prefix): connect to the server's
// Socket.IO ourselves, make historical queries with fetch below the same address, and keep the selection in the URL
// (a shareable link). `url` is the server's address including any prefix (serverUrlOfPage), never the bare origin:
// behind https://host/ringside/ the socket is /ringside/socket.io and the API /ringside/api/v1.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ComplianceReport, DashboardAskOptions, DashboardMessage, DashboardRequest, DashboardRequestKind, DashboardResponseBodies, ServerToClientEvents, Snapshot } from '@ringside/server/protocol';
// The values come from the zod-free entry: the protocol's index would pull zod's schemas into the page's bundle.
import { backoffSettings, CONNECT_TIMEOUT_MS, describeConnectionProblem, fetchDashboard, needsApiKey, ServerDisconnectRetry, socketAddress } from '@ringside/server/protocol/pure';
import { searchWithSelection, selectionFromSearch, type DashboardSelection } from '../selection';
import { takeAddressKey, type AddressKeySources } from './addressKey';
import { bodyOf, RequestError, type Transport } from './transport';
import { firstPaintResponse, firstPaintUrl } from './firstPaintRequest';

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
  history?: Pick<History, 'pushState' | 'replaceState' | 'state'>;
  /**
   * The server's refusal of the page's key, written into the page (readKeyRefusal): no socket is opened and no
   * query sent until the user gives a key (useKey).
   */
  keyRefused?: string | null;
  /**
   * The key was not checked by the server when it served the page (one after '#' in the address, or kept by this
   * tab): its socket's handshake tries it before any query is sent with it.
   */
  keyUnchecked?: boolean;
  /** What the server wrote into the page for its first paint (readFirstPaint): shown before the socket opens. */
  firstPaint?: FirstPaint | null;
  /**
   * For a key the server did not see: its answer to GET first-paint with that key (askFirstPaint), on its way. The
   * page waits for it before it opens anything: its first paint, shown as the written one is, or its refusal of the
   * key; where it says neither (null), the socket's handshake tries the key as without it.
   */
  pageAnswer?: Promise<PageAnswer | null> | null;
}

/** What the server says of a page's key and selection: at most one of the two is set. */
interface PageAnswer {
  firstPaint: FirstPaint | null;
  keyRefused: string | null;
}

/** The page's first paint as the server embeds it (server/src/http/firstPaint.ts). */
export interface FirstPaint {
  snapshot: Snapshot;
  report: { request: DashboardRequest<'compliance'>; body: ComplianceReport } | null;
}

/** The id of the JSON block the server writes into the page. */
export const FIRST_PAINT_ID = 'rs-first-paint';

/** The page's first paint data, or null (none embedded: VS Code, an unauthenticated page, an older server). */
export function readFirstPaint(doc: Pick<Document, 'getElementById'>): FirstPaint | null {
  const text = doc.getElementById(FIRST_PAINT_ID)?.textContent;
  if (!text) return null;
  try {
    return firstPaintOf(JSON.parse(text));
  } catch {
    return null;
  }
}

function firstPaintOf(value: unknown): FirstPaint | null {
  const data = value as Partial<FirstPaint> | null;
  return data && typeof data.snapshot === 'object' && data.snapshot !== null ? { snapshot: data.snapshot, report: data.report ?? null } : null;
}

/**
 * Asks the server at once for what it would have written into the page had it seen the key (GET first-paint, the
 * key in the Authorization header, never in the address; the selection as the page's address has it): its first
 * paint, or its refusal of the key (the API's 401 or 403, the browser's one failed-request line in the console).
 * Null where it says neither (it read nothing in time, or could not be asked): the page then goes on as without it.
 */
async function askFirstPaint(serverUrl: string, search: string, key: string, doFetch: typeof fetch): Promise<PageAnswer | null> {
  try {
    const res = await firstPaintResponse(firstPaintUrl(serverUrl, search), key, doFetch);
    if (res.status === 401 || res.status === 403) return { firstPaint: null, keyRefused: await refusalWords(res) };
    if (!res.ok) return null;
    const data = (await res.json()) as { firstPaint?: unknown } | null;
    const firstPaint = firstPaintOf(data?.firstPaint ?? null);
    return firstPaint ? { firstPaint, keyRefused: null } : null;
  } catch {
    return null;
  }
}

/**
 * A refusal of the key (the API's 401 or 403 problem details) in the live feed's words, as its handshake would have
 * refused it ("unauthorized: the API key is not recognised"), which the page shows as it shows the handshake's
 * (describeConnectionProblem).
 */
async function refusalWords(res: Response): Promise<string> {
  const problem = (await res.json().catch(() => null)) as { detail?: unknown } | null;
  return `${res.status === 403 ? 'forbidden' : 'unauthorized'}: ${typeof problem?.detail === 'string' ? problem.detail : ''}`;
}

/** The id of the block the server writes instead where the page's key is missing or refused (http/firstPaint.ts). */
const KEY_REFUSED_ID = 'rs-key-refused';

/** The live feed's refusal of the page's key as the server wrote it into the page (its socket's words), or null. */
function readKeyRefusal(doc: Pick<Document, 'getElementById'>): string | null {
  const text = doc.getElementById(KEY_REFUSED_ID)?.textContent;
  if (!text) return null;
  try {
    const data = JSON.parse(text) as { message?: unknown } | null;
    return typeof data?.message === 'string' && data.message !== '' ? data.message : null;
  } catch {
    return null;
  }
}

/**
 * The browser page's key (its address's, taken out of the address: addressKey.ts) and what the server wrote into the
 * page (http/firstPaint.ts): its first paint, or, where the key it saw in the page's address is missing or would be
 * refused, that refusal; at most one of them. The server never sees a key after '#' (nor the one this tab kept), so
 * its refusal is not about such a key: the page asks the server the same with that key at once (askFirstPaint), the
 * one request the head's script has usually started already. So does a page whose `#token=` wins over a `?token=`
 * beside it, whatever the server wrote into the page for that other key.
 */
export function readPage(
  doc: Pick<Document, 'getElementById'>,
  serverUrl: string,
  sources: AddressKeySources,
  doFetch: typeof fetch = (input, init) => fetch(input, init),
): Pick<SocketTransportOptions, 'token' | 'firstPaint' | 'keyRefused' | 'keyUnchecked' | 'pageAnswer'> {
  const { key, seenByServer, serverSawAnother } = takeAddressKey(serverUrl, sources);
  // What the server wrote into the page is about the key it saw: nothing of it is about a '#' key that wins over it.
  const firstPaint = serverSawAnother ? null : readFirstPaint(doc);
  const pageAnswer = key && !seenByServer && !firstPaint ? askFirstPaint(serverUrl, sources.location.search, key, doFetch) : null;
  return { token: key, firstPaint, keyRefused: firstPaint || !seenByServer ? null : readKeyRefusal(doc), keyUnchecked: !seenByServer, pageAnswer };
}

/**
 * socket.io-client takes a URL's path as a namespace: the prefix goes into `path` instead.
 *
 * WebSocket first, long-polling where a WebSocket cannot be opened: the server refuses a key in its answer to the
 * connection request, over a transport already open, and the client then closes that transport. Closing an open
 * WebSocket is silent; closing a long-polling session is not, as its WebSocket probe is still connecting then
 * ("WebSocket is closed before the connection is established") and its pending poll is answered 400, both logged
 * in the console beside the page's own words (docs/dashboard.md, "A refused key"). A WebSocket refused on the way
 * (a proxy that does not pass `Upgrade`) falls back to long-polling in the same attempt (tryAllTransports); one
 * held unanswered is no error to fall back from, so after an attempt that timed out the next ones start with
 * long-polling, socket.io-client's own order.
 */
export function openSocket(url: string, token: string | null): DashboardSocket {
  const { origin, path } = socketAddress(url);
  const socket: DashboardSocket = io(origin, { path, transports: ['websocket', 'polling'], tryAllTransports: true, timeout: CONNECT_TIMEOUT_MS, ...(token ? { auth: { token } } : {}) });
  socket.on('connect_error', (error) => {
    if (error.message === 'timeout') socket.io.opts.transports = ['polling', 'websocket'];
  });
  return socket;
}

/** A socket transport the page can set going before the dashboard is mounted (see early.ts). */
export interface EarlySocketTransport extends Transport {
  /** Opens the socket now; its messages wait for start(). */
  connectNow(): void;
  /** Sends this query now; the next request(), if it is for the same query, takes its answer. */
  askNow(request: DashboardRequest): void;
  /** The key the page uses now: its address's (readPage), or the one given to useKey (the export downloads send it too). */
  key(): string | null;
}

export function socketTransport(url: string, options: SocketTransportOptions = {}): EarlySocketTransport {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const location = options.location ?? (typeof window !== 'undefined' ? window.location : null);
  const history = options.history ?? (typeof window !== 'undefined' ? window.history : null);
  const key = new PageKey(url, options);
  // Set while Back or Forward shows its entry's selection again (followingBackAndForward).
  const travel = { restoring: false };
  // The socket opened by connectNow, with what it delivered before start() gave it a receiver.
  let early: EarlySocket | null = null;
  const asked = new Map<string, Promise<unknown>>();
  let firstPaint = options.firstPaint ?? null;
  // A painted page's other queries leave with its socket, after the frame that draws the first paint: asked at once,
  // they were sent while the page evaluated and answered while it drew, both on the same two cores.
  let painted: () => void = () => {};
  // The server's answer for a key it did not see: once in, it is what the page would have carried (readPage).
  const answered = options.pageAnswer
    ? hear(options.pageAnswer, (answer) => {
        firstPaint = answer?.firstPaint ?? null;
        key.heard(answer);
        if (!firstPaint) painted();
      })
    : null;
  // The embedded report is the answer to the page's first request if that is the same query.
  if (firstPaint?.report) asked.set(JSON.stringify(firstPaint.report.request), Promise.resolve(firstPaint.report.body));
  const afterPaint = firstPaint || answered ? new Promise<void>((resolve) => (painted = resolve)) : null;
  const fetchBody = bodyFetcher(url, key, doFetch);
  const startLive = (deliver: (message: DashboardMessage) => void): (() => void) => {
    if (early) return takeEarly(early, deliver, () => (early = null));
    if (firstPaint) return startPainted(firstPaint.snapshot, deliver, () => (painted(), followSocket(url, key.watched(deliver), key.auth, options)), url);
    return followSocket(url, key.watched(deliver), key.auth, options);
  };
  const start = (deliver: (message: DashboardMessage) => void) => key.start(deliver, startLive);
  return {
    host: 'browser',
    connectNow() {
      if (early) return;
      const opened: EarlySocket = { stop: () => {}, held: [], deliver: null };
      early = opened;
      opened.stop = followSocket(url, key.watched((message) => (opened.deliver ? opened.deliver(message) : opened.held.push(message))), key.auth, options);
    },
    askNow(request) {
      // With the server's answer on its way, its report, if it is this query's, is this one's answer.
      const answer = answered ? answered.then((heard) => reportAnswer(heard?.firstPaint ?? null, request) ?? fetchBody(request)) : fetchBody(request);
      // Nobody may ever take it (the selection changed first): its failure is not an unhandled rejection.
      answer.catch(() => undefined);
      asked.set(JSON.stringify(request), answer);
    },
    start: (deliver) => followingBackAndForward(location, history, travel, deliver, answered ? startAnswered(answered, deliver, start, url) : start(deliver)),
    useKey: (typed) => key.use(typed),
    key: () => key.auth.token,
    reportRendered() {
      // Nobody to tell in a browser tab.
    },
    request<K extends DashboardRequestKind>(request: DashboardRequest<K>, ask?: DashboardAskOptions): Promise<DashboardResponseBodies[K]> {
      // Only the page's first request may take an answer asked before it (the same query, made at once on mounting);
      // any later one is fetched, so an answer left over from then is never shown as today's.
      const answer = asked.get(JSON.stringify(request));
      asked.clear();
      if (answer) return answer as Promise<DashboardResponseBodies[K]>;
      return afterPaint ? afterPaint.then(() => fetchBody(request, ask)) : fetchBody(request, ask);
    },
    loadSelection() {
      return location ? selectionFromSearch(location.search) : null;
    },
    saveSelection(selection) {
      if (location && history) writeSelection(location, history, selection, travel.restoring);
    },
  };
}

/**
 * The selection into the page's address: a new entry of the tab's history per change (followingBackAndForward). The
 * entry Back or Forward went to (`restoring`) stands for this selection already, only written otherwise (an address
 * the page did not write: its parameters in another order, a default spelt out, a range it could not use): it is
 * written over in the page's own form, as a new entry would wipe out Forward.
 */
function writeSelection(location: Pick<Location, 'search' | 'pathname' | 'hash'>, history: Pick<History, 'pushState' | 'replaceState' | 'state'>, selection: DashboardSelection, restoring: boolean): void {
  const search = searchWithSelection(location.search, selection);
  if (search === location.search) return;
  const address = `${location.pathname}${search}${location.hash}`;
  if (restoring) history.replaceState(history.state, '', address);
  else history.pushState(null, '', address);
}

/**
 * Back and Forward through the selections the page wrote into its address: saveSelection pushes an entry per change
 * (replaced in place, Back would leave the dashboard), and going to one shows its selection again, `travel.restoring`
 * meanwhile so that showing it pushes no entry. Only this page's own history moves that way (not one given for a
 * test). Returns `stop`, which then also stops following.
 */
function followingBackAndForward(
  location: Pick<Location, 'search'> | null,
  history: unknown,
  travel: { restoring: boolean },
  deliver: (message: DashboardMessage) => void,
  stop: () => void,
): () => void {
  if (typeof window === 'undefined' || !location || history !== window.history) return stop;
  const restore = () => {
    travel.restoring = true;
    try {
      deliver({ type: 'select', selection: selectionFromSearch(location.search) });
    } finally {
      travel.restoring = false;
    }
  };
  window.addEventListener('popstate', restore);
  return () => {
    window.removeEventListener('popstate', restore);
    stop();
  };
}

/**
 * The page's key and the live feed it opens: the key in the page's address, replaced by one given to use() (kept
 * in memory only), which replaces the feed with a socket opened with it. A key nobody has checked yet (one given
 * there, or an address's key the server did not see: `keyUnchecked`) is tried by that socket's handshake first:
 * queries wait for its answer and are not sent at all if it refuses the key (a mistyped key is refused once, not
 * once more per query).
 */
class PageKey {
  readonly auth: SocketAuth;
  /** The server's refusal of the page's key, written into the page: nothing is opened until a key is given. */
  private refused: string | null;
  private receiver: ((message: DashboardMessage) => void) | null = null;
  private stopLive: () => void = () => {};
  /** The handshake's answer to the key being tried, which queries wait for; null when none was ever tried. */
  private tried: Promise<void> | null = null;
  /** How to settle `tried`, until the socket that tries the key is opened (watched). */
  private settle: Verdict | null = null;

  constructor(
    private readonly url: string,
    private readonly options: SocketTransportOptions,
  ) {
    this.auth = { token: options.token ?? null };
    this.refused = options.keyRefused ?? null;
    // Set before anything is asked: a query asked at once (askNow) waits as well.
    if (options.keyUnchecked && this.auth.token) this.expectVerdict();
  }

  /** Delivers what `open` starts, or, while the server refuses the page's key, that refusal alone. */
  start(deliver: (message: DashboardMessage) => void, open: (deliver: (message: DashboardMessage) => void) => () => void): () => void {
    this.receiver = deliver;
    if (this.refused === null) this.stopLive = open(deliver);
    else deliver({ type: 'connection', state: 'disconnected', serverUrl: this.url, error: this.refused });
    return () => {
      this.receiver = null;
      this.stopLive();
    };
  }

  use(key: string): void {
    this.auth.token = key;
    this.refused = null;
    if (!this.receiver) return;
    this.stopLive();
    this.expectVerdict();
    this.stopLive = followSocket(this.url, this.watched(this.receiver), this.auth, this.options);
  }

  /** The handshake's answer to a key being tried, while queries must wait for it; null when there is none. */
  trying(): Promise<void> | null {
    return this.tried;
  }

  /**
   * A socket's receiver: `deliver`, and, for the first socket opened while a key is being tried, its handshake's
   * answer settles the wait: resolved once it connects, rejected (as a 401 or 403, never sent) once it refuses.
   */
  watched(deliver: (message: DashboardMessage) => void): (message: DashboardMessage) => void {
    const settle = this.settle;
    if (!settle) return deliver;
    this.settle = null;
    return (message) => {
      if (message.type === 'connection' && message.state === 'connected') settle.accept();
      if (message.type === 'connection' && message.state === 'disconnected' && message.error !== undefined) {
        const refused = keyRefusalError(this.url, message.error);
        if (refused) settle.refuse(refused);
      }
      deliver(message);
    };
  }

  /**
   * The server's answer to GET first-paint for a key being tried (readPage): its first paint accepts the key, its
   * refusal refuses it as a refusal written into the page does (nothing is opened until a key is given). With
   * neither, or once a socket has taken the wait (watched), the handshake still decides.
   */
  heard(answer: PageAnswer | null): void {
    const settle = this.settle;
    if (!answer || !settle) return;
    this.settle = null;
    const refused = answer.keyRefused === null ? null : keyRefusalError(this.url, answer.keyRefused);
    if (!refused) return settle.accept();
    this.refused = answer.keyRefused;
    settle.refuse(refused);
  }

  private expectVerdict(): void {
    const verdict = new Promise<void>((accept, refuse) => (this.settle = { accept, refuse }));
    // Nobody may be waiting on it: its refusal is not an unhandled rejection.
    verdict.catch(() => undefined);
    this.tried = verdict;
  }
}

/** The server's answer, handed to `apply` once in (none where it could not be had), then passed on. */
function hear(answer: Promise<PageAnswer | null>, apply: (answer: PageAnswer | null) => void): Promise<PageAnswer | null> {
  return answer
    .catch(() => null)
    .then((heard) => {
      apply(heard);
      return heard;
    });
}

/** A query's answer, fetched with the page's key as it is when the query leaves. */
function bodyFetcher(url: string, key: PageKey, doFetch: typeof fetch) {
  return async <K extends DashboardRequestKind>(request: DashboardRequest<K>, ask?: DashboardAskOptions): Promise<DashboardResponseBodies[K]> => {
    // Only for a key being tried (typed, or after '#'); otherwise a query asked early (askNow) leaves at once, while
    // the page's script evaluates.
    const trying = key.trying();
    if (trying) await trying;
    return bodyOf(await fetchDashboard(request, { serverUrl: url, apiKey: key.auth.token, fetch: doFetch, init: { cache: 'no-store' }, periodic: ask?.periodic === true }));
  };
}

/** A live feed's refusal of a key, as the 401 or 403 a query with that key would get (never sent); null for another error. */
function keyRefusalError(url: string, error: string): RequestError | null {
  const problem = describeConnectionProblem(url, error);
  return needsApiKey(problem.kind) ? new RequestError({ type: 'about:blank', title: 'Refused', status: problem.kind === 'forbidden' ? 403 : 401, detail: problem.text }) : null;
}

/** The report the server gave with its first paint, as the answer to `request` if that is its query. */
function reportAnswer(firstPaint: FirstPaint | null, request: DashboardRequest): Promise<unknown> | null {
  const report = firstPaint?.report;
  return report && JSON.stringify(report.request) === JSON.stringify(request) ? Promise.resolve(report.body) : null;
}

/**
 * A page waiting for the server's answer for its key (askFirstPaint): connecting meanwhile, then started as the page
 * would have been with that answer written into it (`start`): painted first, or asking for a key.
 */
function startAnswered(answered: Promise<unknown>, deliver: (message: DashboardMessage) => void, start: (deliver: (message: DashboardMessage) => void) => () => void, url: string): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  deliver({ type: 'connection', state: 'connecting', serverUrl: url });
  void answered.then(() => {
    if (!stopped) stop = start(deliver);
  });
  return () => {
    stopped = true;
    stop?.();
  };
}

interface Verdict {
  accept: () => void;
  refuse: (error: RequestError) => void;
}

/** Hands the socket connectNow opened to `deliver`, what it held first; the returned function closes it. */
function takeEarly(opened: EarlySocket, deliver: (message: DashboardMessage) => void, forget: () => void): () => void {
  opened.deliver = deliver;
  for (const message of opened.held.splice(0)) deliver(message);
  return () => {
    forget();
    opened.stop();
  };
}

/** The socket connectNow opened: what it delivered before start() named a receiver, and how to close it. */
interface EarlySocket {
  stop: () => void;
  held: DashboardMessage[];
  deliver: ((message: DashboardMessage) => void) | null;
}

/**
 * Shows the embedded snapshot, then opens the socket once the frame that draws it has begun: the socket's set-up
 * does not hold back the first paint, and its own snapshot replaces this one when it connects. A page that gets
 * no frames (a background tab) opens it after a short wait instead.
 */
function startPainted(snapshot: Snapshot, deliver: (message: DashboardMessage) => void, open: () => () => void, url: string): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  const connecting: DashboardMessage = { type: 'connection', state: 'connecting', serverUrl: url };
  const openOnce = () => {
    if (stopped || stop) return;
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
    stop = open();
  };
  // After the caller's first (empty) render: the snapshot's render then is the next frame's, with the report's
  // answer (a resolved promise) already in. The snapshot marks the page connected; the socket is not, yet.
  queueMicrotask(() => {
    if (stopped) return;
    deliver(connecting);
    deliver({ type: 'snapshot', snapshot });
    deliver(connecting);
  });
  const frame = requestAnimationFrame(() => setTimeout(openOnce, 0));
  const fallback = setTimeout(openOnce, OPEN_WITHOUT_FRAME_MS);
  return () => {
    stopped = true;
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
    stop?.();
  };
}

/** How long a painted page without animation frames waits before it opens its socket anyway. */
const OPEN_WITHOUT_FRAME_MS = 250;

/** The key the page uses, replaced when the user gives one in the page's key field. */
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
  // A refused key (missing, unknown, revoked, without scope read) is not retried by socket.io: the page shows the
  // refusal and its key field (views/keyEntry.ts), and useKey connects again with the key given there.
  socket.on('connect_error', (error) => deliver(connection('disconnected', error.message)));
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
