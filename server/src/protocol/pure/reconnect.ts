// How the live feed's own clients (the browser dashboard, the extension host) come back after the server ended
// their connection on purpose. socket.io-client retries every lost connection by itself except that one
// ("io server disconnect"), which it treats as final. Ringside's server does not end connections that way when it
// stops (it closes the transport: server/src/live/livePush.ts), but an older server did, and a running server still
// does so to a client whose key was revoked or expired, or that flooded it. Coming back after such a kick is safe:
// a key that is no longer accepted is refused in the handshake (`connect_error`), which socket.io-client treats as
// final, so auth errors surface exactly as on a first connect and nothing loops.
// Pure and free of socket.io-client, so both clients (and their tests) share it; zod-free for the page's bundle.

/** How long one connection attempt of either client may take before socket.io-client gives it up. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** socket.io-client's reason for a disconnect the server asked for (the only one it does not retry). */
export const SERVER_DISCONNECT_REASON = 'io server disconnect';

/** socket.io-client's own reconnection settings (Manager: reconnectionDelay, reconnectionDelayMax, randomizationFactor). */
export interface BackoffSettings {
  minMs: number;
  maxMs: number;
  /** 0–1: each wait is moved by up to this fraction either way, so many clients do not come back in step. */
  jitter: number;
}

/** The parts of a socket.io-client Manager that say whether and how fast to reconnect. */
export interface ReconnectionSettingsSource {
  reconnection(): boolean;
  reconnectionDelay(): number;
  reconnectionDelayMax(): number;
  randomizationFactor(): number;
}

export interface RetryClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** In [0, 1). */
  random(): number;
}

const systemClock: RetryClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: () => Math.random(),
};

/** The client's settings, or null when it was configured not to reconnect at all. */
export function backoffSettings(manager: ReconnectionSettingsSource): BackoffSettings | null {
  if (!manager.reconnection()) return null;
  return { minMs: manager.reconnectionDelay(), maxMs: manager.reconnectionDelayMax(), jitter: manager.randomizationFactor() };
}

/** The wait before attempt `attempt` (0-based): minMs doubling each time up to maxMs, ± jitter, never above maxMs. */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number): number {
  const base = Math.min(settings.maxMs, settings.minMs * 2 ** attempt);
  const jittered = base * (1 + settings.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(Math.min(settings.maxMs, jittered)));
}

/**
 * One per socket. Kicks in a row back off (a kick within `maxMs` of connecting counts as "in a row"); a connection
 * that lasted longer starts again from `minMs`. Every other disconnect is left to socket.io-client.
 */
export class ServerDisconnectRetry {
  private kicksInARow = 0;
  private connectedAt = Number.NEGATIVE_INFINITY;
  private timer: unknown;

  constructor(private readonly clock: RetryClock = systemClock) {}

  /** Call on every 'connect'. */
  connected(): void {
    this.connectedAt = this.clock.now();
  }

  /**
   * Call on every 'disconnect'. After a kick, schedules `reconnect` and returns the wait in ms; otherwise (a reason
   * socket.io-client retries by itself, our own disconnect, or a client configured without reconnection) null.
   */
  disconnected(reason: string, settings: BackoffSettings | null, reconnect: () => void): number | null {
    if (reason !== SERVER_DISCONNECT_REASON || !settings) return null;
    if (this.clock.now() - this.connectedAt >= settings.maxMs) this.kicksInARow = 0;
    const wait = backoffDelay(this.kicksInARow, settings, () => this.clock.random());
    this.kicksInARow += 1;
    this.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      reconnect();
    }, wait);
    return wait;
  }

  /** Drops a scheduled reconnect (the socket is being closed on purpose). */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
