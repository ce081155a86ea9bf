// Protects the live feed from its clients: `replay` (the one message a client may send) has its own limit and
// excess requests are answered with a refusal; unexpected or malformed messages are dropped and counted (an
// unexpected one that asks for an acknowledgement is answered with a refusal naming it), a client that floods with
// them is disconnected, and a client that stops reading is cut off before its queue grows without bound.
//
// How Socket.IO buffers (why one slow client never delays the others): io.emit encodes a message once and
// hands it to every client's engine.io socket, which appends it to that client's own write buffer and writes
// asynchronously (a WebSocket send or the next polling response). Nothing waits for a client: a client that
// stops reading only makes its own buffer grow. The guard bounds that growth by disconnecting the client.
import type { LiveServer } from './liveServer';
import type { Logger } from 'pino';
import type { ClientToServerEvents, ReplayResponse, UnknownMessageAnswer } from '../protocol';
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

/**
 * The most engine.io reads of one client packet. Above the message limit only so that a connection request
 * (socket.io's CONNECT, carrying `auth`) too large for the limit still reaches the guard and is refused in words:
 * engine.io itself can only close the connection (a polling POST answered 413, a WebSocket closed with 1009), which
 * a client reports as "xhr post error" or "transport close", never why. Any other message over the limit closes its
 * client here, as engine.io would have. Every connection may have this much buffered before its key is looked at, so
 * it stays small: four times the default message limit holds any token pasted by mistake (socket.io's own 1 MB
 * default would let each unauthenticated connection hold 64 times what it could before).
 */
const MAX_PACKET_BYTES = 64 * 1024;

/** The engine's packet limit for a message limit of `maxMessageBytes` (livePush's maxHttpBufferSize). */
export const packetLimit = (maxMessageBytes: number) => Math.max(maxMessageBytes, MAX_PACKET_BYTES);

/** socket.io packets as engine.io hands them over: text whose first character is the packet type ('0' CONNECT). */
const isConnectPacket = (data: unknown) => typeof data === 'string' && data.startsWith('0');
const packetBytes = (data: unknown) => (typeof data === 'string' ? Buffer.byteLength(data) : ((data as { byteLength?: number } | null)?.byteLength ?? 0));

/** Marks an engine.io connection whose message was over the limit: what socket.io still decodes of it is dropped. */
const OVERSIZED = Symbol('oversized');
/** Marks an engine.io connection that sent a connection request over the limit (the one it may send). */
const LONG_REQUEST = Symbol('long connection request');

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

/** Marks an engine.io connection whose WebSocket refused a frame: ws's error code (WS_ERR_…). */
const REFUSED_FRAME = Symbol('refused frame');

/** An engine.io transport, as far as the guard uses it: a WebSocket one holds its ws socket. */
interface RawTransport {
  name?: string;
  socket?: { prependListener?(event: 'error', listener: (error: Error & { code?: unknown }) => void): void };
}

/** The engine.io connection under a socket, as far as the guard uses it. */
interface RawConnection {
  transport?: RawTransport;
  on(event: 'data', listener: (data: unknown) => void): void;
  on(event: 'upgrade', listener: (transport: RawTransport) => void): void;
  on(event: 'close', listener: (reason: string, description?: unknown) => void): void;
  close(): void;
  [OVERSIZED]?: boolean;
  [LONG_REQUEST]?: boolean;
  [REFUSED_FRAME]?: string;
}

/** What a client that asks for replays too quickly is answered (it stays connected). */
const REPLAY_REFUSAL: ReplayResponse = { ok: false, error: 'too many replay requests; retry after 1 s', code: 'too-many-replays' };

/** Messages a client may send (ClientToServerEvents); anything else is unexpected. */
const EXPECTED: ReadonlySet<string> = new Set<keyof ClientToServerEvents>(['replay']);

/** What an unexpected message with an acknowledgement is answered: what it was, and the one message a client may send. */
const unknownMessage = (event: unknown): UnknownMessageAnswer => ({
  ok: false,
  code: 'unknown-message',
  error: `${JSON.stringify(String(event).slice(0, 50))} is not a message this server takes: a client sends only replay({ afterSeq?, afterIncidentChange? }, ack)`,
});

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

/** engine.io's errors for breaches of its protocol: only a client that does not follow it causes these. */
const PROTOCOL_BREACHES: ReadonlySet<string> = new Set(['overlap from client', 'data request overlap from client', 'invalid content', 'invalid heartbeat direction']);

/**
 * Why engine.io closed a connection, when it was for what the client sent; null when the connection simply ended.
 * engine.io's close reasons (its Socket#onClose): "parse error" is a packet that did not decode; "transport error" is
 * most often the network: a long-polling request closed before its answer ("poll connection closed prematurely",
 * "data request connection closed prematurely": a client that exits, a proxy that drops it) or a failed write. It is
 * the client's input only for a WebSocket frame the ws library refused (`frameError`, its codes WS_ERR_…: a frame over
 * the packet limit, broken framing, text that is not UTF-8) or a breach of engine.io's protocol (PROTOCOL_BREACHES).
 * "transport close", "ping timeout", "forced close" and "server close" are ends, never input.
 */
