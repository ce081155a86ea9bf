// The dashboard address printed at start. On loopback, when the data folder holds the generated admin key,
// the address carries it as #token= (as Jupyter prints its token URL, but after '#', which a browser never sends:
// no proxy's access log, server log or Referer gets it): a single local user opens the printed link and sees live
// data without typing a key. The key never goes into the address otherwise.
// A server listening on every address (0.0.0.0, ::) has no address a browser can open as such: `dashboard:` then
// names this machine's loopback address (what a browser here opens), and one `network:` line per address of this
// machine others may reach it by follows, as Vite prints its Local and Network lines.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { isLoopback } from '../protocol/pure';
import { ADMIN_KEY_FILE } from '../services/access';

const WILDCARDS: Record<string, string> = { '0.0.0.0': '127.0.0.1', '::': '::1', '::0': '::1' };

/**
 * The lines after `listening on`: `dashboard: URL` first (its format fixed: scripts read it), then, on a wildcard
 * address, `network: URL` for each non-loopback address of this machine (IPv4 only on 0.0.0.0; on ::, also IPv6
 * but link-local addresses, which need a zone to be opened).
 */
export function dashboardLines(port: number, host: string, dataDir: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const local = WILDCARDS[h];
  if (local === undefined) return [`dashboard: ${dashboardAddress(urlOf(host, port), host, dataDir)}`];
  const network = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && (a.family === 'IPv4' || (h !== '0.0.0.0' && !a.address.toLowerCase().startsWith('fe80:'))))
    .map((a) => `network: ${urlOf(a.address, port)}/`);
  // The key goes in only when the server listens on loopback alone (`host`), as before: not on every address.
  return [`dashboard: ${dashboardAddress(urlOf(local, port), host, dataDir)}`, ...new Set(network)];
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

function dashboardAddress(serverUrl: string, host: string, dataDir: string): string {
  const page = `${serverUrl}/`;
  if (!isLoopback(host)) return page;
  const key = readKeyFile(join(dataDir, ADMIN_KEY_FILE));
  return key ? `${page}#token=${encodeURIComponent(key)}` : page;
}

function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
