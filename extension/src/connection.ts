// The extension host is the Socket.IO client (a webview cannot reach the server's socket in remote setups);
// it turns server events into DashboardMessage objects for the panel and remembers the current state.
// Reconnects with backoff (socket.io-client's own: 1 s doubling to 5 s, ±50 % jitter; the same after the server
// ended the connection on purpose, which socket.io-client alone does not retry: protocol/pure/reconnect.ts)
// and, after any disconnect, catches up with `replay` from the last event seq and incident change seq it saw, so
// nothing is missed.
import { io, type Socket } from 'socket.io-client';
import type {
  ClockBreach,
  ClientToServerEvents,
  ClocksUpdate,
  ConnectionState,
  DashboardMessage,
  Incident,
  IncidentUpdate,
  JudgedEvent,
  OpenClock,
  ReplayResponse,
  ServerToClientEvents,
  Snapshot,
} from '@ringside/server/protocol';
import {
  applyIncidentUpdate,
  backoffSettings,
  CONNECT_TIMEOUT_MS,
  openIncidentsOf,
  ServerDisconnectRetry,
  snapshotSiteNames,
  socketAddress,
  withSiteNames,
  type SiteNames,
} from '@ringside/server/protocol/pure';
import { Listeners } from './listeners';
import { applyClocks, applyCompliance, applyJudged } from './liveState';
import { extensionProblem, type ExtensionProblem, type Reconnecting } from './problems';

/** Where the live connection goes for a server URL (its proxy prefix as the Socket.IO path). */
export { socketAddress };

type RingsideSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Pages of replay asked for in one catch-up (5,000 events each); beyond that the snapshot speaks for the gap. */
const MAX_REPLAY_PAGES = 20;
/** Event seqs remembered for inspection (tests, diagnostics). */
const SEQ_LOG_LIMIT = 20_000;

export interface EventBatch {
  events: JudgedEvent[];
  /** True when they came from a catch-up after a disconnect, not live. */
  replayed: boolean;
}

export interface IncidentBatch {
  /** Changes not seen before, in change seq order, each with its incident after it. */
  updates: IncidentUpdate[];
  replayed: boolean;
}

export interface ClocksBatch {
  /** Deadlines that passed on open cases, as the server pushed them (live only: breaches are not replayed). */
  breaches: ClockBreach[];
  update: ClocksUpdate;
}

export interface CatchUp {
  events: number;
  /** Incident changes caught up on. */
  incidents: number;
  pages: number;
  /** More was missed than MAX_REPLAY_PAGES carry, or the server's history restarted (a new data folder). */
  gap: boolean;
  at: string;
}

/** Where the client is in the server's history; kept across disconnects from the same server. */
interface Cursor {
  serverUrl: string;
  lastSeq: number;
  lastIncidentChange: number;
}

export class RingsideConnection {
  private socket: RingsideSocket | undefined;
  /** Brings the socket back after the server ended it on purpose (socket.io-client alone would stay offline). */
  private kicked: ServerDisconnectRetry | undefined;
  private token: string | undefined;
  private readonly messages = new Listeners<DashboardMessage>();
  private readonly eventBatches = new Listeners<EventBatch>();
  private readonly incidentBatches = new Listeners<IncidentBatch>();
  private readonly catchUps = new Listeners<CatchUp>();
  private readonly clockBatches = new Listeners<ClocksBatch>();
  private current: { state: ConnectionState; serverUrl: string; error?: string } = { state: 'disconnected', serverUrl: '' };
  private latest: Snapshot | undefined;
  private cursor: Cursor | undefined;
  /** Live events and incident changes that arrived while a replay was in flight; applied after it, in seq order. */
  private held: { events: JudgedEvent[]; incidents: IncidentUpdate[] } | undefined;
  private readonly seqLog: number[] = [];
  /**
   * The seqs of seqLog, to tell an event already applied from one that arrives late. With several nodes an event can
   * arrive after one with a higher seq (a node's own push reaching its clients after another node's, relayed by
   * Redis, for an event that committed later): a cursor alone ("seq ≤ the newest seen: had it") would drop it.
   */
  private readonly seenSeqs = new Set<number>();
  /** The server's open incidents, by id. */
  private open = new Map<number, Incident>();