function refusedInput(reason: string, description: unknown, frameError: string | undefined): string | null {
  if (reason === 'parse error') return reason;
  if (reason !== 'transport error') return null;
  if (frameError === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'message too large';
  if (frameError) return `malformed WebSocket frame (${frameError})`;
  return description instanceof Error && PROTOCOL_BREACHES.has(description.message) ? `malformed request (${description.message})` : null;
}

/**
 * Keeps the code of the first frame the WebSocket under `transport` refuses on `raw` (REFUSED_FRAME). engine.io passes
 * ws's error on as a new Error of its text, without the code, so it is read from ws itself, before engine.io's own
 * listener closes the connection.
 */
function watchFrames(raw: RawConnection, transport: RawTransport | undefined): void {
  if (transport?.name !== 'websocket') return;
  transport.socket?.prependListener?.('error', (error: Error & { code?: unknown }) => {
    if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) raw[REFUSED_FRAME] ??= error.code;
  });
}

/**
 * The message limit: engine.io closes a connection whose packet exceeds MAX_PACKET_BYTES or does not parse; a message
 * over `maxMessageBytes` is closed here, except a connection's first connection request over it, which the middleware
 * answers in words. socket.io-client closes its connection once refused, so a second such request on one connection
 * is no slip: read, it would let any client, before its key is looked at, have the server parse packets of up to
 * MAX_PACKET_BYTES for as long as it likes. Prepended, so that the check sees each packet before socket.io decodes it.
 */
function limitMessages(io: LiveServer, maxMessageBytes: number, dropped: (reason: string) => void): void {
  io.engine.prependListener('connection', (raw: RawConnection) => {
    raw.on('data', (data: unknown) => {
      if (raw[OVERSIZED] || packetBytes(data) <= maxMessageBytes) return;
      if (isConnectPacket(data) && !raw[LONG_REQUEST]) return void (raw[LONG_REQUEST] = true);
      raw[OVERSIZED] = true;
      dropped('message too large');
      raw.close();
    });
    watchFrames(raw, raw.transport);
    raw.on('upgrade', (transport: RawTransport) => watchFrames(raw, transport));
    raw.on('close', (reason: string, description?: unknown) => {
      const refused = refusedInput(reason, description, raw[REFUSED_FRAME]);
      if (refused) dropped(refused);
    });
  });
  // A connection request over the limit (its `auth`, most likely a wrong token pasted) is refused in words, before
  // the key is looked at: the client gets connect_error naming the size and the limit.
  io.use((socket, next) => {
    const bytes = Buffer.byteLength(JSON.stringify(socket.handshake.auth ?? {}));
    if (bytes <= maxMessageBytes) return next();
    dropped('connection request too large');
    // Worded as the key check's refusals (`unauthorized: …`): a client asks for another key on those (the dashboard does).
    const error = new Error(`unauthorized: the API key is too long (the connection request's auth is ${bytes} bytes, more than the ${maxMessageBytes} a live client may send)`) as Error & { data?: unknown };
    error.data = { status: 401, reason: 'key-too-long' };
    next(error);
  });
}

/** `clock` times the one-second windows and the queue checks. */
export function guardSockets(io: LiveServer, logger: Logger, maxMessageBytes: number, options: SocketGuardOptions = {}, clock: Clock = systemClock): { stats(): SocketStats; stop(): void } {
  const maxPerSecond = options.maxMessagesPerSecond ?? 20;
  const maxReplays = options.maxReplaysPerSecond ?? 10;
  const maxQueued = options.maxQueuedPackets ?? 1000;
  const now = () => clock.now();
  const counts = { droppedMessages: 0, refusedReplays: 0, malformedOrOversized: 0, floodDisconnects: 0, slowDisconnects: 0 };

  const dropped = (reason: string) => {
    counts.malformedOrOversized += 1;
    logger.warn({ reason, total: counts.malformedOrOversized }, 'live client dropped: malformed or oversized message');
  };
  limitMessages(io, maxMessageBytes, dropped);

  io.on('connection', (socket) => {
    const replays = perSecond(now);
    // A client reconnecting pages through replays one after the other: too many is a refusal it can retry,
    // not a reason to cut it off (it would reconnect and ask again).
    socket.use((packet, next) => {
      if ((socket.conn as unknown as RawConnection)[OVERSIZED]) return; // its connection is closing: nothing of it is read
      if (packet[0] !== 'replay' || replays.hit() <= maxReplays) return next();
      counts.refusedReplays += 1;
      const ack: unknown = packet.at(-1);
      if (typeof ack === 'function') (ack as (response: ReplayResponse) => void)(REPLAY_REFUSAL);
    });
    const unexpected = perSecond(now);
    let flooded = false;
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (EXPECTED.has(event as string)) return;
      counts.droppedMessages += 1;
      if (flooded) return; // already disconnected; packets decoded before that still arrive here
      const inWindow = unexpected.hit();
      // Socket.IO hands an acknowledgement over last: a client waiting for one is told, not left to time out.
      const ack = args.at(-1);
      if (typeof ack === 'function' && inWindow <= maxPerSecond) (ack as (answer: UnknownMessageAnswer) => void)(unknownMessage(event));
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
