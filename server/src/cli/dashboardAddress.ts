// The dashboard address printed at start. On loopback, when the data folder holds the generated admin key,
// the address carries it as #token= (as Jupyter prints its token URL, but after '#', which a browser never sends:
// no proxy's access log, server log or Referer gets it): a single local user opens the printed link and sees live
// data without typing a key. The key never goes into the address otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopback } from '../protocol/pure';
import { ADMIN_KEY_FILE } from '../services/access';

export function dashboardAddress(serverUrl: string, host: string, dataDir: string): string {
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
