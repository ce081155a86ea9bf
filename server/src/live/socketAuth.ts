// The Socket.IO handshake needs a key with scope `read`: `auth: { token }` (or an Authorization header).
import type { Server } from 'socket.io';
import type { AccessMode } from '../services/access';
import { bearerToken } from '../http/auth';
import type { KeysService } from '../services/keys';
import { allows } from '../domain/keys';

/** Checks every handshake; cuts sockets whose key is revoked (at once) or expires (within `checkEveryMs`). */
export function requireSocketKey(io: Server, mode: AccessMode, keys: KeysService, checkEveryMs = 1000): () => void {
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
      socket.data.keyId = result.key.id;
      socket.data.keyExpiresAtMs = result.key.expiresAt === null ? null : Date.parse(result.key.expiresAt);
      next();
    }, (error: unknown) => next(error as Error));
  });
  const cut = (match: (data: { keyId?: string; keyExpiresAtMs?: number | null }) => boolean) => {
    for (const socket of io.sockets.sockets.values()) if (match(socket.data as never)) socket.disconnect(true);
  };
  const unsubscribe = keys.onRevoked((id) => cut((d) => d.keyId === id));
  const timer = setInterval(() => {
    const now = Date.now();
    cut((d) => typeof d.keyExpiresAtMs === 'number' && d.keyExpiresAtMs <= now);
  }, checkEveryMs);
  timer.unref();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
