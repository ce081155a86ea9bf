// The Socket.IO handshake needs a key with scope `read`: `auth: { token }` (or an Authorization header). A socket
// stays connected only while its key may still read: a revocation through this process cuts its sockets at once; every
// other change (a revocation through another node, by the keys subcommand, or made in the database itself; an expiry)
// at the next check, once a second.
import type { IncomingMessage } from 'node:http';
import type { LiveKey } from '../protocol';
import { systemClock, type Clock } from '../clock';
import { bearerToken, openHostAllowed, openHostRefusal } from '../domain/keys';
import type { AccessMode } from '../services/access';
import type { KeysService } from '../services/keys';
import type { LiveServer } from './liveServer';

export interface SocketKeyOptions {
  clock?: Clock;
  /** How often connected sockets' keys are checked (default 1000 ms). */
  checkEveryMs?: number;
  /** A check the store could not answer (its sockets stay until one can); told once per run of failures. */
  onCheckError?: (error: unknown) => void;
  /**
   * A connection request whose key is refused takes a token from its client address's rate-limit bucket, the one
   * HTTP requests refused for their key take from: 0 when it had one, else the seconds until it has. Unset: no limit.
   */
  refused?: (request: IncomingMessage) => number;
}

/** Checks every handshake; cuts sockets whose key may no longer read (see the top of this file). */
export function requireSocketKey(io: LiveServer, mode: AccessMode, keys: KeysService, options: SocketKeyOptions = {}): () => void {
  if (mode === 'open') {
    // No key to check: only the Host header keeps a page that rebound its name to 127.0.0.1 off the feed (domain/keys.ts).
    io.use((socket, next) => {
      const host = socket.handshake.headers.host;
      if (openHostAllowed(host)) return next();
      const error = new Error(`forbidden: the Host header ${openHostRefusal(host!)}`) as Error & { data?: unknown };
      error.data = { status: 403, reason: 'host-not-allowed' };
      next(error);
    });
    return () => {};
  }
  const clock = options.clock ?? systemClock;
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' && auth.token !== '' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    keys.liveAccess(token).then((access) => {
      if (!access.ok) {
        // Counted as HTTP counts a request refused for its key, so keys are guessed no faster here: a connection
        // could otherwise send connection requests with one guess each, thousands a second, none logged or limited.
        const wait = options.refused?.(socket.request) ?? 0;
        if (wait > 0) {
          const seconds = Math.max(1, Math.ceil(wait));
          const error = new Error(`too many refused connection requests from this address; retry after ${seconds} s`) as Error & { data?: unknown };
          error.data = { status: 429, reason: 'rate-limited', retryAfter: seconds };
          return next(error);
        }
        // The client sees `connect_error` with this message and `data` (socket.io's documented pattern).
        const error = new Error(access.message) as Error & { data?: unknown };
        error.data = { status: access.status, reason: access.reason };
        return next(error);
      }
      const { id, name, scopes, expiresAt } = access.key;
      socket.data.key = { id, name, scopes, expiresAtMs: expiresAt === null ? null : Date.parse(expiresAt) };
      next();
    }, (error: unknown) => next(error as Error));
  });
  const cut = (match: (key: LiveKey) => boolean) => {
    for (const socket of io.sockets.sockets.values()) if (socket.data.key && match(socket.data.key)) socket.disconnect(true);
  };
  const unsubscribe = keys.onRevoked((id) => cut((key) => key.id === id));
  const storeCheck = checkAgainstStore(keys, cut, options.onCheckError);
  const timer = clock.setInterval(() => {
    const now = clock.now();
    // Expiry needs no read (the socket carries it), so it holds while the store cannot answer too.
    cut((key) => key.expiresAtMs !== null && key.expiresAtMs <= now);
    const ids = new Set<string>();
    for (const socket of io.sockets.sockets.values()) if (socket.data.key) ids.add(socket.data.key.id);
    storeCheck(ids);
  }, options.checkEveryMs ?? 1000);
  return () => {
    unsubscribe();
    clock.clearInterval(timer);
  };
}

/**
 * What only the store knows: the keys of the connected sockets read again, all in one read however many sockets share
 * them (a wall of dashboards on one key costs one lookup of one row a second). One check at a time: a store slower
 * than the interval is not asked again until it has answered.
 */
function checkAgainstStore(keys: KeysService, cut: (match: (key: LiveKey) => boolean) => void, onError: ((error: unknown) => void) | undefined) {
  let checking = false;
  let failing = false;
  return (ids: ReadonlySet<string>) => {
    if (checking || ids.size === 0) return;
    checking = true;
    void keys
      .refusedLiveKeys([...ids])
      .then(
        (refused) => {
          failing = false;
          if (refused.size > 0) cut((key) => refused.has(key.id));
        },
        (error: unknown) => {
          if (!failing) onError?.(error);
          failing = true;
        },
      )
      .finally(() => (checking = false));
  };
}
