// A real Ringside server, started through its CLI exactly as users start it: either with an admin key in
// RINGSIDE_API_KEY (the extension then needs that key: "Ringside: Set API Key"), or with --no-auth (loopback only).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverMain } from './paths';
import { startProcess, type ManagedProcess } from './processes';

export interface RunningRingside {
  url: string;
  /** The admin key the server accepts, or undefined for a --no-auth server. */
  apiKey: string | undefined;
  dataDir: string;
  process: ManagedProcess;
  close(): Promise<void>;
}

export interface RingsideServerOptions {
  demo?: boolean;
  dataDir?: string;
  /** true: start with a fresh random RINGSIDE_API_KEY; a string: that key; false/absent: --no-auth. */
  apiKey?: boolean | string;
  /** More CLI arguments. */
  args?: string[];
}

export function randomApiKey(): string {
  return `rs_test_${randomBytes(18).toString('base64url')}`;
}

export async function startRingsideServer(options: RingsideServerOptions = {}): Promise<RunningRingside> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ringside-data-'));
  const apiKey = options.apiKey === true ? randomApiKey() : typeof options.apiKey === 'string' ? options.apiKey : undefined;
  const args = [serverMain, '--port', '0', '--data', dataDir, ...(options.demo ? ['--demo'] : []), ...(apiKey ? [] : ['--no-auth']), ...(options.args ?? [])];
  // The caller's own RINGSIDE_API_KEY never leaks in: the key is exactly the one chosen here.
  const { RINGSIDE_API_KEY: _ignored, ...env } = process.env;
  const server = startProcess(process.execPath, args, { env: apiKey ? { ...env, RINGSIDE_API_KEY: apiKey } : env });
  const close = async () => {
    await server.stop();
    // Only a folder made here is removed, and only once the server that wrote it has stopped.
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, url] = await server.waitForLine(/listening on (http:\/\/\S+)/, 30_000);
    return { url: url!, apiKey, dataDir, process: server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
