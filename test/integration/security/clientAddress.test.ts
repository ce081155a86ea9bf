// The client address behind a reverse proxy (--trust-proxy): which X-Forwarded-For entry names the client, for the
// per-address rate-limit bucket and the log; requests refused for their key counted per address too; and the log
// line of a refused key. Real servers on 127.0.0.1:0, real requests; the buckets refill on the server's clock, which
// stands still, so a bucket once empty stays empty.
import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../support/serverLog';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

const BURST = 3;
const started: TestServer[] = [];
let log: ReturnType<typeof captureLog> | null = null;

afterEach(async () => {
  for (const s of started.splice(0)) {
    await s.close();
    removeDir(s.dataDir);
  }
  log?.stop();
  log = null;
});

async function start(trustProxy?: number | string[]): Promise<TestServer> {
  log = captureLog();
  // At debug: the requests below are health probes, whose successes are logged at that level.
  const server = await startTestServer({ rateLimit: { perSecond: 1, burst: BURST }, clock: testClock(), logLevel: 'debug', ...(trustProxy !== undefined ? { trustProxy } : {}) });
  started.push(server);
  return server;
}

/** Status of `path` sent with X-Forwarded-For `forwarded` (and the headers given). */
async function status(server: TestServer, path: string, forwarded: string | null, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...(forwarded !== null ? { 'x-forwarded-for': forwarded } : {}), ...headers } });
  await res.arrayBuffer();
  return res.status;
}

const requestLines = () => log!.lines().filter((l) => l.msg === 'request');

describe('without --trust-proxy', () => {
  it('counts every request of a connection against its peer address, whatever X-Forwarded-For it sends', async () => {
    const server = await start();
    const statuses = [];
    for (let i = 0; i < BURST + 1; i++) statuses.push(await status(server, '/api/v1/health', `203.0.113.${i}`));
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another spoofed address is still the same bucket.
    expect(await status(server, '/api/v1/health', '198.51.100.7')).toBe(429);
    expect(new Set(requestLines().map((l) => l.ip))).toEqual(new Set(['127.0.0.1']));
  });
});

describe('--trust-proxy', () => {
  it('with a hop count, gives each forwarded client its own bucket and logs its address', async () => {
    const server = await start(1);
    for (let i = 0; i < BURST; i++) expect(await status(server, '/api/v1/health', '203.0.113.5')).toBe(200);
    expect(await status(server, '/api/v1/health', '203.0.113.5')).toBe(429);
    // A wallboard behind the same proxy has its own bucket.
    expect(await status(server, '/api/v1/health', '203.0.113.6')).toBe(200);
    // One hop trusted: what a client wrote into the header before the proxy appended its address is not believed.
    expect(await status(server, '/api/v1/health', '198.51.100.1, 203.0.113.5')).toBe(429);
    const ips = requestLines().map((l) => l.ip);
    expect(ips).toEqual(['203.0.113.5', '203.0.113.5', '203.0.113.5', '203.0.113.5', '203.0.113.6', '203.0.113.5']);
  });

  it("with the proxies' addresses, walks X-Forwarded-For to the first address that is not one of them", async () => {
    const server = await start(['loopback', '10.0.0.0/8']);
    // 127.0.0.1 (the socket) and 10.1.2.3 are trusted proxies; 203.0.113.9 is the client; what it claimed is ignored.
    for (let i = 0; i < BURST; i++) expect(await status(server, '/api/v1/health', '192.0.2.1, 203.0.113.9, 10.1.2.3')).toBe(200);
    expect(await status(server, '/api/v1/health', '192.0.2.2, 203.0.113.9, 10.1.2.3')).toBe(429);
    expect(await status(server, '/api/v1/health', '203.0.113.10')).toBe(200);
    expect(requestLines().map((l) => l.ip)).toEqual(['203.0.113.9', '203.0.113.9', '203.0.113.9', '203.0.113.9', '203.0.113.10']);
  });
});

describe('requests refused for their key', () => {
  it('are rate-limited per client address: 429 once the address has used its burst, on Express and direct routes', async () => {
    const server = await start(1);
    const noKey = () => status(server, '/api/v1/compliance', '203.0.113.20');
    const badKey = () => status(server, '/api/v1/compliance', '203.0.113.20', adminHeaders('rs_not-a-key-0123456789abcdefghijklmnopqrstu'));
    const badPost = () => status(server, '/api/v1/events', '203.0.113.20', { 'content-type': 'application/json', ...adminHeaders('rs_not-a-key-0123456789abcdefghijklmnopqrstu') }, { method: 'POST', body: JSON.stringify(call({ id: 'x' })) });
    expect([await noKey(), await badKey(), await badPost(), await noKey(), await badKey(), await badPost()]).toEqual([401, 401, 401, 429, 429, 429]);
    // Another address is not held up by this one; a valid key has its own bucket.
    expect(await status(server, '/api/v1/compliance', '203.0.113.21')).toBe(401);
    expect(await status(server, '/api/v1/compliance', '203.0.113.20', adminHeaders())).toBe(200);
  });

  it('log the id of a known key that was revoked (never the secret), and no id for an unknown one', async () => {
    const server = await start();
    const created = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'old wallboard', scopes: ['read'] }) });
    const { key, id } = (await created.json()) as { key: string; id: string };
    expect((await fetch(`${server.url}/api/v1/keys/${id}`, { method: 'DELETE', headers: adminHeaders() })).status).toBeLessThan(300);
    expect(await status(server, '/api/v1/compliance', null, adminHeaders(key))).toBe(401);
    const refused = requestLines().filter((l) => l.status === 401);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 40, keyId: id, path: '/api/v1/compliance' });
    expect(JSON.stringify(log!.lines())).not.toContain(key);
  });
});