  /**
   * `isOwnLocalServer`: whether a URL is the local server this extension started (LocalServer.ran), the only one
   * "Start Local Server" brings back when it is lost; a server started in a terminal is not.
   */
  constructor(private readonly isOwnLocalServer: (serverUrl: string) => boolean = () => false) {}
  /**
   * Display names by site id, folded as the dashboard folds them (protocol/pure/labels.ts): the snapshot's `sites`,
   * then each incident change's siteName. Every view of the extension names a site by siteLabel with these, so the
   * tree, the status bar and the notifications call a site what the dashboard calls it.
   */
  private names: SiteNames = new Map();
  private lastCatchUp: CatchUp | undefined;
  /** When the live connection to the current server was lost; undefined unless the client is retrying after a loss. */
  private lostAt: number | undefined;

  /** Every message for the dashboard, in order: connection changes, snapshot, judged, compliance. */
  readonly onMessage = this.messages.event;
  /**
   * Every judged event exactly once (live, and replayed after a disconnect), in seq order but for one arriving late:
   * with several nodes, an event can arrive after another node's event with a higher seq.
   */
  readonly onEvents = this.eventBatches.event;
  /** Every incident change not seen before (live, and replayed after a disconnect), and the open set after a snapshot. */
  readonly onIncidents = this.incidentBatches.event;
  /** After each catch-up (also an empty one). */
  readonly onCatchUp = this.catchUps.event;
  /** Every live `clocks` update (open cases changed, deadlines passed). */
  readonly onClocks = this.clockBatches.event;

  get state(): ConnectionState {
    return this.current.state;
  }

  get serverUrl(): string {
    return this.current.serverUrl;
  }

  /**
   * What socket.io-client (or the extension) reported, as is: for logs and tests. While reconnecting after a loss it
   * stays the reason the connection was lost ("transport close"): each failed retry ("xhr poll error") is the same
   * outage, not a new problem.
   */
  get error(): string | undefined {
    return this.current.error;
  }

  /** Why the connection is not up, in plain words naming the server and what to do; undefined while connected. */
  get problem(): ExtensionProblem | undefined {
    const { state, serverUrl, error } = this.current;
    return state === 'connected' || error === undefined ? undefined : extensionProblem(serverUrl, error, this.isOwnLocalServer(serverUrl));
  }

  /**
   * Set while the connection that was up is lost and the client keeps retrying (after a server restart or deploy, a
   * network drop, the server ending it on purpose); undefined when connected, never connected to this server, or
   * given up (the key refused, the user disconnected).
   */
  get reconnecting(): Reconnecting | undefined {
    if (this.current.state === 'connected' || this.lostAt === undefined) return undefined;
    return { since: this.lostAt, figuresAt: this.latest?.serverTime };
  }

  /** Whether the views show figures: live ones, or the last ones while reconnecting. */
  get showsFigures(): boolean {
    return this.current.state === 'connected' || this.reconnecting !== undefined;
  }

  /** The API key in use (from SecretStorage or a local server's admin.key), for HTTP calls. */
  get apiKey(): string | undefined {
    return this.token;
  }

  /** The last snapshot with all later updates applied; undefined until the first snapshot arrives. */
  get snapshot(): Snapshot | undefined {
    return this.latest;
  }

  /** The newest event seq seen from this server (undefined before the first catch-up answer). */
  get lastSeq(): number | undefined {
    return this.cursor?.lastSeq;
  }

  /** Seqs of every event received since the extension started (bounded), in order: a gap would show here. */
  receivedSeqs(): readonly number[] {
    return this.seqLog;
  }

  get lastCatchUpResult(): CatchUp | undefined {
    return this.lastCatchUp;
  }

  /** The server's open incidents (the snapshot's, with every later change applied), worst first. */
  openIncidents(): Incident[] {
    return openIncidentsOf(this.open.values());
  }

  /** Display names of the server's sites by id (siteLabel turns an id into what every view shows). */
  get siteNames(): SiteNames {
    return this.names;
  }

  /** The server's open cases now (the snapshot's, with every later `clocks` update applied), oldest first. */
  openClocks(): OpenClock[] {
    return this.latest?.openClocks ?? [];
  }

