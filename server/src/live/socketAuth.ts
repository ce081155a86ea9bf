// The Socket.IO handshake needs a key with scope `read`: `auth: { token }` (or an Authorization header).
import type { LiveKey } from '../protocol';
import { systemClock, type Clock } from '../clock';
import { allows, bearerToken } from '../domain/keys';
import type { AccessMode } from '../services/access';
import type { KeysService } from '../services/keys';
import type { LiveServer } from './liveServer';

/** Checks every handshake; cuts sockets whose key is revoked (at once) or expires (within `checkEveryMs`). */
export function requireSocketKey(io: LiveServer, mode: AccessMode, keys: KeysService, clock: Clock = systemClock, checkEveryMs = 1000): () => void {
  if (mode === 'open') return () => {};
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' && auth.token !== '' ? auth.token : bearerToken(socket.handshake.headers.authorization);
    const refuse = (reason: string, message: string) => {
      // The client sees `connect_error` with this message and `data` (socket.io's documented pattern).
      const error = new Error(message) as Error & { data?: unknown };
      error.data = { status: reason === 'insufficient-scope' ? 403 : 401, reason };
      next(error);
    };
    if (!token) return refuse('missing-key', 'unauthorized: an API key with scope "read" is required (auth: { token })');
    keys.authenticate(token).then((result) => {
      if (!result.ok) return refuse(`key-${result.reason}`, `unauthorized: the API key is ${result.reason === 'unknown' ? 'not recognised' : result.reason}`);
      if (!allows(result.key.scopes, 'read')) return refuse('insufficient-scope', 'forbidden: the live feed needs a key with scope "read"');
      const { id, name, scopes, expiresAt } = result.key;
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
