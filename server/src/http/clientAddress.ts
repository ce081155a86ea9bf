// The address of the client a request comes from, as Express derives `req.ip` from its "trust proxy" setting
// (--trust-proxy): the socket's peer, or, behind trusted proxies, the X-Forwarded-For entry the nearest untrusted hop
// added. One function for the per-address rate-limit bucket and the log line, on both the Express and the direct
// routes (http/direct.ts), which never see Express's request.
import type { IncomingMessage } from 'node:http';

/**
 * --trust-proxy: how many proxies in front are trusted (hops), or their addresses, CIDR ranges and proxy-addr's names
 * (loopback, linklocal, uniquelocal), as Express's "trust proxy" setting takes them. Never `true` (every hop
 * trusted): any client could then name its own address in X-Forwarded-For.
 */
export type TrustProxy = number | readonly string[];

/** Express's compiled "trust proxy fn": whether the address `hops` proxies away from the server is a trusted proxy. */
export type TrustProxyFn = (address: string, hops: number) => boolean;

export type ClientAddress = (req: IncomingMessage) => string;

/** `trust` null (no --trust-proxy): the socket's peer, whatever X-Forwarded-For a client sends. */
export function clientAddress(trust: TrustProxyFn | null): ClientAddress {
  const peer = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';
  if (trust === null) return peer;
  return (req) => {
    // proxy-addr's walk (what Express's req.ip runs): from the socket outwards, stop at the first untrusted hop.
    const header = req.headers['x-forwarded-for'];
    const forwarded = typeof header === 'string' ? header.split(',').map((a) => a.replace(/^ +| +$/g, '')).filter((a) => a !== '').reverse() : [];
    const hops = [peer(req), ...forwarded];
    for (let i = 0; i < hops.length - 1; i++) if (!trust(hops[i]!, i)) return hops[i]!;
    return hops[hops.length - 1]!;
  };
}