  /** What a freshly loaded dashboard needs to show the current picture. */
  currentMessages(): DashboardMessage[] {
    const connection = this.connectionMessage();
    // The connection's state last: a page takes a snapshot for a connection that is up (it is sent on connect), so a
    // panel opened while this connection is lost and retrying must hear that after the cached snapshot, not before.
    return this.latest ? [{ type: 'snapshot', snapshot: this.latest }, connection] : [connection];
  }

  /**
   * Connects to `serverUrl` with `apiKey` (sent as `auth: { token }`). Keeps a live (or still connecting) socket to
   * the same URL and key, so repeated calls are cheap; anything else starts a fresh socket.
   */
  connect(serverUrl: string, apiKey?: string): void {
    const sameKey = (apiKey || undefined) === this.token;
    if (this.socket && sameKey && serverUrl === this.current.serverUrl && this.current.state !== 'disconnected') return;
    this.closeSocket();
    this.token = apiKey || undefined;
    this.latest = undefined;
    this.lostAt = undefined;
    // A different server has a different history: start over. The same one: catch up from where we were.
    if (this.cursor && this.cursor.serverUrl !== serverUrl) this.startCounting(undefined);
    if (!this.cursor) {
      this.open = new Map();
      this.names = new Map();
    }
    let address: { origin: string; path: string };
    try {
      address = socketAddress(serverUrl);
    } catch {
      // A hand-edited setting can hold anything; say so instead of failing activation.
      this.setState('disconnected', serverUrl, 'not a valid http(s) URL');
      return;
    }
    this.setState('connecting', serverUrl);
    this.socket = this.openSocket(serverUrl, address);
  }

  /** Closes the connection on purpose (the Disconnect command); Connect (same server) catches up. */
  disconnect(): void {
    this.closeSocket();
    this.lostAt = undefined;
    this.setState('disconnected', this.current.serverUrl, 'disconnected');
  }

  /** Drops the transport as a network failure would; socket.io-client then reconnects with backoff (the test API's dropConnection). */
  simulateNetworkDrop(): void {
    (this.socket?.io.engine as { close?: () => void } | undefined)?.close?.();
  }

  dispose(): void {
    this.closeSocket();
    this.messages.clear();
    this.eventBatches.clear();
    this.incidentBatches.clear();
    this.catchUps.clear();
    this.clockBatches.clear();
  }

