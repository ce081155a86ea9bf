// A real Ringside server, started through its CLI exactly as users start it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverMain } from './paths';
import { startProcess, type ManagedProcess } from './processes';

export interface RunningRingside {
  url: string;
  process: ManagedProcess;
  close(): Promise<void>;
}

export async function startRingsideServer(options: { demo?: boolean; dataDir?: string } = {}): Promise<RunningRingside> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ringside-data-'));
  const args = [serverMain, '--port', '0', '--data', dataDir, ...(options.demo ? ['--demo'] : [])];
  // No admin key from the caller's environment: the extension connects without one.
  const { RINGSIDE_API_KEY: _ignored, ...env } = process.env;
  const server = startProcess(process.execPath, args, { env });
  const close = async () => {
    await server.stop();
    // Only a folder made here is removed, and only once the server that wrote it has stopped.
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [, url] = await server.waitForLine(/listening on (http:\/\/\S+)/, 30_000);
    return { url: url!, process: server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
