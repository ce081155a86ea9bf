// The extension host is the Socket.IO client (a webview cannot reach the server's socket in remote setups);
// it turns server events into DashboardMessage objects for the panel and remembers the current state.
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ConnectionState,
  DashboardMessage,
  ServerToClientEvents,
  Snapshot,
} from '@ringside/server/protocol';
import { Listeners } from './listeners';
import { applyCompliance, applyJudged } from './liveState';

type RingsideSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class RingsideConnection {
  private socket: RingsideSocket | undefined;
  private readonly messages = new Listeners<DashboardMessage>();
  private current: { state: ConnectionState; serverUrl: string; error?: string } = { state: 'disconnected', serverUrl: '' };
  private latest: Snapshot | undefined;

  /** Every message for the dashboard, in order: connection changes, snapshot, judged, compliance. */
  readonly onMessage = this.messages.event;

  get state(): ConnectionState {
    return this.current.state;
  }

  get serverUrl(): string {
    return this.current.serverUrl;
  }

  get error(): string | undefined {
    return this.current.error;
  }

  /** The last snapshot with all later updates applied; undefined until the first snapshot arrives. */
  get snapshot(): Snapshot | undefined {
    return this.latest;
  }

  /** What a freshly loaded dashboard needs to show the current picture. */
  currentMessages(): DashboardMessage[] {
    const connection = this.connectionMessage();
    return this.latest ? [connection, { type: 'snapshot', snapshot: this.latest }] : [connection];
  }

  /**
   * Connects to `serverUrl`. Keeps a live (or still connecting) socket to the same URL, so repeated calls are cheap;
   * anything else (new URL, or offline) starts a fresh socket.
   */
  connect(serverUrl: string): void {
    if (this.socket && serverUrl === this.current.serverUrl && this.current.state !== 'disconnected') return;
    this.closeSocket();
    this.latest = undefined;
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

  dispose(): void {
    this.closeSocket();
    this.messages.clear();
  }

  private openSocket(serverUrl: string, { origin, path }: { origin: string; path: string }): RingsideSocket {
    // forceNew: a fresh Manager per connect, so a reconnect never reuses a closed, cached one for the same URL.
    const socket: RingsideSocket = io(origin, { path, forceNew: true, reconnectionDelayMax: 5_000, timeout: 10_000 });
    socket.on('connect', () => this.setState('connected', serverUrl));
    socket.on('disconnect', (reason) => this.setState(socket.active ? 'connecting' : 'disconnected', serverUrl, reason));
    socket.on('connect_error', (error) => this.setState('disconnected', serverUrl, error.message));
    socket.on('snapshot', (snapshot) => {
      this.latest = snapshot;
      this.emit({ type: 'snapshot', snapshot });
    });
    socket.on('judged', (events) => {
      if (this.latest) this.latest = applyJudged(this.latest, events);
      this.emit({ type: 'judged', events });
    });
    socket.on('compliance', (update) => {
      if (this.latest) this.latest = applyCompliance(this.latest, update);
      this.emit({ type: 'compliance', update });
    });
    return socket;
  }

  private closeSocket(): void {
    if (!this.socket) return;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.socket = undefined;
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

/**
 * socket.io-client reads a URL path as a namespace; for Ringside a path means "served under this prefix"
 * (a reverse proxy), so the Socket.IO endpoint is PREFIX/socket.io on the same origin.
 */
export function socketAddress(serverUrl: string): { origin: string; path: string } {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${serverUrl}`);
  return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/socket.io` };
}
