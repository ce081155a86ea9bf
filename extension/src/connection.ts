// The extension host is the Socket.IO client (a webview cannot reach the server's socket in remote setups);
// it turns server events into DashboardMessage objects for the panel and remembers the current state.
// Reconnects with backoff (socket.io-client's own: 1 s doubling to 5 s, ±50 % jitter; the same after the server
// ended the connection on purpose, which socket.io-client alone does not retry: protocol/pure/reconnect.ts)
// and, after any disconnect, catches up with `replay` from the last event seq and alert id it saw, so nothing is missed.
import { io, type Socket } from 'socket.io-client';
import type {
  Alert,
  ClientToServerEvents,
  ConnectionState,
  DashboardMessage,
  JudgedEvent,
  ReplayResponse,
  ServerToClientEvents,
  Snapshot,
} from '@ringside/server/protocol';
import { backoffSettings, ServerDisconnectRetry, socketAddress, type ConnectionProblem } from '@ringside/server/protocol/pure';
import { Listeners } from './listeners';
import { applyCompliance, applyJudged } from './liveState';
import { extensionProblem } from './problems';

/** Where the live connection goes for a server URL (its proxy prefix as the Socket.IO path). */
export { socketAddress };

type RingsideSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Pages of replay asked for in one catch-up (5,000 events each); beyond that the snapshot speaks for the gap. */
export const MAX_REPLAY_PAGES = 20;
/** Event seqs remembered for inspection (tests, diagnostics). */
export const SEQ_LOG_LIMIT = 20_000;

export interface EventBatch {
  events: JudgedEvent[];
  /** True when they came from a catch-up after a disconnect, not live. */
  replayed: boolean;
}

export interface AlertBatch {
  alerts: Alert[];
  replayed: boolean;
}

export interface CatchUp {
  events: number;
  alerts: number;
  pages: number;
  /** More was missed than MAX_REPLAY_PAGES carry, or the server's history restarted (a new data folder). */
  gap: boolean;
  at: string;
}

/** Where the client is in the server's history; kept across disconnects from the same server. */
interface Cursor {
  serverUrl: string;
  lastSeq: number;
  lastAlertId: number;
}

export class RingsideConnection {
  private socket: RingsideSocket | undefined;
  /** Brings the socket back after the server ended it on purpose (socket.io-client alone would stay offline). */
  private kicked: ServerDisconnectRetry | undefined;
  private token: string | undefined;
  private readonly messages = new Listeners<DashboardMessage>();
  private readonly eventBatches = new Listeners<EventBatch>();
  private readonly alertBatches = new Listeners<AlertBatch>();
  private readonly catchUps = new Listeners<CatchUp>();
  private current: { state: ConnectionState; serverUrl: string; error?: string } = { state: 'disconnected', serverUrl: '' };
  private latest: Snapshot | undefined;
  private cursor: Cursor | undefined;
  /** Live events/alerts that arrived while a replay was in flight; applied after it, in seq/id order. */
  private held: { events: JudgedEvent[]; alerts: Alert[] } | undefined;
  private readonly seqLog: number[] = [];
  private readonly alertsById = new Map<number, Alert>();
  private lastCatchUp: CatchUp | undefined;

  /** Every message for the dashboard, in order: connection changes, snapshot, judged, compliance. */
  readonly onMessage = this.messages.event;
  /** Every judged event exactly once, in seq order (live, and replayed after a disconnect). */
  readonly onEvents = this.eventBatches.event;
  /** Every new or changed alert record (live, and replayed after a disconnect). */
  readonly onAlerts = this.alertBatches.event;
  /** After each catch-up (also an empty one). */
  readonly onCatchUp = this.catchUps.event;

  get state(): ConnectionState {
    return this.current.state;
  }

  get serverUrl(): string {
    return this.current.serverUrl;
  }

  /** What socket.io-client (or the extension) last reported, as is: for logs and tests. */
  get error(): string | undefined {
    return this.current.error;
  }

