// Starting the built CLI (server/dist/main.js) as a child process, for tests that need a real process.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

export const repo = resolve(__dirname, '../../..');
export const mainJs = resolve(repo, 'server/dist/main.js');

export function buildServer(): void {
  execFileSync(process.execPath, [resolve(repo, 'server/build.mjs')], { stdio: 'pipe' });
}

export interface CliServer {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr(): string;
  exit: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string> = {}, waitMs = 10_000): Promise<CliServer> {
  const child = spawn(process.execPath, [mainJs, ...args], { cwd: repo, env: { ...process.env, RINGSIDE_API_KEY: '', ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^listening on (http:\/\/[^\s]+)$/m.exec(stdout);
      if (m) resolvePromise({ child, url: m[1]!.replace('0.0.0.0', '127.0.0.1'), stderr: () => stderr, exit });
    });
    void exit.then((code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    setTimeout(() => reject(new Error(`no listening line after ${waitMs} ms; stderr: ${stderr}`)), waitMs);
  });
}
