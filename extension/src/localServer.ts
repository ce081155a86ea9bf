// "Ringside: Start Local Server": runs the server bundled in the extension (dist/server/bin/main.mjs) on the
// embedded SQLite default, in the extension's global storage, with the user's `node` (setting ringside.nodePath).
// A fresh data folder makes the server write <data>/admin.key; the extension reads it and connects with it, so a
// single user never types a key. The server stops with the extension (window closed or reloaded) or on
// "Ringside: Stop Local Server".
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';

export interface LocalServerOptions {
  /** Folder of the installed extension (context.extensionPath). */
  extensionPath: string;
  /** Data folder (context.globalStorageUri.fsPath + /server). */
  dataDir: string;
  nodePath: string;
  port: number;
  demo: boolean;
  /** Where the server's log lines go (an OutputChannel). */
  log: (line: string) => void;
}

export interface RunningLocalServer {
  url: string;
  /** The admin key from <data>/admin.key, if the file exists (it does after the first start). */
  apiKey: string | undefined;
  dataDir: string;
  pid: number | undefined;
}

export class LocalServerError extends Error {}

export function bundledServerMain(extensionPath: string): string {
  return join(extensionPath, 'dist', 'server', 'bin', 'main.mjs');
}

/** `process.versions.modules` of the given node, e.g. "115" for Node 20; rejects when it cannot be run. */
export function nodeAbi(nodePath: string): Promise<{ modules: string; version: string }> {
  return new Promise((resolve, reject) => {
    execFile(nodePath, ['-p', 'JSON.stringify({ modules: process.versions.modules, version: process.version })'], { timeout: 15_000 }, (error, stdout) => {
      if (error) reject(new LocalServerError(`cannot run "${nodePath}" (${error.message}). Install Node.js 20 or set "ringside.nodePath" to a node executable.`));
      else {
        try {
          resolve(JSON.parse(stdout.trim()) as { modules: string; version: string });
        } catch {
          reject(new LocalServerError(`"${nodePath}" did not answer like node does`));
        }
      }
    });
  });
}

export function readAdminKey(dataDir: string): string | undefined {
  try {
    const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    return key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

export class LocalServer implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private running: RunningLocalServer | undefined;

  get current(): RunningLocalServer | undefined {
    return this.running;
  }

  async start(options: LocalServerOptions): Promise<RunningLocalServer> {
    if (this.running && this.child && this.child.exitCode === null) return this.running;
    const main = bundledServerMain(options.extensionPath);
    if (!existsSync(main)) throw new LocalServerError(`the bundled server is missing (${main}); reinstall the extension`);
    // The SQLite addon is native: it loads only in a node with the ABI it was built for.
    const abiFile = join(options.extensionPath, 'dist', 'server', 'native-abi.json');
    const built = existsSync(abiFile) ? (JSON.parse(readFileSync(abiFile, 'utf8')) as { modules: string; node: string }) : undefined;
    const runtime = await nodeAbi(options.nodePath);
    if (built && built.modules !== runtime.modules) {
      throw new LocalServerError(
        `the bundled SQLite addon was built for Node ${built.node} (ABI ${built.modules}) but "${options.nodePath}" is Node ${runtime.version} (ABI ${runtime.modules}). ` +
          `Set "ringside.nodePath" to a Node ${built.node.split('.')[0]} executable, or run the server from the Ringside repository (pnpm start) and use "Ringside: Connect to Server".`,
      );
    }
    mkdirSync(options.dataDir, { recursive: true });
    const args = [main, '--port', String(options.port), '--data', options.dataDir, ...(options.demo ? ['--demo'] : [])];
    options.log(`$ ${options.nodePath} ${args.join(' ')}`);
    // No RINGSIDE_API_KEY from VS Code's environment: the local server's own admin.key is the key.
    const env = { ...process.env };
    delete env.RINGSIDE_API_KEY;
    const child = spawn(options.nodePath, args, { cwd: options.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new LocalServerError(`the server did not start within 30 s:\n${err.slice(-2000)}`)), 30_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        options.log(chunk.toString().trimEnd());
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        options.log(chunk.toString().trimEnd());
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new LocalServerError(`could not start ${options.nodePath}: ${error.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new LocalServerError(`the server exited (code ${code}) before listening:\n${err.slice(-2000)}`));
      });
    });
    child.once('exit', (code, signal) => {
      options.log(`local server exited (${signal ?? code})`);
      if (this.child === child) {
        this.child = undefined;
        this.running = undefined;
      }
    });
    this.running = { url, apiKey: readAdminKey(options.dataDir), dataDir: options.dataDir, pid: child.pid };
    return this.running;
  }

  /** Stops the server (SIGTERM: it closes the database cleanly); resolves when it has exited. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.running = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  dispose(): void {
    void this.stop();
  }
}