  /** Why the connection is not up, in plain words naming the server and what to do; undefined while connected. */
  get problem(): ConnectionProblem | undefined {
    const { state, serverUrl, error } = this.current;
    return state === 'connected' || error === undefined ? undefined : extensionProblem(serverUrl, error);
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

  /** Alerts firing now (from the snapshot and later `alert` records), oldest first. */
  activeAlerts(): Alert[] {
    return [...this.alertsById.values()].filter((a) => a.state === 'firing' && a.endedAt === null).sort((a, b) => a.id - b.id);
  }

  /** What a freshly loaded dashboard needs to show the current picture. */
  currentMessages(): DashboardMessage[] {
    const connection = this.connectionMessage();
    return this.latest ? [connection, { type: 'snapshot', snapshot: this.latest }] : [connection];
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
    // A different server has a different history: start over. The same one: catch up from where we were.
    if (this.cursor && this.cursor.serverUrl !== serverUrl) this.cursor = undefined;
    if (!this.cursor) this.alertsById.clear();
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
    this.alertBatches.clear();
    this.catchUps.clear();
  }

  private openSocket(serverUrl: string, { origin, path }: { origin: string; path: string }): RingsideSocket {
    // forceNew: a fresh Manager per connect, so a reconnect never reuses a closed, cached one for the same URL.
    const socket: RingsideSocket = io(origin, {
      path,
      forceNew: true,
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 5_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
      ...(this.token ? { auth: { token: this.token } } : {}),
    });
    const kicked = new ServerDisconnectRetry();
    this.kicked = kicked;
    socket.on('connect', () => {
      kicked.connected();
      this.setState('connected', serverUrl);
    });
    socket.on('disconnect', (reason) => {
      this.held = undefined;
      // A kick (the server ended the connection on purpose) is retried here; a refused key then ends it for good.
      const retrying = kicked.disconnected(reason, backoffSettings(socket.io), () => socket.connect()) !== null;
      this.setState(socket.active || retrying ? 'connecting' : 'disconnected', serverUrl, reason);
    });
    socket.on('connect_error', (error) => {
      // Offline until a retry succeeds. A refusal by the server (no or a wrong API key) is final (socket.active is
      // false); a network error is retried with backoff in the background.
      this.setState('disconnected', serverUrl, error.message);
    });
    socket.on('snapshot', (snapshot) => {
      this.latest = snapshot;
      for (const alert of snapshot.activeAlerts ?? []) this.alertsById.set(alert.id, alert);
      // First contact with this server: the snapshot is exact up to its newest event; start counting there.
      const first = !this.cursor;
      if (!this.cursor) this.cursor = { serverUrl, lastSeq: Math.max(0, ...snapshot.recent.map((j) => j.event.seq)), lastAlertId: Math.max(0, ...(snapshot.activeAlerts ?? []).map((a) => a.id)) };
      this.emit({ type: 'snapshot', snapshot });
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
    socket.on('alert', (alert) => {
      if (this.held) this.held.alerts.push(alert);
      else this.acceptAlerts([alert], false);
    });
    return socket;
  }

  /**
   * After every (re)connect: ask for what happened since the cursor. The first connect only learns the heads.
   * Live messages arriving meanwhile are held and applied afterwards, so the order stays seq order.
   */
  private async catchUp(socket: RingsideSocket, serverUrl: string, first: boolean): Promise<void> {
    this.held = { events: [], alerts: [] };
    const result: CatchUp = { events: 0, alerts: 0, pages: 0, gap: false, at: new Date().toISOString() };
    try {
      if (!this.cursor) return;
      if (first) {
        // Old alert records are history, not news: only learn where the alert log stands.
        const heads = await ask(socket, {});
        if (heads) this.cursor.lastAlertId = Math.max(this.cursor.lastAlertId, heads.headAlertId);
      } else {
        for (;;) {
          const page = await ask(socket, { afterSeq: this.cursor.lastSeq, afterAlertId: this.cursor.lastAlertId });
          if (!page) return;
          result.pages += 1;
          if (page.headSeq < this.cursor.lastSeq || page.headAlertId < this.cursor.lastAlertId) {
            // The server's history is shorter than what we saw: a new data folder. Start from its heads.
            this.cursor = { serverUrl, lastSeq: page.headSeq, lastAlertId: page.headAlertId };
            result.gap = true;
            break;
          }
          result.events += this.acceptEvents(page.events, true);
          result.alerts += this.acceptAlerts(page.alerts, true);
          if (page.complete) break;
          // The server answers at most 10 replay requests a second per client (live/socketGuard.ts).
          await new Promise((resolve) => setTimeout(resolve, 100));
          if (result.pages >= MAX_REPLAY_PAGES) {
            // Too much to replay: the snapshot already shows the current figures; skip to the head.
            this.cursor.lastSeq = Math.max(this.cursor.lastSeq, page.headSeq);
            this.cursor.lastAlertId = Math.max(this.cursor.lastAlertId, page.headAlertId);
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
          this.acceptAlerts(held.alerts, false);
        }
        this.lastCatchUp = result;
        this.catchUps.fire(result);
      }
    }
  }

  /** Applies events not seen yet, in seq order; returns how many were new. */
  private acceptEvents(events: readonly JudgedEvent[], replayed: boolean): number {
    const fresh: JudgedEvent[] = [];
    for (const judged of [...events].sort((a, b) => a.event.seq - b.event.seq)) {
      if (this.cursor && judged.event.seq <= this.cursor.lastSeq) continue;
      if (this.cursor) this.cursor.lastSeq = judged.event.seq;
      fresh.push(judged);
      this.seqLog.push(judged.event.seq);
    }
    if (this.seqLog.length > SEQ_LOG_LIMIT) this.seqLog.splice(0, this.seqLog.length - SEQ_LOG_LIMIT);
    if (fresh.length > 0) this.eventBatches.fire({ events: fresh, replayed });
    return fresh.length;
  }

  /** Records alerts (a repeated id replaces: acknowledgement, supersession); returns how many ids were new. */
  private acceptAlerts(alerts: readonly Alert[], replayed: boolean): number {
    let added = 0;
    const changed: Alert[] = [];
    for (const alert of [...alerts].sort((a, b) => a.id - b.id)) {
      // The dashboard's alerts banner gets every record (live and replayed) in id order.
      this.emit({ type: 'alert', alert });
      if (alert.previousId !== null) {
        // A recovery or a severity change ends the record it points at.
        const previous = this.alertsById.get(alert.previousId);
        if (previous && previous.endedAt === null) this.alertsById.set(previous.id, { ...previous, endedAt: alert.at });
      }
      this.alertsById.set(alert.id, alert);
      if (this.cursor && alert.id > this.cursor.lastAlertId) {
        this.cursor.lastAlertId = alert.id;
        added += 1;
      }
      changed.push(alert);
    }
    // Only what is still interesting stays in memory.
    for (const [id, alert] of this.alertsById) if (alert.state !== 'firing' || alert.endedAt !== null) this.alertsById.delete(id);
    if (changed.length > 0) this.alertBatches.fire({ alerts: changed, replayed });
    return added;
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
async function ask(socket: RingsideSocket, request: { afterSeq?: number; afterAlertId?: number }): Promise<Extract<ReplayResponse, { ok: true }> | undefined> {
  try {
    const response = await socket.timeout(15_000).emitWithAck('replay', request);
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