  private openSocket(serverUrl: string, { origin, path }: { origin: string; path: string }): RingsideSocket {
    // forceNew: a fresh Manager per connect, so a reconnect never reuses a closed, cached one for the same URL.
    const socket: RingsideSocket = io(origin, {
      path,
      forceNew: true,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 5_000,
      randomizationFactor: 0.5,
      timeout: CONNECT_TIMEOUT_MS,
      ...(this.token ? { auth: { token: this.token } } : {}),
    });
    const kicked = new ServerDisconnectRetry();
    this.kicked = kicked;
    socket.on('connect', () => {
      kicked.connected();
      this.lostAt = undefined;
      this.setState('connected', serverUrl);
    });
    socket.on('disconnect', (reason) => {
      this.held = undefined;
      // A kick (the server ended the connection on purpose) is retried here; a refused key then ends it for good.
      const retrying = kicked.disconnected(reason, backoffSettings(socket.io), () => socket.connect()) !== null || socket.active;
      this.lostAt = retrying ? (this.lostAt ?? Date.now()) : undefined;
      this.setState(retrying ? 'connecting' : 'disconnected', serverUrl, reason);
    });
    socket.on('connect_error', (error) => {
      // A retry after a loss that failed the way an outage does (the server is down or restarting) changes nothing:
      // still reconnecting, with the last figures. A refusal by the server (no or a wrong API key) is final
      // (socket.active is false), and so is giving up. Never connected: offline, while socket.io-client retries a
      // network error in the background.
      if (this.lostAt !== undefined && socket.active) return;
      this.lostAt = undefined;
      this.setState('disconnected', serverUrl, error.message);
    });
    socket.on('snapshot', (snapshot) => {
      // The snapshot's open incidents are the truth now (an incident that recovered while away is gone).
      this.open = new Map((snapshot.openIncidents ?? []).map((i) => [i.id, i]));
      this.latest = { ...snapshot, openIncidents: this.openIncidents() };
      // Before the message goes out: its listeners (the Sites source, the status bar) name sites with these. A site
      // renamed, created or retired on the server arrives as a fresh snapshot, so this is where names change.
      this.names = snapshotSiteNames(snapshot.sites, this.latest.openIncidents);
      // First contact with this server: the snapshot is exact up to its newest event; start counting there.
      const first = !this.cursor;
      // Its events are had: one pushed live after it (a push slower than the snapshot's read) is not new.
      if (!this.cursor) this.startCounting({ serverUrl, lastSeq: Math.max(0, ...snapshot.recent.map((j) => j.event.seq)), lastIncidentChange: Math.max(0, ...[...this.open.values()].map((i) => i.lastChangeSeq)) }, snapshot.recent);
      this.emit({ type: 'snapshot', snapshot: this.latest });
      this.incidentBatches.fire({ updates: [], replayed: false });
      void this.catchUp(socket, serverUrl, first);
    });
    socket.on('judged', (events) => {
      if (this.latest) this.latest = applyJudged(this.latest, events);
      this.emit({ type: 'judged', events });
      if (this.held) this.held.events.push(...events);
      else this.acceptEvents(events, false);
    });
    socket.on('compliance', (update) => {
      if (this.latest) this.latest = applyCompliance(this.latest, update);
      this.emit({ type: 'compliance', update });
    });
    socket.on('incident', (update) => {
      if (this.held) this.held.incidents.push(update);
      else this.acceptIncidents([update], false);
    });
    socket.on('clocks', (update) => {
      if (this.latest) this.latest = applyClocks(this.latest, update);
      this.emit({ type: 'clocks', update });
      this.clockBatches.fire({ breaches: update.breaches, update });
    });
    return socket;
  }

  /**
   * After every (re)connect: ask for what happened since the cursor. The first connect only learns the heads.
   * Live messages arriving meanwhile are held and applied afterwards, so the order stays seq order.
   */
  private async catchUp(socket: RingsideSocket, serverUrl: string, first: boolean): Promise<void> {
    this.held = { events: [], incidents: [] };
    const result: CatchUp = { events: 0, incidents: 0, pages: 0, gap: false, at: new Date().toISOString() };
    try {
      if (!this.cursor) return;
      if (first) {
        // Old incident changes are history, not news: only learn where the change log stands.
        const heads = await ask(socket, {});
        if (heads) this.cursor.lastIncidentChange = Math.max(this.cursor.lastIncidentChange, heads.headIncidentChange);
      } else {
        for (;;) {
          const page = await ask(socket, { afterSeq: this.cursor.lastSeq, afterIncidentChange: this.cursor.lastIncidentChange });
          if (!page) return;
          result.pages += 1;
          if (page.headSeq < this.cursor.lastSeq || page.headIncidentChange < this.cursor.lastIncidentChange) {
            // The server's history is shorter than what we saw: a new data folder. Start from its heads.
            this.startCounting({ serverUrl, lastSeq: page.headSeq, lastIncidentChange: page.headIncidentChange });
            result.gap = true;
            break;
          }
          result.events += this.acceptEvents(page.events, true);
          result.incidents += this.acceptIncidents(page.incidents, true);
          if (page.complete) break;
          // The server answers at most 10 replay requests a second per client (live/socketGuard.ts).
          await new Promise((resolve) => setTimeout(resolve, 100));
          if (result.pages >= MAX_REPLAY_PAGES) {
            // Too much to replay: the snapshot already shows the current figures; skip to the head.
            this.cursor.lastSeq = Math.max(this.cursor.lastSeq, page.headSeq);
            this.cursor.lastIncidentChange = Math.max(this.cursor.lastIncidentChange, page.headIncidentChange);
            result.gap = true;
            break;
          }
        }
      }
    } finally {
      if (this.socket === socket) {
        const held = this.held;
        this.held = undefined;
        if (held) {
          this.acceptEvents(held.events, false);
          this.acceptIncidents(held.incidents, false);
        }
        this.lastCatchUp = result;
        this.catchUps.fire(result);
      }
    }
  }

