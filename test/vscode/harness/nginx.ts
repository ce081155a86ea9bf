// A real nginx in front of a Ringside server, serving it under a path prefix the way a deployment does
// (`location /ringside/ { proxy_pass http://127.0.0.1:PORT/; … }`: the prefix is stripped, WebSocket upgrades
// passed on). Debian's nginx (scripts/test.mjs installs it), run as an unprivileged-style instance: its own
// prefix, config, logs, pid file and temp folders in a temporary directory, in the foreground.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, type ManagedProcess } from './processes';

export const nginxPath = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export interface RunningNginx {
  /** http://127.0.0.1:PORT/PREFIX/ : where the proxied dashboard page is. */
  url: string;
  port: number;
  /** Every request line nginx served (its access log), for asserting what went through the prefix. */
  accessLog(): string;
  process: ManagedProcess;
  close(): Promise<void>;
}

/**
 * The start of a config for an nginx that keeps everything in `dir` (pid, logs, temp folders) and passes WebSocket
 * upgrades on; the caller adds its `server`/`upstream` blocks and the closing brace of `http`.
 */
export function nginxConfigStart(dir: string): string {
  const temp = (name: string) => join(dir, 'temp', name);
  return `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 256; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  # Responses are never buffered to disk (the temp folders may not be writable by nginx's worker user).
  proxy_max_temp_file_size 0;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
`;
}

function config(dir: string, port: number, prefix: string, upstream: URL): string {
  return `# Written by test/vscode/harness/nginx.ts
${nginxConfigStart(dir)}  server {
    listen 127.0.0.1:${port};
    location ${prefix} {
      proxy_pass http://${upstream.host}/;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      # The browser's Origin is this proxy's address; the server compares it with Host (same-origin check).
      proxy_set_header Host $http_host;
      proxy_read_timeout 120s;
    }
  }
}
`;
}

/**
 * Resolves once `file` exists with content: nginx writes its pid file after it has bound its listening socket. Event
 * driven: checked when its folder reports a change (fs.watch), and once at the start.
 */
export function fileAppears(file: string, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const folder = join(file, '..');
    const watcher = watch(folder, () => check());
    const timer = setTimeout(() => done(new Error(`nginx did not write ${file} within ${timeoutMs} ms`)), timeoutMs);
    const done = (error?: Error) => {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (existsSync(file) && readFileSync(file, 'utf8').trim() !== '') done();
    };
    void exited.then(() => done(new Error('nginx exited before it was ready')));
    check();
  });
}

/** Starts nginx proxying `prefix` (e.g. "/ringside/") to `upstreamUrl`, on a free loopback port. */
export async function startNginx(upstreamUrl: string, prefix = '/ringside/'): Promise<RunningNginx> {
  if (!existsSync(nginxPath)) throw new Error(`${nginxPath} is missing: install Debian's nginx (scripts/test.mjs does)`);
  const dir = mkdtempSync(join(tmpdir(), 'ringside-nginx-'));
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'temp', name), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, prefix, new URL(upstreamUrl)));
  const nginx = startProcess(nginxPath, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')]);
  const exited = new Promise((resolve) => nginx.child.once('exit', resolve));
  try {
    await fileAppears(join(dir, 'nginx.pid'), exited, 15_000);
  } catch (error) {
    const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${nginx.output()}\n${log}`, { cause: error });
  }
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    port,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    process: nginx,
    close: async () => {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
