// startServer: wires store → ingest → HTTP + live push (+ demo) and listens. Used by main.ts and tests.
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { fileURLToPath } from 'node:url';
import { createAlertService } from './alerts/alertService';
import { systemClock, type Clock } from './clock';
import type { Alert } from './protocol';
import type { AlertsOptions } from './alerts/config';
import { startDemo } from './demo/demoDriver';
import { DEFAULT_STANDARDS } from './domain/standards';
import { createApp } from './http/app';
import { createIngestService } from './ingest/ingestService';
import { attachLive } from './live/livePush';
import { createLogger, type LogLevel } from './logger';
import { openStore } from './store/store';
import { loadStandardsFile, reloadStandardsFile, type AppliedConfig, type ReloadResult } from './config/standardsFile';
import { buildSnapshot } from './live/snapshot';
import { checkBinding, setUpAccess } from './auth/bootstrap';
import { requireSocketKey } from './auth/socketAuth';
import { writeLock } from './security/dataLock';
import { drainable } from './security/drain';
import { DEFAULT_MAX_SOCKET_MESSAGE_BYTES, type SecurityServerOptions } from './security/options';
import { DEFAULT_RATE_LIMIT } from './security/rateLimit';
import { guardSockets } from './security/socketGuard';
import { openingError } from './security/storageErrors';
import { startRetention } from './audit/schedule';

export interface ServerOptions extends SecurityServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Directory holding ringside.db; created if missing. */
  dataDir: string;
  /** Simulated live traffic through the ingest path. */
  demo?: boolean;
  /** Seed for the demo traffic (default: the clock). */
  demoSeed?: number;
  /** Mean demo arrivals per second (default 2). */
  demoEventsPerSecond?: number;
  logLevel?: LogLevel;
  /** Where the built dashboard lives (default: webview/dist of this repo). */
  webviewDir?: string;
  /** Alerts: timings, policy, webhook URLs and retries (docs/alerts.md). */
  alerts?: AlertsOptions;
  /** Issue #3: standards and sites file (YAML/JSON); invalid at start → ConfigFileError. */
  standardsFile?: string;
  /** Issue #3: refuse events of unconfigured sites (400 naming `site`) instead of creating them. */
  rejectUnknownSites?: boolean;
  /** Issue #6: delete raw events older than this many days, at start and daily (docs/audit.md "Retention"). */
  retainDays?: number;
  /** The time source the server dates records and runs its timers by (default: the system clock). Tests pass
   *  a fake clock to move time instead of waiting (docs/development.md "Tests"). */
  clock?: Clock;
}

/** What tests and tools drive in-process, beyond the HTTP and Socket.IO API (docs/development.md "Tests"). */
export interface ServerTestApi {
  /** Runs one alert evaluation at the clock's time, as the interval timer would; returns the records written. */
  evaluateAlerts(): Alert[];
  /** Resolves when no webhook attempt is in flight and none is due at the clock's time. */
  webhooksIdle(): Promise<void>;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Set when this start created <data>/admin.key (a fresh loopback server without keys). */
  adminKeyFile?: string;
  testApi: ServerTestApi;
  /** Re-reads the standards file (SIGHUP); on problems nothing changes. No file → ok with nothing applied. */
  reloadStandards(): ReloadResult;
  close(): Promise<void>;
}

