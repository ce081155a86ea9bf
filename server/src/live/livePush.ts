// Socket.IO on the API's http server. Data flows one way: ingest → store → (this) → clients.
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../protocol';
import type { IngestService } from '../ingest/ingestService';
import type { Store } from '../store/store';
import { buildComplianceUpdate, buildSnapshot } from './snapshot';
import { handleReplay } from './replay';

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface LiveDeps {
  httpServer: HttpServer;
  store: Store;
  ingest: IngestService;
  now?: () => number;
  /** Cross-origin pages allowed to connect (issue #4, --cors-origin). Default: same origin only. */
  allowedOrigins?: readonly string[];
  /** Largest client message in bytes; engine.io closes a client that sends more (issue #4). */
  maxHttpBufferSize?: number;
}

export function attachLive(deps: LiveDeps): { io: LiveServer; close(): Promise<void> } {
  const now = deps.now ?? Date.now;
  const allowed = new Set((deps.allowedOrigins ?? []).map((o) => o.replace(/\/$/, '').toLowerCase()));
  const allowRequest: typeof sameOriginOnly = (req, callback) =>
    typeof req.headers.origin === 'string' && allowed.has(req.headers.origin.toLowerCase()) ? callback(null, true) : sameOriginOnly(req, callback);
  const io: LiveServer = new Server(deps.httpServer, {
    allowRequest,
    serveClient: false,
    ...(deps.maxHttpBufferSize ? { maxHttpBufferSize: deps.maxHttpBufferSize } : {}),
  });
  io.on('connection', (socket) => {
    socket.emit('snapshot', buildSnapshot(deps.store, now()));
  });
  // Catch-up after a disconnect: `replay({ afterSeq, afterAlertId }, ack)` (issue #5, replay.ts).
  handleReplay(io, deps.store);
  // Called synchronously after the commit, so both messages leave in the same tick as the store.
  const unsubscribe = deps.ingest.onStored((stored) => {
    io.emit('judged', stored);
    io.emit('compliance', buildComplianceUpdate(deps.store, stored, now()));
  });
  return {
    io,
    close: async () => {
      unsubscribe();
      // Ends every live connection so that clients come back by themselves once the server is up again. Closing
      // the engine closes each transport (a WebSocket close frame; a "close" packet to a waiting long-poll) without
      // Socket.IO's DISCONNECT packet, so socket.io-client reports "transport close" and reconnects with backoff.
      // `disconnectSockets()` would send that packet first, which socket.io-client reads as "the server dropped me
      // for good" ("io server disconnect") and never retries. socket.io's own `io.close()` does the same, but would
      // also close the shared http server, which the caller drains and closes (security/drain.ts).
      io.engine.close();
    },
  };
}

/**
 * CORS stays closed: a browser page from another origin may not connect unless --cors-origin names it.
 * Clients without an Origin header (the extension host, scripts) are not browsers and may.
 */
function sameOriginOnly(req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void {
  const origin = req.headers.origin;
  if (!origin) return callback(null, true);
  try {
    callback(null, new URL(origin).host === req.headers.host);
  } catch {
    callback(null, false);
  }
}
