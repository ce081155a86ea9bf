// Access and hardening options of the server (ServerOptions extends these).
import type { SocketGuardOptions } from '../live/socketGuard';
import type { RateLimitOptions } from './rateLimit';

export interface SecurityServerOptions {
  /** RINGSIDE_API_KEY: accepted as an admin key (never stored). Empty = unset. */
  apiKey?: string;
  /** --no-auth: no keys at all, every client is an admin. Loopback hosts only (refused otherwise). */
  noAuth?: boolean;
  /** Per-key token bucket (default 50/s, burst 100); false turns it off. */
  rateLimit?: RateLimitOptions | false;
  /** Origins allowed cross-origin (HTTP CORS and the Socket.IO handshake). Default: none. */
  corsOrigins?: readonly string[];
  /** Live feed protection (flood, slow clients). */
  socketGuard?: SocketGuardOptions;
  /** Largest Socket.IO client message in bytes (default 16 KiB); bigger ones close that client. */
  maxSocketMessageBytes?: number;
  /** How long SIGTERM waits for in-flight requests (default 10 s). */
  drainTimeoutMs?: number;
}

export const DEFAULT_MAX_SOCKET_MESSAGE_BYTES = 16 * 1024;
