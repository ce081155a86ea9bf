// One client address may hold only so many TCP connections open (--max-connections-per-address): a client with no
// key that opened connections without end took every file descriptor the process had, and then /health and ingest
// failed for everyone. Over the cap a connection is answered 429 and closed at once; one that closes makes room; a
// proxy --trust-proxy trusts is not capped. Real servers on 127.0.0.1:0, raw TCP connections.
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';

const servers: TestServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    await server.close();
    removeDir(server.dataDir);
  }
});

async function serverWith(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer({ rateLimit: false, logLevel: 'silent', ...options });
  servers.push(server);
  return server;
}

/** A connection that sends nothing (as a flood's do), open once connected. */
async function idle(server: TestServer): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** GET /api/v1/health on a new connection: the whole answer, read until the server closes it. */
async function health(server: TestServer): Promise<string> {
  const socket = connect(server.port, '127.0.0.1');
  sockets.push(socket);
  socket.write('GET /api/v1/health HTTP/1.1\r\nHost: ringside\r\nConnection: close\r\n\r\n');
  let answer = '';
  socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return answer;
}

it('answers a connection over the cap 429 and closes it, and takes one again once another has closed', async () => {
  const server = await serverWith({ maxConnectionsPerAddress: 3 });
  const held = [await idle(server), await idle(server), await idle(server)];

  const refused = await health(server);
  expect(refused).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
  expect(refused).toContain('Retry-After: 1');
  expect(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4))).toMatchObject({
    type: 'https://ringside.dev/problems/too-many-connections',
    status: 429,
    detail: expect.stringContaining('already holds 3 open connections'),
    errors: [{ path: '(connection)', message: expect.stringContaining('the most one address may') }],
  });

  held[0]!.destroy();
  await vi.waitFor(async () => expect(await health(server)).toMatch(/^HTTP\/1\.1 200 OK\r\n/));
});

it('leaves a proxy that --trust-proxy trusts uncapped: the clients behind it share its address', async () => {
  const server = await serverWith({ maxConnectionsPerAddress: 3, trustProxy: ['loopback'] });
  for (let i = 0; i < 5; i++) await idle(server);
  expect(await health(server)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
});
