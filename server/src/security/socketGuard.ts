// Protects the live feed from its clients: unexpected or malformed messages are dropped and counted, a client
// that floods is disconnected, and a client that stops reading is cut off before its queue grows without bound.
//
// How Socket.IO buffers (why one slow client never delays the others): io.emit encodes a message once and
// hands it to every client's engine.io socket, which appends it to that client's own write buffer and writes
// asynchronously (a WebSocket send or the next polling response). Nothing waits for a client: a client that
// stops reading only makes its own buffer grow. The guard bounds that growth by disconnecting the client.
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';

export interface SocketGuardOptions {
  /** Client messages allowed per second before the client is disconnected (default 20). */
  maxMessagesPerSecond?: number;
  /** Packets queued for one client before it is considered stuck and disconnected (default 1000). */
  maxQueuedPackets?: number;
  /** How often queues are checked (default 1000 ms). */
  checkEveryMs?: number;
}

export interface SocketStats {
  connected: number;
  droppedMessages: number;
  malformedOrOversized: number;
  floodDisconnects: number;
  slowDisconnects: number;
}

export function guardSockets(io: Server, logger: Logger, options: SocketGuardOptions = {}): { stats(): SocketStats; stop(): void } {
  const maxPerSecond = options.maxMessagesPerSecond ?? 20;
  const maxQueued = options.maxQueuedPackets ?? 1000;
  const counts = { droppedMessages: 0, malformedOrOversized: 0, floodDisconnects: 0, slowDisconnects: 0 };

  // Transport-level: engine.io closes a connection whose message exceeds maxHttpBufferSize or does not parse.
  io.engine.on('connection', (raw: { on(event: 'close', listener: (reason: string) => void): void }) => {
    raw.on('close', (reason: string) => {
      if (reason === 'parse error' || reason === 'transport error') {
        counts.malformedOrOversized += 1;
        logger.warn({ reason, total: counts.malformedOrOversized }, 'live client dropped: malformed or oversized message');
      }
    });
  });

  io.on('connection', (socket: Socket) => {
    let windowStart = Date.now();
    let inWindow = 0;
    // The server expects nothing from clients (ClientToServerEvents is empty): every message is dropped.
    let flooded = false;
    socket.onAny((event: unknown) => {
      counts.droppedMessages += 1;
      if (flooded) return; // already disconnected; packets decoded before that still arrive here
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        inWindow = 0;
      }
      inWindow += 1;
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

  const timer = setInterval(() => {
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
  timer.unref();

  return {
    stats: () => ({ connected: io.sockets.sockets.size, ...counts }),
    stop: () => clearInterval(timer),
  };
}
