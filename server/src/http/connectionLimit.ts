// How many TCP connections one client address may hold open at once. Every connection is a file descriptor until it
// closes, and the server waits for a connection's first request (60 s) and a Socket.IO connection's key (45 s)
// before it closes an idle one: without a cap, one client with no key opened connections until the process ran out
// of descriptors (its limit, often 1,024 to 20,000), and from then every request, /health and ingest included,
// failed to connect until the client stopped. Counted at the TCP level, before any byte of a request is read, by the
// connection's peer: a proxy that --trust-proxy trusts is not counted (the clients behind it share its address: it
// must limit them), as the rate limit's walk of X-Forwarded-For trusts it (http/clientAddress.ts).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { rawProblem } from './clientErrors';
import { problem } from './problems';

/** The answer a connection over the cap gets before it is closed: it may not have sent its request yet. */
function refusal(max: number): string {
  const why = `already holds ${max} open connections to the server, the most one address may`;
  const p = problem(429, 'too-many-connections', 'Too many connections', `this address ${why}; close some and retry`, [{ path: '(connection)', message: `comes from an address that ${why}` }]);
  return rawProblem(p, ['Retry-After: 1']);
}

/**
 * Caps the open connections per peer address at `max` on `server`: one more is answered 429 and closed at once.
 * `trusted(address)`: a proxy in front, never capped. `refused(address)` is told once each time an address reaches
 * the cap (again only after it has gone below it), so a flood is one log line, not one per connection.
 */
export function limitConnectionsPerAddress(server: Server, max: number, trusted: (address: string) => boolean, refused: (address: string) => void): void {
  const open = new Map<string, number>();
  const told = new Set<string>();
  const answer = refusal(max);
  // In place of the HTTP server's own listeners (its parser's): a refused connection is never parsed or answered
  // by anything else. Call it right after creating the server, before anything else listens.
  const accept = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (admit(socket)) for (const listener of accept) listener.call(server, socket);
  });

  function admit(socket: Socket): boolean {
    const address = socket.remoteAddress;
    if (address === undefined || trusted(address)) return true;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      if (!told.has(address)) {
        told.add(address);
        refused(address);
      }
      socket.on('error', () => undefined); // the client may reset it before the answer is written
      socket.write(answer);
      socket.destroySoon(); // closes the descriptor once written, whether or not the client reads or closes
      return false;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
      if (left < max) told.delete(address);
    });
    return true;
  }
}
