// The server's options: what the command line (cli/options.ts) produces and the composition root (server.ts)
// runs with. Plain data: the option types come from the modules that use them (type imports only, erased at run time).
import type { Clock } from './clock';
import type { TrustProxy } from './http/clientAddress';
import type { RateLimitOptions } from './http/rateLimit';
import type { SocketGuardOptions } from './live/socketGuard';
import type { LogLevel } from './logger';
import type { AlertsOptions } from './services/alerts/config';

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 50, burst: 100 };
/** A wall of a hundred dashboards behind one NAT address holds about 200 (a WebSocket and a request each). */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 512;

export interface SecurityServerOptions {
  /** RINGSIDE_API_KEY: accepted as an admin key (never stored). Empty = unset. */
  apiKey?: string;
  /**
   * RINGSIDE_TWILIO_AUTH_TOKEN: the Twilio account's auth token, which TaskRouter callbacks are signed with
   * (unset: the TaskRouter endpoint refuses every callback).
   */
  twilioAuthToken?: string;
  /**
   * RINGSIDE_PUBLIC_URL: the server's address as others call it (https://ringside.example.com), when a proxy
   * in front changes it; Twilio signs the URL it called. Unset: the request's own Host and scheme.
   */
  publicUrl?: string;
  /** --no-auth: no keys at all, every client is an admin. Loopback hosts only (refused otherwise). */
  noAuth?: boolean;
  /** Per-key token bucket (default 50/s, burst 100); false turns it off. */
  rateLimit?: RateLimitOptions | false;
  /**
   * --trust-proxy (RINGSIDE_TRUST_PROXY): the proxies in front whose X-Forwarded-For names the client, for the
   * per-address rate limit and the log. Unset: the socket's peer.
   */
  trustProxy?: TrustProxy;
  /**
   * --max-connections-per-address: the TCP connections one client address may hold open at once (http/connectionLimit.ts;
   * default DEFAULT_MAX_CONNECTIONS_PER_ADDRESS); 0 turns the cap off. Proxies --trust-proxy trusts are not capped.
   */
  maxConnectionsPerAddress?: number;
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

export interface ServerOptions extends SecurityServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Directory holding the store; created if missing. With `databaseUrl`, only this node's own files (audit secret, admin key). */
  dataDir: string;
  /** A PostgreSQL URL (postgres://…): the store lives there instead of the SQLite file in dataDir. */
  databaseUrl?: string;
  /** Connections of this node's PostgreSQL pool (default 10). */
  databasePoolSize?: number;
  /** How long a PostgreSQL statement waits for a lock before the request is answered 503 (default 10 s; tests shorten it). */
  databaseLockTimeoutMs?: number;
  /** A Redis URL (redis://…): live pushes fan out to the clients of every node joined to it. */
  redisUrl?: string;
  /** Simulated live traffic through the ingest path. */
  demo?: boolean;
  /** Seed for the demo traffic (default: the clock). */
  demoSeed?: number;
  /** Mean demo arrivals per second (default 2). */
  demoEventsPerSecond?: number;
  logLevel?: LogLevel;
  /** Least time between two live pushes of today's figures (default 100 ms, live/figuresPush.ts); events are never held. */
  liveFiguresIntervalMs?: number;
  /** Where the built dashboard lives (default: webview/dist of this repo). */
  webviewDir?: string;
  /** Alerts: timings, policy, webhook URLs and retries (docs/alerts.md). */
  alerts?: AlertsOptions;
  /** Standards and sites file (YAML/JSON); invalid at start → ConfigFileError. */
  standardsFile?: string;
  /** Refuse events of unconfigured sites (400 naming `site`) instead of creating them. */
  rejectUnknownSites?: boolean;
  /** The organisation named in every export's manifest (--organisation, RINGSIDE_ORGANISATION). */
  organisation?: string;
  /** An RFC 3161 timestamp authority every signed manifest is timestamped by (--tsa-url, RINGSIDE_TSA_URL). */
  tsaUrl?: string;
  /** Delete raw events older than this many days, at start and daily (docs/audit.md "Retention"). */
  retainDays?: number;
  /** The time source the server dates records and runs its timers by (default: the system clock). Tests pass
   *  a fake clock to move time instead of waiting (docs/development.md "Tests"). */
  clock?: Clock;
}
