// Graceful HTTP shutdown: stop accepting, let in-flight requests finish (bounded), then close the rest.
import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Drainable {
  /** Requests received whose response has not finished. */
  inFlight(): number;
  close(timeoutMs?: number): Promise<void>;
}

export function drainable(server: HttpServer): Drainable {
  let active = 0;
  // Ahead of the application's own listener: a request counts from the moment it arrives, so the count does not
  // depend on whether the handlers before a route (key checks) finish synchronously or after an await.
  server.prependListener('request', (_req, res) => {
    active += 1;
    res.once('close', () => (active -= 1));
  });
  // WebSocket connections leave the HTTP server's bookkeeping once upgraded; a client that stopped reading
  // would hold close() open for ws's 30 s close handshake. They are cut once the HTTP side has drained.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  return {
    inFlight: () => active,
    close: (timeoutMs = 10_000) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        const deadline = Date.now() + timeoutMs;
        const tick = () => {
          server.closeIdleConnections();
          if (active === 0 || Date.now() >= deadline) {
            server.closeAllConnections();
            for (const socket of upgraded) socket.destroy();
            return;
          }
          setTimeout(tick, 20);
        };
        tick();
      }),
  };
}
