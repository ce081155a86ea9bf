// Socket.IO on the API's http server. Data flows one way: ingest → store → (this) → clients.
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { systemClock, type Clock } from '../clock';
import type { IngestService } from '../services/ingest/ingest';
import { todayRange } from '../domain/ranges';
import { createFiguresPush, LIVE_FIGURES_INTERVAL_MS } from './figuresPush';
import { buildComplianceUpdate, buildSnapshot, type LiveSources } from './snapshot';
import { handleReplay, type ReplayFailure, type ReplayStats } from './replay';
import type { LiveServer } from './liveServer';

export interface LiveDeps {
  httpServer: HttpServer;
  sources: LiveSources;
  ingest: IngestService;
  /** Reports a failure to build a message (the push goes on). */
  onError?: (error: unknown) => void;
  /** Reports a replay the server failed to answer, with the request's context (the client is told it failed). */
  onReplayError?: (error: unknown, failure: ReplayFailure) => void;
  /** The time of snapshots and figures, and the timer between figure pushes (default: the system clock). */
  clock?: Clock;
  /** Least time between two pushes of today's figures (default LIVE_FIGURES_INTERVAL_MS); events are never held. */
  figuresIntervalMs?: number;
  /** Cross-origin pages allowed to connect (--cors-origin). Default: same origin only. */
  allowedOrigins?: readonly string[];
  /** Largest client packet engine.io reads, in bytes; it closes a client that sends more (the message limit: socketGuard.ts). */
  maxHttpBufferSize?: number;
  /** Pushes also reach the clients of other nodes (an adapter between nodes, nodes.ts). */
  acrossNodes?: boolean;
}

/** How long closing waits for snapshots being read (as long as in-flight requests get: http/drain.ts). */
const CLOSE_WAIT_MS = 10_000;

export interface Live {
  io: LiveServer;
  /** Whether a push reaches anyone (a client here, or another node's). */
  hasAudience(): boolean;
  /** A fresh snapshot to every client (standards or sites changed). */
  pushSnapshot(): void;
  /** A fresh snapshot to this node's own clients (they may have missed other nodes' pushes). */
  pushLocalSnapshot(): void;
  /** How many snapshots are being read from the store right now. */
  snapshotsBeingRead(): number;
  /** Replays being read and waiting for their turn (replay.ts). */
  replays(): ReplayStats;
  /**
   * Ends every live connection at once, and starts no snapshot or replay after; resolves once none is being read (so
   * the store may close after it), or after `waitMs` (a read stuck on a lock must not hold a shutdown for ever).
   */
  close(waitMs?: number): Promise<void>;
}

export function attachLive(deps: LiveDeps): Live {
  const clock = deps.clock ?? systemClock;
  const now = () => clock.now();
  const allowed = new Set((deps.allowedOrigins ?? []).map((o) => o.replace(/\/$/, '').toLowerCase()));
  const allowRequest: typeof sameOriginOnly = (req, callback) =>
    typeof req.headers.origin === 'string' && allowed.has(req.headers.origin.toLowerCase()) ? callback(null, true) : sameOriginOnly(req, callback);
  const io: LiveServer = new Server(deps.httpServer, {
    allowRequest,
    serveClient: false,
    ...(deps.maxHttpBufferSize ? { maxHttpBufferSize: deps.maxHttpBufferSize } : {}),
  });
  const failed = (error: unknown) => deps.onError?.(error);
  // Whether a push reaches anyone: a client of this node, or another node's behind an adapter. Socket.IO encodes a
  // broadcast before it looks for recipients, so a push to nobody is not free (a thousand clocks' update per batch).
  const hasAudience = () => io.engine.clientsCount > 0 || deps.acrossNodes === true;
  // Snapshots being built: closing waits for them, so that none reads a store the caller has closed meanwhile.
  const building = new Set<Promise<void>>();
  let closed = false;
  const sendSnapshot = (to: Pick<LiveServer, 'emit'>) => {
    if (closed) return;
    const built = buildSnapshot(deps.sources, now()).then((snapshot) => void to.emit('snapshot', snapshot), failed);
    building.add(built);
    void built.finally(() => building.delete(built));
  };
  io.on('connection', (socket) => sendSnapshot(socket));
  // Catch-up after a disconnect: `replay({ afterSeq, afterIncidentChange }, ack)` (replay.ts).
  const replays = handleReplay(io, deps.sources.reads, (error, failure) => deps.onReplayError?.(error, failure));
  const figures = createFiguresPush({
    clock,
    intervalMs: deps.figuresIntervalMs ?? LIVE_FIGURES_INTERVAL_MS,
    build: (minutes, nowMs) => buildComplianceUpdate(deps.sources, minutes, nowMs),
    emit: (update) => io.emit('compliance', update),
    failed,
  });
  // Heard right after the commit: the events leave at once, today's figures now or with the next push (figuresPush.ts).
  const unsubscribe = deps.ingest.onStored((stored) => {
    // Nobody to tell (no client here, no other node's behind an adapter): today's figures are not read for nothing,
    // once per stored group. A client that connects later gets a snapshot built then, with these events in it.
    if (!hasAudience()) return;
    io.emit('judged', stored);
    figures.add(stored);
  });
  // Today's figures are pushed after stored events only, so at the server's midnight a quiet board (a centre closed
  // over night) kept yesterday's figures under "today" until the first event of the morning. Each node sends its own
  // clients a snapshot of the new day then (io.local: every node has this timer).
  const stopDays = atEachDayStart(clock, deps.sources.timeZone, () => {
    if (io.engine.clientsCount > 0) sendSnapshot(io.local);
  });
  return {
    io,
    hasAudience,
    pushSnapshot: () => sendSnapshot(io),
    pushLocalSnapshot: () => {
      if (io.engine.clientsCount > 0) sendSnapshot(io.local);
    },
    snapshotsBeingRead: () => building.size,
    replays: () => replays.stats(),
    close: async (waitMs = CLOSE_WAIT_MS) => {
      closed = true;
      stopDays();
      unsubscribe();
      figures.stop();
      // Ends every live connection so that clients come back by themselves once the server is up again. Closing
      // the engine closes each transport (a WebSocket close frame; a "close" packet to a waiting long-poll) without
      // Socket.IO's DISCONNECT packet, so socket.io-client reports "transport close" and reconnects with backoff.
      // `disconnectSockets()` would send that packet first, which socket.io-client reads as "the server dropped me
      // for good" ("io server disconnect") and never retries. socket.io's own `io.close()` does the same, but would
      // also close the shared http server, which the caller drains and closes (http/drain.ts).
      io.engine.close();
      let timer: unknown = null;
      const late = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, waitMs)));
      await Promise.race([Promise.all([...building, replays.stop()]), late]);
      clock.clearTimeout(timer);
    },
  };
}

/** Runs `run` at the start of every day in the zone (read anew each day); the answer stops it. */
function atEachDayStart(clock: Clock, zone: () => string, run: () => void): () => void {
  let timer: unknown = null;
  const schedule = () => {
    const nowMs = clock.now();
    const { toMs } = todayRange(nowMs, zone());
    timer = clock.setTimeout(() => {
      // A timer may fire a moment before the instant (the wall clock and the timers' clock drift apart): then it waits on.
      if (clock.now() >= toMs) run();
      schedule();
    }, toMs - nowMs);
  };
  schedule();
  return () => clock.clearTimeout(timer);
}

/**
 * CORS stays closed: a browser page from another origin may not connect unless allow-listed (its page could use a
 * visitor's key). Clients without an Origin header (the extension host, scripts) are not browsers and may.
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
