// Child processes the tests start, each in its own process group so cleanup also ends their children
// (code-server forks an extension host; the Ringside server may fork nothing, but the rule is the same).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the first output line matching `pattern` (rejects on exit or timeout). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    child,
    output: () => output,
    waitForLine: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          watchers.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
        };
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${command}\n${output}`)), timeoutMs);
        watchers.add(check);
        void exited.then(() => finish(new Error(`${command} exited (code ${child.exitCode}) before printing ${pattern}\n${output}`)));
        check();
      }),
    stop: () => stopGroup(child, exited),
  };
}

/** SIGTERM to the whole group, SIGKILL if it is still there after a few seconds. */
async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([exited.then(() => 'exited' as const), timeout])) === 'timeout') signalGroup('SIGKILL');
  // The leader is gone; make sure nothing it forked lingers either.
  signalGroup('SIGKILL');
}

/** A port that was free a moment ago (code-server needs a fixed port on its command line). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
