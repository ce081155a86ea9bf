// Starting the built CLI (server/dist/main.js) as a child process, for tests that need a real process.
import { execFile, spawn, type ChildProcessWithoutNullStreams, type ExecFileOptions } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, beforeAll } from 'vitest';
import { buildIfStale } from '../../../scripts/stale-build.mjs';
import { watchOutput, type ChildOutput } from './childOutput';
import { removeDir, tempDataDir } from './testServer';

export const repo = resolve(__dirname, '../../..');
export const mainJs = resolve(repo, 'server/dist/main.js');

/** Builds server/dist/main.js unless it is newer than its sources (the build step of `pnpm test` has just written it). */
export function buildServer(): void {
  const result = buildIfStale('server');
  if (result && result.status !== 0) throw new Error(`server/build.mjs failed:\n${result.stdout}${result.stderr}`);
}

export interface NodeRun {
  /** The exit code (1 when the process could not start or was killed). */
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...args` to its end without blocking this process: an execFileSync or spawnSync would stall a server
 * running in this process, whose idle kept-alive connections then close just as the next request reuses them
 * (ECONNRESET on a loaded machine).
 */
export function runNode(args: readonly string[], options: Omit<ExecFileOptions, 'encoding'> = {}): Promise<NodeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { maxBuffer: 256 * 1024 * 1024, ...options, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

export interface CliServer extends ChildOutput {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exit: Promise<number | null>;
}

/**
 * Starts `node <script> ...args` (the built CLI by default) and resolves once it prints its listening line;
 * rejects, with its stderr, if it exits first. A hang is bounded by the test's own timeout.
 */
export async function startCli(args: string[], env: Record<string, string> = {}, script = mainJs): Promise<CliServer> {
  const child = spawn(process.execPath, [script, ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: '', ...env } });
  const output = watchOutput(child);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const [, url] = await output.until('stdout', /^listening on (http:\/\/\S+)\n/m);
  return { ...output, child, url: url!.replace('0.0.0.0', '127.0.0.1'), exit };
}

/**
 * A file's CLI servers and scratch folders: `start` runs the built CLI (startCli) and `dataDir` makes a folder; after
 * each test every server still running is stopped (SIGTERM, its exit awaited, so it lets its folder and lock go)
 * and every folder removed. `track` adds a child started another way.
 */
export function useCliScratch(): { start: typeof startCli; dataDir: () => string; track: (server: CliServer) => void } {
  const running: CliServer[] = [];
  const dirs: string[] = [];
  beforeAll(buildServer);
  afterEach(async () => {
    for (const s of running.splice(0)) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
      await s.exit;
    }
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return {
    start: async (...args) => {
      const server = await startCli(...args);
      running.push(server);
      return server;
    },
    dataDir: () => {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
    track: (server) => void running.push(server),
  };
}
