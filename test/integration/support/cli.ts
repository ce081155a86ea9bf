// Starting the built CLI (server/dist/main.js) as a child process, for tests that need a real process.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { watchOutput, type ChildOutput } from './childOutput';

export const repo = resolve(__dirname, '../../..');
export const mainJs = resolve(repo, 'server/dist/main.js');

export function buildServer(): void {
  execFileSync(process.execPath, [resolve(repo, 'server/build.mjs')], { stdio: 'pipe' });
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
