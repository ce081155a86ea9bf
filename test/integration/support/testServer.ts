// A real Ringside server on 127.0.0.1:0 with its own temporary data directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../../server/src/server';
import { testDatabases } from './postgres';

/**
 * RINGSIDE_TEST_BACKEND=postgres (the integration-postgres project) runs the same tests on PostgreSQL: each data
 * directory gets its own fresh database (a restart on the same directory finds the same one), dropped after the file.
 */
const postgres = process.env.RINGSIDE_TEST_BACKEND === 'postgres' ? testDatabases('ringside_it') : null;
if (postgres) afterAll(() => postgres.dropAll());
const databaseOfDir = new Map<string, string>();

async function databaseFor(dataDir: string): Promise<string | undefined> {
  if (!postgres) return undefined;
  let url = databaseOfDir.get(dataDir);
  if (!url) databaseOfDir.set(dataDir, (url = await postgres.create()));
  return url;
}

/** The PostgreSQL database of a data directory's test servers (integration-postgres), for the CLI; undefined on SQLite. */
export const databaseUrlOf = (dataDir: string): Promise<string | undefined> => databaseFor(dataDir);

/** The admin key every test server accepts (passed as RINGSIDE_API_KEY would be). */
export const TEST_ADMIN_KEY = 'rs_test-admin-key-0123456789abcdef';
export const adminHeaders = (key = TEST_ADMIN_KEY): Record<string, string> => ({ authorization: `Bearer ${key}` });

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The admin key (Authorization: Bearer …; socket auth.token). */
  apiKey: string;
  /** POST JSON to /api/v1/events. */
  postEvents(body: unknown): Promise<{ status: number; contentType: string | null; body: any }>;
  getJson(path: string): Promise<{ status: number; contentType: string | null; body: any }>;
}

/** The audit chain's head as GET /audit/head answers it. */
export const chainHead = async (server: Pick<TestServer, 'getJson'>): Promise<{ seq: number; hash: string }> => (await server.getJson('/api/v1/audit/head')).body as { seq: number; hash: string };

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ringside-test-'));
}

/** A standards file holding `text`, in a folder of its own that is pushed on `dirs` (for the caller to remove). */
export function tempStandardsFile(text: string, dirs: string[]): string {
  const dir = tempDataDir();
  dirs.push(dir);
  const file = join(dir, 'standards.yaml');
  writeFileSync(file, text);
  return file;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function startTestServer(overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDataDir();
  const databaseUrl = overrides.databaseUrl ?? (await databaseFor(dataDir));
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, demo: false, logLevel: 'silent', apiKey: TEST_ADMIN_KEY, rateLimit: false, ...(databaseUrl ? { databaseUrl } : {}), ...overrides }); // rate limits: see security/hardening.test.ts
  const key = overrides.apiKey ?? TEST_ADMIN_KEY;
  const read = async (res: Response) => {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, contentType: res.headers.get('content-type'), body: body as any };
  };
  return {
    ...server,
    dataDir,
    apiKey: key,
    postEvents: async (body) => read(await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(body) })),
    getJson: async (path) => read(await fetch(`${server.url}${path}`, { headers: adminHeaders(key) })),
  };
}

/** Stops `server` and starts another on its data directory (its store, also on PostgreSQL): `--retain-days` prunes at that start. */
export async function restartTestServer(server: TestServer, overrides: Omit<Partial<ServerOptions>, 'dataDir'> = {}): Promise<TestServer> {
  await server.close();
  return startTestServer({ ...overrides, dataDir: server.dataDir });
}

/**
 * The server of the tests in the file or `describe` block this is called in: started (on a data directory of its
 * own) before the first of them, closed after the last, pass or fail, and its data directory removed. The returned
 * function gives the server in a test or hook; it throws while the file is being collected, before the start.
 */
export function useTestServer(overrides: Omit<Partial<ServerOptions>, 'dataDir'> = {}): () => TestServer {
  return useServer((dataDir) => startTestServer({ ...overrides, dataDir }));
}

/** useTestServer for a server started another way (`start` on the data directory the hooks create and remove). */
export function useServer<S extends RunningServer>(start: (dataDir: string) => Promise<S>): () => S {
  let dataDir: string | undefined;
  let server: S | undefined;
  beforeAll(async () => {
    dataDir = tempDataDir();
    server = await start(dataDir);
  });
  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      if (dataDir) removeDir(dataDir);
    }
  });
  return () => {
    if (!server) throw new Error('the test server is not started: call it in a test or hook, not while the file is being collected');
    return server;
  };
}

/** ISO timestamp `secondsAgo` before now, in UTC. */
export function isoAgo(secondsAgo: number): string {
  return new Date(Date.now() - secondsAgo * 1000).toISOString();
}

/**
 * An answer's text without what differs between two stores of the same event sent twice under two tags: the tag,
 * seqs, arrival times and generated ids. Two answers that agree on this agree on everything a client reads.
 */
export const comparableAnswer = (body: string, tag: string) =>
  body
    .replaceAll(tag, 'TAG')
    .replace(/"seq":\d+/g, '"seq":N')
    .replace(/"receivedAt":"[^"]+"/g, '"receivedAt":T')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID');

export const call = (fields: Record<string, unknown> = {}) => ({ type: 'call', site: 'downtown', occurredAt: isoAgo(1), outcome: 'answered', rings: 1, ...fields });
export const visit = (fields: Record<string, unknown> = {}) => ({ type: 'visit', site: 'downtown', occurredAt: isoAgo(1), outcome: 'greeted', greetSeconds: 5, ...fields });
