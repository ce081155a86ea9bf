// A real nginx (Debian's) in front of several Ringside nodes, as docs/deployment.md configures it: one upstream,
// sticky by client address (ip_hash) so Socket.IO's long-polling requests of one client reach one node, and the
// `location /` of the page's nginx example taken as it is written there, so a test through this proxy tests what an
// operator copies. Without TLS, on a port of its own. Its own prefix, config, logs and temp folders in a temporary
// directory, in the foreground.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess } from '../../vscode/harness/processes';
import { fileAppears, nginxConfigStart, nginxPath } from '../../vscode/harness/nginx';

const deploymentDoc = fileURLToPath(new URL('../../../docs/deployment.md', import.meta.url));

/** The `location / { … }` block of docs/deployment.md's nginx example, as written there. */
function documentedLocation(): string {
  const doc = readFileSync(deploymentDoc, 'utf8');
  const example = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  const location = example && /^( *)location \/ \{\n[\s\S]*?^\1\}$/m.exec(example)?.[0];
  if (!location) throw new Error(`${deploymentDoc}: no \`location / { … }\` block in its nginx example`);
  return location;
}

function config(dir: string, port: number, upstreams: readonly URL[]): string {
  return `${nginxConfigStart(dir)}  upstream ringside {
    ip_hash;
${upstreams.map((u) => `    server ${u.host};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
${documentedLocation()}
  }
}
`;
}

export async function startNginxNodes(upstreamUrls: readonly string[]): Promise<{ url: string; accessLog(): string; close(): Promise<void> }> {
  if (!existsSync(nginxPath)) throw new Error(`${nginxPath} is missing: install Debian's nginx (apt-get install nginx; scripts/test.mjs does)`);
  const dir = mkdtempSync(join(tmpdir(), 'ringside-nginx-nodes-'));
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'temp', name), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, upstreamUrls.map((u) => new URL(u))));
  const nginx = startProcess(nginxPath, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')]);
  const exited = new Promise((resolve) => nginx.child.once('exit', resolve));
  try {
    await fileAppears(join(dir, 'nginx.pid'), exited, 15_000);
  } catch (error) {
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${nginx.output()}`, { cause: error });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    close: async () => {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
