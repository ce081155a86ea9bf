// Protects the live feed from its clients: `replay` (the one message a client may send) has its own limit and
// excess requests are answered with a refusal; unexpected or malformed messages are dropped and counted, a client
// that floods with them is disconnected, and a client that stops reading is cut off before its queue grows
// without bound.
//
// How Socket.IO buffers (why one slow client never delays the others): io.emit encodes a message once and
// hands it to every client's engine.io socket, which appends it to that client's own write buffer and writes
// asynchronously (a WebSocket send or the next polling response). Nothing waits for a client: a client that
// stops reading only makes its own buffer grow. The guard bounds that growth by disconnecting the client.
import type { LiveServer } from './liveServer';
import type { Logger } from 'pino';
import type { ClientToServerEvents, ReplayResponse } from '../protocol';
import { systemClock, type Clock } from '../clock';

export interface SocketGuardOptions {
  /** Unexpected client messages allowed per second before the client is disconnected (default 20). */
  maxMessagesPerSecond?: number;
  /** `replay` requests answered per second and client; more are refused with REPLAY_REFUSAL (default 10). */
  maxReplaysPerSecond?: number;
  /** Packets queued for one client before it is considered stuck and disconnected (default 1000). */
  maxQueuedPackets?: number;
  /** How often queues are checked (default 1000 ms). */
  checkEveryMs?: number;
}

export interface SocketStats {
  connected: number;
  /** Unexpected client messages (anything but `replay`), dropped. */
  droppedMessages: number;
  /** `replay` requests over the per-second limit, answered with REPLAY_REFUSAL. */
  refusedReplays: number;
  malformedOrOversized: number;
  floodDisconnects: number;
  slowDisconnects: number;
}

/** What a client that asks for replays too quickly is answered (it stays connected). */
const REPLAY_REFUSAL: ReplayResponse = { ok: false, error: 'too many replay requests; retry after 1 s', code: 'too-many-replays' };

/** Messages a client may send (ClientToServerEvents); anything else is unexpected. */
const EXPECTED: ReadonlySet<string> = new Set<keyof ClientToServerEvents>(['replay']);

/** Counts events in fixed one-second windows: hit() answers how many fell in the current one, this one included. */
function perSecond(now: () => number): { hit(): number } {
  let windowStart = now();
  let inWindow = 0;
  return {
    hit() {
      const t = now();
      if (t - windowStart >= 1000) {
        windowStart = t;
        inWindow = 0;
      }
      return (inWindow += 1);
    },
  };
}

/** `clock` times the one-second windows and the queue checks. */
export function guardSockets(io: LiveServer, logger: Logger, options: SocketGuardOptions = {}, clock: Clock = systemClock): { stats(): SocketStats; stop(): void } {
  const maxPerSecond = options.maxMessagesPerSecond ?? 20;
  const maxReplays = options.maxReplaysPerSecond ?? 10;
  const maxQueued = options.maxQueuedPackets ?? 1000;
  const now = () => clock.now();
  const counts = { droppedMessages: 0, refusedReplays: 0, malformedOrOversized: 0, floodDisconnects: 0, slowDisconnects: 0 };

  // Transport-level: engine.io closes a connection whose message exceeds maxHttpBufferSize or does not parse.
  io.engine.on('connection', (raw: { on(event: 'close', listener: (reason: string) => void): void }) => {
    raw.on('close', (reason: string) => {
      if (reason === 'parse error' || reason === 'transport error') {
        counts.malformedOrOversized += 1;
        logger.warn({ reason, total: counts.malformedOrOversized }, 'live client dropped: malformed or oversized message');
      }
    });
  });

  io.on('connection', (socket) => {
    const replays = perSecond(now);
    // A client reconnecting pages through replays one after the other: too many is a refusal it can retry,
    // not a reason to cut it off (it would reconnect and ask again).
    socket.use((packet, next) => {
      if (packet[0] !== 'replay' || replays.hit() <= maxReplays) return next();
      counts.refusedReplays += 1;
      const ack: unknown = packet.at(-1);
      if (typeof ack === 'function') (ack as (response: ReplayResponse) => void)(REPLAY_REFUSAL);
    });
    const unexpected = perSecond(now);
    let flooded = false;
    socket.onAny((event: unknown) => {
      if (EXPECTED.has(event as string)) return;
      counts.droppedMessages += 1;
      if (flooded) return; // already disconnected; packets decoded before that still arrive here
      const inWindow = unexpected.hit();
      if (inWindow > maxPerSecond) {
        flooded = true;
        counts.floodDisconnects += 1;
        logger.warn({ socket: socket.id, perSecond: inWindow }, 'live client disconnected: flooding');
        socket.disconnect(true);
      } else {
        logger.debug({ socket: socket.id, event: String(event).slice(0, 50) }, 'live client message dropped');
      }
    });
    // socket.io decodes packets it cannot map (e.g. a bad namespace or ack) into errors on the socket.
    socket.on('error', () => {
      counts.malformedOrOversized += 1;
    });
  });

  const timer = clock.setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
      if (queued > maxQueued) {
        counts.slowDisconnects += 1;
        logger.warn({ socket: socket.id, queued }, 'live client disconnected: not reading (send queue full)');
        socket.disconnect(true);
        // disconnect(true) only queues a close packet behind the backlog: drop the transport now.
        (socket.conn as unknown as { close(discard?: boolean): void }).close(true);
        // A WebSocket close waits for the peer's answer (30 s), which a stuck client never sends: cut the TCP.
        (socket.conn as unknown as { transport?: { socket?: { terminate?(): void } } }).transport?.socket?.terminate?.();
      }
    }
  }, options.checkEveryMs ?? 1000);

  return {
    stats: () => ({ connected: io.sockets.sockets.size, ...counts }),
    stop: () => clock.clearInterval(timer),
  };
}
