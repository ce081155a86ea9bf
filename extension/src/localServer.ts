// "Ringside: Start Local Server": runs the server bundled in the extension (dist/server/bin/main.mjs) on the
// embedded SQLite default, in the extension's global storage, with the user's `node` (setting ringside.nodePath),
// on a fixed port (ringside.localServer.port, default 4870), so its address is the same after every start.
//
// The server outlives the window: it is spawned detached (its own process group, its output in <data>/server.log)
// and found again after a window reload through its data folder's lock file (<data>/ringside.lock, taken by the
// server as it starts, its URL added once it listens) and a health check. Why not restart it at activation: a reload (or an
// extension update) would then drop live data the integrations post meanwhile and lose the demo's history; every
// window on the machine shares the one data folder (global storage), so a second window finds and uses the same
// server instead of fighting over its SQLite file; and reconnecting is a catch-up (replay), not a cold start.
// It stops on "Ringside: Stop Local Server" (or when the machine restarts), not when a window closes.
// A fresh data folder makes the server write <data>/admin.key; the extension reads it, so a single user never
// types a key.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { serverIdentity } from '@ringside/server/protocol/pure';
import { Listeners } from './listeners';

export interface LocalServerOptions {
  /** Folder of the installed extension (context.extensionPath). */
  extensionPath: string;
  /** Data folder (context.globalStorageUri.fsPath + /server). */
  dataDir: string;
  nodePath: string;
  /** 0 = any free port. */
  port: number;
  demo: boolean;
  /** Where the extension's own lines about the server go (an OutputChannel). */
  log: (line: string) => void;
}

export interface RunningLocalServer {
  url: string;
  /** The admin key from <data>/admin.key, if the file exists (it does after the first start). */
  apiKey: string | undefined;
  dataDir: string;
  pid: number;
  /** Started with simulated traffic (--demo). */
  demo: boolean;
  /** The server's own output. */
  logFile: string;
  /** False when it was already running (started by an earlier window or before a reload) and found again. */
  startedHere: boolean;
}

export type LocalServerProblem = 'missing' | 'node' | 'abi' | 'port-taken' | 'port-ringside' | 'exited' | 'timeout';

export class LocalServerError extends Error {
  constructor(
    message: string,
    readonly problem: LocalServerProblem,
    /** For port-ringside: the server that holds the port. */
    readonly url?: string,
  ) {
    super(message);
  }
}

/**
 * The data folder's lock file (server/src/services/dataLock.ts owns the format: { pid, startedAt, processStart?,
 * command?, url? }); an offline command holding it has no url, so it is never taken for a server.
 */
const LOCK_FILE = 'ringside.lock';
/** What the extension records about a server it started: whether with demo data. */
const STATE_FILE = 'vscode-local-server.json';
const LOG_FILE = 'server.log';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

function bundledServerMain(extensionPath: string): string {
  return join(extensionPath, 'dist', 'server', 'bin', 'main.mjs');
}

/** `process.versions.modules` of the given node, e.g. "115" for Node 20; rejects when it cannot be run. */
function nodeAbi(nodePath: string): Promise<{ modules: string; version: string }> {
  return new Promise((resolve, reject) => {
    execFile(nodePath, ['-p', 'JSON.stringify({ modules: process.versions.modules, version: process.version })'], { timeout: 15_000 }, (error, stdout) => {
      if (error) reject(new LocalServerError(`cannot run "${nodePath}" (${error.message}). Install Node.js 20 or set "ringside.nodePath" to a node executable.`, 'node'));
      else {
        try {
          resolve(JSON.parse(stdout.trim()) as { modules: string; version: string });
        } catch {
          reject(new LocalServerError(`"${nodePath}" did not answer like node does`, 'node'));
        }
      }
    });
  });
}