// This file is server/src/server.ts in source and bundled into server/dist/main.js: both sit one level
// under server/, so the same relative URLs work from either.
export const DEFAULT_WEBVIEW_DIR = fileURLToPath(new URL('../../webview/dist', import.meta.url));
const VERSION = readVersion();

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger(options.logLevel ?? 'info');
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  checkBinding(host, options.noAuth ?? false);
  const envApiKey = options.apiKey ? options.apiKey : undefined;
  let store;
  try {
    store = openStore({ dataDir: options.dataDir, defaultStandards: DEFAULT_STANDARDS, now, ...(envApiKey ? { envApiKey } : {}) });
  } catch (error) {
    throw openingError(error, options.dataDir);
  }
  let access;
  try {
    if (options.standardsFile) logApplied(logger, options.standardsFile, loadStandardsFile(store, options.standardsFile), 'standards file loaded');
    access = setUpAccess({ host, dataDir: options.dataDir, keys: store.keys, ...(envApiKey ? { envKey: envApiKey } : {}), noAuth: options.noAuth ?? false, logger });
  } catch (error) {
    store.close();
    throw error;
  }
  let rateLimited = 0;
  let guard: ReturnType<typeof guardSockets> | null = null;
  const securityAccess = {
    mode: access.mode,
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    corsOrigins: options.corsOrigins ?? [],
    onRateLimited: () => (rateLimited += 1),
    stats: () => ({ http: { rateLimited, inFlight: drain.inFlight() }, live: guard?.stats() }),
  };
  const ingest = createIngestService({ store, now, rejectUnknownSites: options.rejectUnknownSites ?? false, onListenerError: (err) => logger.error({ err }, 'live push failed') });
  const alerts = createAlertService({ store, ingest, logger, options: options.alerts, userAgent: `ringside/${VERSION}`, clock });
  const app = createApp({ alerts, store, ingest, logger, webviewDir: options.webviewDir ?? DEFAULT_WEBVIEW_DIR, version: VERSION, now, access: securityAccess });
  const httpServer = createServer(app);
  const drain = drainable(httpServer);
  const live = attachLive({ httpServer, store, ingest, now, allowedOrigins: options.corsOrigins ?? [], maxHttpBufferSize: options.maxSocketMessageBytes ?? DEFAULT_MAX_SOCKET_MESSAGE_BYTES });
  const stopSocketKeys = requireSocketKey(live.io, access.mode, store.keys, clock);
  guard = guardSockets(live.io, logger, options.socketGuard, clock);
  alerts.onAlert((alert) => live.io.emit('alert', alert));
  // Issue #3: a standard added, changed or retired reaches every dashboard as a fresh snapshot.
  const unwatchStandards = store.standards.onChange(() => live.io.emit('snapshot', buildSnapshot(store, now())));
  const reloadStandards = (): ReloadResult => {
    if (!options.standardsFile) return { ok: true, applied: { standards: [], sites: [], skipped: [] } };
    const result = reloadStandardsFile(store, options.standardsFile);
    if (result.ok) logApplied(logger, options.standardsFile, result.applied, 'standards file reloaded');
    else logger.error({ file: options.standardsFile, problems: result.problems }, 'standards file refused; keeping the last good set');
    return result;
  };
  try {
    await listen(httpServer, options.port, host);
  } catch (error) {
    guard.stop();
    await alerts.close();
    await live.close();
    store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const retention = startRetention(store, options.retainDays, logger, clock); // issue #6
  alerts.start();
  const demo = options.demo
    ? startDemo({ ingest, logger, now, seed: options.demoSeed ?? Date.now() % 2 ** 31, ...(options.demoEventsPerSecond ? { eventsPerSecond: options.demoEventsPerSecond } : {}) })
    : null;
  logger.info({ port, host, dataDir: options.dataDir, version: VERSION, auth: access.mode }, 'server started');
  const unlock = writeLock(options.dataDir, { pid: process.pid, startedAt: new Date().toISOString(), url: `http://${urlHost(host)}:${port}` });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      demo?.stop();
      retention?.stop();
      unwatchStandards();
      guard?.stop();
      stopSocketKeys();
      await live.close();
      await drain.close(options.drainTimeoutMs); // SIGTERM: in-flight requests finish first
      await alerts.close(); // stops evaluation; in-flight webhooks stay pending in the outbox
      store.close();
      unlock();
      logger.info('server stopped');
    })());
  const testApi: ServerTestApi = { evaluateAlerts: () => alerts.evaluateNow(), webhooksIdle: () => alerts.webhooksIdle() };
  return { url: `http://${urlHost(host)}:${port}`, port, ...(access.adminKeyFile ? { adminKeyFile: access.adminKeyFile } : {}), testApi, reloadStandards, close };
}

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would otherwise hold close() open until they time out.
    server.closeAllConnections();
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function logApplied(logger: Logger, file: string, applied: AppliedConfig, message: string): void {
  logger.info({ file, ...applied }, message);
  for (const id of applied.skipped) {
    logger.warn({ file, standard: id }, `standard "${id}" is in the standards file but was retired over the API; re-create it with POST /api/v1/standards to use it again`);
  }
}
