// Two nodes on one PostgreSQL database, joined through Redis, behind a real nginx configured as docs/deployment.md
// says (ip_hash, its `location /` as written there): a long-polling client through nginx (which needs the stickiness)
// and a WebSocket client through nginx both see events posted directly to either node, and a browser's WebSocket
// (which sends the page's Origin, the proxy's address with its port) is let through the server's same-origin check.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientToServerEvents, JudgedEvent, ServerToClientEvents } from '../../../server/src/protocol';
import { startNginxNodes } from '../support/nginxNodes';
import { testDatabases } from '../support/postgres';
import { requireRedis } from '../support/redis';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const databases = testDatabases('ringside_nginx');
let a: TestServer;
let b: TestServer;
let proxy: Awaited<ReturnType<typeof startNginxNodes>>;

beforeAll(async () => {
  const redisUrl = await requireRedis();
  const databaseUrl = await databases.create();
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
  proxy = await startNginxNodes([a.url, b.url]);
});
afterAll(async () => {
  await proxy?.close();
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

/** A client through nginx once it has its snapshot (rejects with the handshake's refusal). */
async function connected(options: Partial<ManagerOptions & SocketOptions>): Promise<Client> {
  const client: Client = io(proxy.url, { forceNew: true, reconnection: false, auth: { token: a.apiKey }, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('snapshot', () => resolve());
    client.once('connect_error', reject);
  });
  return client;
}

it("a browser's WebSocket through nginx on a port of its own is accepted as same-origin", async () => {
  // The dashboard served through the proxy opens its socket with Origin http://127.0.0.1:PORT; the server compares
  // it with the Host nginx passes on, which must keep the port ($http_host; $host drops it and the handshake is 400).
  (await connected({ transports: ['websocket'], extraHeaders: { origin: proxy.url } })).disconnect();
});

for (const transports of [['polling'], ['websocket']] as const) {
  it(`a ${transports[0]} client through nginx sees events posted to either node`, async () => {
    const client = await connected({ transports: [...transports] });
    const seen = new Set<string>();
    const both = new Promise<void>((resolve) =>
      client.on('judged', (events: JudgedEvent[]) => {
        for (const e of events) seen.add(e.event.id);
        if (seen.has(`${transports[0]}-a`) && seen.has(`${transports[0]}-b`)) resolve();
      }),
    );
    try {
      expect((await a.postEvents({ events: [call({ id: `${transports[0]}-a` })] })).status).toBe(201);
      expect((await b.postEvents({ events: [call({ id: `${transports[0]}-b` })] })).status).toBe(201);
      await both;
    } finally {
      client.disconnect();
    }
    // It went through nginx (a WebSocket is logged only once it closes; its first long-poll at once).
    if (transports[0] === 'polling') expect(proxy.accessLog()).toMatch(/GET \/socket\.io\/\?EIO=4&transport=polling/);
  });
}