function readAdminKey(dataDir: string): string | undefined {
  try {
    const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    return key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function readLock(dataDir: string): { pid: number; url?: string } | undefined {
  const lock = readJson<{ pid?: unknown; url?: unknown }>(join(dataDir, LOCK_FILE));
  return lock && typeof lock.pid === 'number' ? { pid: lock.pid, ...(typeof lock.url === 'string' ? { url: lock.url } : {}) } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** GET /api/v1/health answers like a Ringside server (public: no key needed). */
async function isRingsideServer(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/v1/health', url), { signal: AbortSignal.timeout(3_000) });
    const body = (await res.json()) as { status?: unknown };
    return res.ok && body.status === 'ok';
  } catch {
    return false;
  }
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2_000);
    const done = (used: boolean) => {
      socket.destroy();
      resolve(used);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The server serving `dataDir`, if one is running and answering (started by this or an earlier window). */
export async function findLocalServer(dataDir: string): Promise<RunningLocalServer | undefined> {
  const lock = readLock(dataDir);
  if (!lock?.url || !isAlive(lock.pid) || !(await isRingsideServer(lock.url))) return undefined;
  const state = readJson<{ pid?: number; demo?: boolean }>(join(dataDir, STATE_FILE));
  return { url: lock.url, apiKey: readAdminKey(dataDir), dataDir, pid: lock.pid, demo: state?.pid === lock.pid && state.demo === true, logFile: join(dataDir, LOG_FILE), startedHere: false };
}

export class LocalServer {
  private runningServer: RunningLocalServer | undefined;
  /** Set only for a server this extension host spawned: its exit is then an event, not a poll. */
  private child: ChildProcess | undefined;
  private readonly changes = new Listeners<void>();
  /** The addresses this window's local server had, kept after it stops: a connection lost there is ours to restart. */
  private readonly addresses = new Set<string>();
  /** Fires when the server this window knows of starts, is found, stops or exits. */
  readonly onDidChange = this.changes.event;

  /**
   * Whether `serverUrl` is where the extension's own local server ran in this window (started, or found running in
   * its data folder), even if it has stopped since. A server someone started in a terminal is not.
   */
  ran(serverUrl: string): boolean {
    return this.addresses.has(serverIdentity(serverUrl));
  }

  get current(): RunningLocalServer | undefined {
    return this.runningServer;
  }

  private set running(server: RunningLocalServer | undefined) {
    if (server) this.addresses.add(serverIdentity(server.url));
    if (server === this.runningServer) return;
    this.runningServer = server;
    this.changes.fire();
  }

  private get running(): RunningLocalServer | undefined {
    return this.runningServer;
  }

  /** Finds a server already running on `dataDir` (after a reload, or started by another window) and uses it. */
  async adopt(dataDir: string): Promise<RunningLocalServer | undefined> {
    const found = await findLocalServer(dataDir);
    if (found) this.running = found;
    return found;
  }

  /**
   * The local server with `options.demo`: the running one when it matches, else (re)started. Rejects with a
   * LocalServerError saying what to do when it cannot start (the port is taken, the wrong `node`, …).
   */
  async start(options: LocalServerOptions): Promise<RunningLocalServer> {
    const found = await findLocalServer(options.dataDir);
    if (found && found.demo === options.demo) return (this.running = found);
    if (found) {
      options.log(`restarting the local server (pid ${found.pid}) ${options.demo ? 'with' : 'without'} demo data`);
      await this.stopProcess(found.pid);
    }
    await this.checkRuntime(options);
    await this.checkPort(options.port);
    return (this.running = await this.spawnServer(options));
  }

  /** Stops the server (SIGTERM: it closes the database cleanly); resolves when it has exited. */
  async stop(dataDir: string): Promise<RunningLocalServer | undefined> {
    const running = this.running ?? (await findLocalServer(dataDir));
    this.running = undefined;
    if (!running) return undefined;
    await this.stopProcess(running.pid);
    return running;
  }

  private async checkRuntime(options: LocalServerOptions): Promise<void> {
    const main = bundledServerMain(options.extensionPath);
    if (!existsSync(main)) throw new LocalServerError(`the bundled server is missing (${main}); reinstall the extension`, 'missing');
    // The SQLite addon is native: it loads only in a node with the ABI it was built for.
    const built = readJson<{ modules: string; node: string }>(join(options.extensionPath, 'dist', 'server', 'native-abi.json'));
    const runtime = await nodeAbi(options.nodePath);
    if (built && built.modules !== runtime.modules) {
      throw new LocalServerError(
        `the bundled SQLite addon was built for Node ${built.node} (ABI ${built.modules}) but "${options.nodePath}" is Node ${runtime.version} (ABI ${runtime.modules}). ` +
          `Set "ringside.nodePath" to a Node ${built.node.split('.')[0]} executable, or run the server from the Ringside repository (pnpm start) and use "Ringside: Connect to Server".`,
        'abi',
      );
    }
  }

  private async checkPort(port: number): Promise<void> {
    if (port === 0 || !(await portInUse(port))) return;
    const url = `http://127.0.0.1:${port}`;
    if (await isRingsideServer(url)) {
      throw new LocalServerError(`another Ringside server (not the one this extension keeps in its own data folder) is already running at ${url}`, 'port-ringside', url);
    }
    throw new LocalServerError(`port ${port} on 127.0.0.1 is already in use by another program`, 'port-taken');
  }

  private async spawnServer(options: LocalServerOptions): Promise<RunningLocalServer> {
    // The server's data (every event, its keys) is the user's alone: the server keeps a folder it did not create as it is.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const main = bundledServerMain(options.extensionPath);
    const args = [main, '--port', String(options.port), '--data', options.dataDir, ...(options.demo ? ['--demo'] : [])];
    options.log(`$ ${options.nodePath} ${args.join(' ')}`);
    // No RINGSIDE_API_KEY from VS Code's environment: the local server's own admin.key is the key.
    const env = { ...process.env };
    delete env.RINGSIDE_API_KEY;
    const logFile = join(options.dataDir, LOG_FILE);
    // A file, not a pipe: a pipe would break (and stop the server) when this window's extension host goes away.
    const out = openSync(logFile, 'w');
    let child: ChildProcess;
    try {
      child = spawn(options.nodePath, args, { cwd: options.dataDir, env, detached: true, stdio: ['ignore', out, out], windowsHide: true });
    } finally {
      closeSync(out);
    }
    child.unref();
    this.child = child;
    child.once('exit', (code, signal) => {
      options.log(`local server (pid ${child.pid}) exited (${signal ?? code})`);
      if (this.child === child) this.child = undefined;
      if (this.running?.pid === child.pid) this.running = undefined;
    });
    const url = await this.ready(options.dataDir, child, logFile, options.port);
    writeFileSync(join(options.dataDir, STATE_FILE), `${JSON.stringify({ pid: child.pid, demo: options.demo, port: options.port })}\n`);
    options.log(`local server listening on ${url} (pid ${child.pid}, log ${logFile})`);
    return { url, apiKey: readAdminKey(options.dataDir), dataDir: options.dataDir, pid: child.pid!, demo: options.demo, logFile, startedHere: true };
  }

  /** Resolves with the URL once the server's lock file names this process and its URL (added after it listens). */
  private ready(dataDir: string, child: ChildProcess, logFile: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let watcher: FSWatcher | undefined;
      const finish = (error: Error | undefined, url?: string) => {
        watcher?.close();
        clearTimeout(timer);
        clearInterval(poll);
        child.off('exit', exited);
        if (error) reject(error);
        else resolve(url!);
      };
      const check = () => {
        const lock = readLock(dataDir);
        if (lock && lock.pid === child.pid && lock.url) finish(undefined, lock.url);
      };
      const exited = (code: number | null) => {
        const tail = readTail(logFile);
        if (/EADDRINUSE/.test(tail)) finish(new LocalServerError(`port ${port} on 127.0.0.1 is already in use by another program`, 'port-taken'));
        else finish(new LocalServerError(`the server exited (code ${code}) before listening:\n${tail}`, 'exited'));
      };
      const timer = setTimeout(() => finish(new LocalServerError(`the server did not start within ${READY_TIMEOUT_MS / 1000} s:\n${readTail(logFile)}`, 'timeout')), READY_TIMEOUT_MS);
      // The watch is the signal; the slow poll covers file systems where watching is unreliable (network mounts).
      const poll = setInterval(check, 500);
      try {
        watcher = watch(dataDir, check);
      } catch {
        watcher = undefined;
      }
      child.once('exit', exited);
      check();
    });
  }

  private async stopProcess(pid: number): Promise<void> {
    const child = this.child?.pid === pid ? this.child : undefined;
    const gone = child ? new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))) : waitForExit(pid);
    signal(pid, 'SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
    if ((await Promise.race([gone.then(() => 'gone' as const), timeout])) === 'timeout') {
      signal(pid, 'SIGKILL');
      await waitForExit(pid);
    }
  }
}

/** Its whole process group where there is one (it was started detached, as a group leader), else the process. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

/** A process this host did not start sends no exit event: look until it is gone (bounded). */
function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const look = () => {
      if (!isAlive(pid) || Date.now() - started > STOP_TIMEOUT_MS) resolve();
      else setTimeout(look, 100);
    };
    look();
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}
