// Helpers for the engine tests: a real server plus JSON requests with the admin key.
import { startTestServer, adminHeaders, useServer, type TestServer } from '../support/testServer';
import type { ServerOptions } from '../../../server/src/server';

export interface EngineServer extends TestServer {
  send(method: string, path: string, body?: unknown): Promise<{ status: number; contentType: string | null; body: any }>;
}

export async function startEngineServer(overrides: Partial<ServerOptions> = {}): Promise<EngineServer> {
  const server = await startTestServer({ rateLimit: false, ...overrides });
  return {
    ...server,
    async send(method, path, body) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...adminHeaders(server.apiKey), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep text */
      }
      return { status: res.status, contentType: res.headers.get('content-type'), body: parsed as any };
    },
  };
}

/** useTestServer (support/testServer.ts) for an EngineServer. */
export function useEngineServer(overrides: Omit<Partial<ServerOptions>, 'dataDir'> = {}): () => EngineServer {
  return useServer((dataDir) => startEngineServer({ ...overrides, dataDir }));
}

/**
 * The built CLI for engine tests, bundled to its own file (server/dist/engine-test-main.js) so a test
 * never reads server/dist/main.js while another test file rebuilds it.
 */
export async function buildEngineCli(): Promise<string> {
  const { build } = await import('esbuild');
  const { fileURLToPath } = await import('node:url');
  const serverDir = fileURLToPath(new URL('../../../server/', import.meta.url));
  const outfile = `${serverDir}dist/engine-test-main-${process.pid}.js`;
  await build({ absWorkingDir: serverDir, entryPoints: ['src/main.ts'], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  return outfile;
}
