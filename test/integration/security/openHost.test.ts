// A server without keys (--no-auth, loopback only) answers only requests addressed to this machine: a web page that
// makes its own name resolve to 127.0.0.1 (DNS rebinding) calls it as its own origin, with its name in Host, and
// created an admin key, read the figures and joined the live feed. Refused 403 host-not-allowed, HTTP and the
// Socket.IO handshake (over WebSocket here: a Node client cannot set Host on long-polling); localhost, 127.0.0.1 and
// [::1] by any port still answered. A real server on 127.0.0.1:0.
import { request } from 'node:http';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ noAuth: true, rateLimit: false, logLevel: 'silent' });
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

/** One request to the server with `host` as its Host header. */
function send(method: string, path: string, host: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { host, ...(data ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

it('refuses an API request addressed to another name, writing nothing, and answers one addressed to this machine', async () => {
  const created = await send('POST', '/api/v1/keys', 'attacker.example:4870', { name: 'rebound', scopes: ['admin'] });
  expect(created.status).toBe(403);
  expect(created.body).toMatchObject({
    type: 'https://ringside.dev/problems/host-not-allowed',
    errors: [{ path: 'Host', message: expect.stringContaining('names "attacker.example:4870", not this machine') }],
  });
  expect((await send('GET', '/api/v1/compliance', 'attacker.example')).status).toBe(403);
  expect((await send('GET', '/', 'attacker.example')).status).toBe(403);

  for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, 'LOCALHOST']) {
    expect([host, (await send('GET', '/api/v1/compliance', host)).status]).toEqual([host, 200]);
  }
  const keys = (await send('GET', '/api/v1/keys', '127.0.0.1')).body as { keys: Array<{ name: string }> };
  expect(keys.keys.map((k) => k.name)).not.toContain('rebound');
});

it('refuses the live feed to a handshake addressed to another name', async () => {
  const connect = (host: string) =>
    new Promise<string>((resolve) => {
      const socket = io(server.url, { transports: ['websocket'], extraHeaders: { host }, reconnection: false });
      socket.on('connect', () => (socket.close(), resolve('connected')));
      socket.on('connect_error', (error: Error & { data?: { reason?: string } }) => (socket.close(), resolve(error.data?.reason ?? error.message)));
    });
  expect(await connect('attacker.example')).toBe('host-not-allowed');
  expect(await connect(`127.0.0.1:${server.port}`)).toBe('connected');
});
