// The Socket.IO handshake needs a key with scope `read`: `auth: { token }` (or an Authorization header).
import type { LiveKey } from '../protocol';
import { systemClock, type Clock } from '../clock';
import { bearerToken } from '../domain/keys';
import type { AccessMode } from '../services/access';
import type { KeysService } from '../services/keys';
import type { LiveServer } from './liveServer';

/** Checks every handshake; cuts sockets whose key is revoked (at once) or expires (within `checkEveryMs`). */
export function requireSocketKey(io: LiveServer, mode: AccessMode, keys: KeysService, clock: Clock = systemClock, checkEveryMs = 1000): () => void {
  if (mode === 'open') return () => {};
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' && auth.token !== '' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    keys.liveAccess(token).then((access) => {
      if (!access.ok) {
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
  const timer = clock.setInterval(() => {
    const now = clock.now();
    cut((key) => key.expiresAtMs !== null && key.expiresAtMs <= now);
  }, checkEveryMs);
  return () => {
    unsubscribe();
    clock.clearInterval(timer);
  };
}