  /**
   * A new history (another server, or the same one with a new store): its seqs are not the ones seen before, which
   * would otherwise drop its events as had; `had`, the events the client starts from (a first snapshot's).
   */
  private startCounting(cursor: Cursor | undefined, had: readonly JudgedEvent[] = []): void {
    this.cursor = cursor;
    this.seenSeqs.clear();
    for (const judged of had) this.seenSeqs.add(judged.event.seq);
  }

  /** Applies events not seen yet, in seq order; returns how many were new. */
  private acceptEvents(events: readonly JudgedEvent[], replayed: boolean): number {
    const fresh: JudgedEvent[] = [];
    for (const judged of [...events].sort((a, b) => a.event.seq - b.event.seq)) {
      const seq = judged.event.seq;
      // Below the cursor is new only if it arrived live and late (above): a replay answers only what lies above it.
      if (this.seenSeqs.has(seq) || (this.cursor && seq <= this.cursor.lastSeq && replayed)) continue;
      if (this.cursor) this.cursor.lastSeq = Math.max(this.cursor.lastSeq, seq);
      fresh.push(judged);
      this.seqLog.push(seq);
      this.seenSeqs.add(seq);
    }
    if (this.seqLog.length > SEQ_LOG_LIMIT) for (const seq of this.seqLog.splice(0, this.seqLog.length - SEQ_LOG_LIMIT)) this.seenSeqs.delete(seq);
    if (fresh.length > 0) this.eventBatches.fire({ events: fresh, replayed });
    return fresh.length;
  }

  /**
   * Applies incident changes not seen yet, in change seq order (a replay may overlap what arrived live); returns how
   * many were new. Every one goes to the dashboard, whose banner applies it the same way.
   */
  private acceptIncidents(updates: readonly IncidentUpdate[], replayed: boolean): number {
    const fresh: IncidentUpdate[] = [];
    for (const update of [...updates].sort((a, b) => a.change.seq - b.change.seq)) {
      if (this.cursor && update.change.seq <= this.cursor.lastIncidentChange) continue;
      if (this.cursor) this.cursor.lastIncidentChange = update.change.seq;
      this.open = applyIncidentUpdate(this.open, update);
      this.names = withSiteNames(this.names, [{ id: update.incident.site, name: update.incident.siteName }]);
      fresh.push(update);
      this.emit({ type: 'incident', update });
    }
    if (fresh.length === 0) return 0;
    if (this.latest) this.latest = { ...this.latest, openIncidents: this.openIncidents() };
    this.incidentBatches.fire({ updates: fresh, replayed });
    return fresh.length;
  }

  private closeSocket(): void {
    this.kicked?.cancel();
    this.kicked = undefined;
    if (!this.socket) return;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.socket = undefined;
    this.held = undefined;
  }

  private setState(state: ConnectionState, serverUrl: string, error?: string): void {
    const unchanged = state === this.current.state && serverUrl === this.current.serverUrl && error === this.current.error;
    if (unchanged) return;
    this.current = error === undefined ? { state, serverUrl } : { state, serverUrl, error };
    this.emit(this.connectionMessage());
  }

  private connectionMessage(): DashboardMessage {
    const { state, serverUrl, error } = this.current;
    return error === undefined ? { type: 'connection', state, serverUrl } : { type: 'connection', state, serverUrl, error };
  }

  private emit(message: DashboardMessage): void {
    this.messages.fire(message);
  }
}

/** One replay request with a timeout; undefined when the socket went away or the server refused. */
async function ask(socket: RingsideSocket, request: { afterSeq?: number; afterIncidentChange?: number }): Promise<Extract<ReplayResponse, { ok: true }> | undefined> {
  try {
    const response = (await socket.timeout(15_000).emitWithAck('replay', request)) as ReplayResponse;
    if (!response.ok) {
      console.warn(`ringside: replay refused: ${response.error}`);
      return undefined;
    }
    return response;
  } catch (error) {
    // An older server without `replay` never answers: carry on live.
    console.warn(`ringside: replay failed: ${String(error)}`);
    return undefined;
  }
}

