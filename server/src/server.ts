// startServer: wires store → ingest → HTTP + live push (+ demo) and listens. Used by main.ts and tests.
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startDemo } from './demo/demoDriver';
import { DEFAULT_STANDARDS } from './domain/standards';
import { createApp } from './http/app';
import { createIngestService } from './ingest/ingestService';
import { attachLive } from './live/livePush';
import { createLogger, type LogLevel } from './logger';
import { openStore } from './store/store';

export interface ServerOptions {
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
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

// This file is server/src/server.ts in source and bundled into server/dist/main.js: both sit one level
// under server/, so the same relative URLs work from either.
export const DEFAULT_WEBVIEW_DIR = fileURLToPath(new URL('../../webview/dist', import.meta.url));
const VERSION = readVersion();

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger(options.logLevel ?? 'info');
  const now = Date.now;
  const store = openStore({ dataDir: options.dataDir, defaultStandards: DEFAULT_STANDARDS, now });
  const ingest = createIngestService({ store, now, onListenerError: (err) => logger.error({ err }, 'live push failed') });
  const app = createApp({ store, ingest, logger, webviewDir: options.webviewDir ?? DEFAULT_WEBVIEW_DIR, version: VERSION, now });
  const httpServer = createServer(app);
  const live = attachLive({ httpServer, store, ingest, now });
  try {
    await listen(httpServer, options.port, host);
  } catch (error) {
    await live.close();
    store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const demo = options.demo
    ? startDemo({ ingest, logger, now, seed: options.demoSeed ?? Date.now() % 2 ** 31, ...(options.demoEventsPerSecond ? { eventsPerSecond: options.demoEventsPerSecond } : {}) })
    : null;
  logger.info({ port, host, dataDir: options.dataDir, version: VERSION }, 'server started');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      demo?.stop();
      await live.close();
      await closeHttp(httpServer);
      store.close();
      logger.info('server stopped');
    })());
  return { url: `http://${urlHost(host)}:${port}`, port, close };
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
