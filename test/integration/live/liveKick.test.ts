// Our own live clients (the browser dashboard's socket transport, the extension host's connection) also come back
// when the server ends their connection on purpose ("io server disconnect": an older server shutting down, a
// kick), which socket.io-client alone never retries; and a key the server no longer accepts still ends it for good,
// with the refusal shown (protocol/reconnect.ts).
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RingsideConnection, type EventBatch } from '../../../extension/src/connection';
import type { IngestService } from '../../../server/src/services/ingest/ingest';
import { attachLive } from '../../../server/src/live/livePush';
import type { DashboardMessage } from '../../../server/src/protocol';
import { openTestCore } from '../support/core';
import { socketTransport } from '../../../webview/src/transport/socket';
import { browserPage, dashboardMessages, nextCatchUp } from '../support/liveClients';
import { adminHeaders, call, removeDir, startTestServer, tempDataDir } from '../support/testServer';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The live feed alone, on a real store, without keys: enough to kick clients the way an older server's shutdown did. */
async function liveFeed(): Promise<{ url: string; ingest: IngestService; kickEveryone(): void; connections(): number }> {
  const dataDir = tempDataDir();
  const core = await openTestCore(dataDir, { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  const ingest = core.ingest;
  const httpServer: HttpServer = createServer();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const live = attachLive({ httpServer, sources: { reads: core.store.reads, standards: core.standards, compliance: core.compliance, timeZone: () => zone }, ingest });
  let connections = 0;
  live.io.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await live.close();
    await new Promise((resolve) => httpServer.close(resolve));
    httpServer.closeAllConnections();
    await core.close();
    removeDir(dataDir);
  });
  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    ingest,
    kickEveryone: () => live.io.disconnectSockets(true),
    connections: () => connections,
  };
}

describe('after the server ends the connection on purpose', () => {
  it('the browser dashboard’s socket transport reconnects by itself and gets a fresh snapshot with what it missed', async () => {
    const feed = await liveFeed();
    const page = dashboardMessages();
    const first = page.next((m) => m.type === 'snapshot');
    cleanups.push(socketTransport(feed.url, browserPage).start(page.deliver));
    await first;

    const kicked = page.next((m) => m.type === 'connection' && m.state === 'disconnected');
    const back = page.next((m) => m.type === 'snapshot');
    feed.kickEveryone();
    // Stored while the page is away: no client can be connected in this same tick.
    expect((await feed.ingest.ingest([call({ id: 'while-kicked' })])).kind).toBe('stored');
    expect(await kicked).toMatchObject({ error: 'io server disconnect' });
    const fresh = (await back) as Extract<DashboardMessage, { type: 'snapshot' }>;
    expect(fresh.snapshot.recent.map((j) => j.event.id)).toContain('while-kicked');
    expect(feed.connections()).toBe(2);
    expect(page.connectionStates()).toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
  });

  it('the extension host’s connection reconnects by itself and replays what it missed', async () => {
    const feed = await liveFeed();
    const connection = new RingsideConnection();
    cleanups.push(() => connection.dispose());
    const batches: EventBatch[] = [];
    connection.onEvents((batch) => batches.push(batch));
    const first = nextCatchUp(connection);
    connection.connect(feed.url);
    await first;

    const caughtUp = nextCatchUp(connection);
    feed.kickEveryone();
    expect((await feed.ingest.ingest([call({ id: 'while-kicked' })])).kind).toBe('stored');
    expect(await caughtUp).toMatchObject({ events: 1, gap: false });
    expect(connection.state).toBe('connected');
    expect(batches.map((b) => [b.events.map((j) => j.event.id), b.replayed])).toEqual([[['while-kicked'], true]]);
  });

  it('a revoked key still ends it for good, with the refusal shown (extension host and browser page)', async () => {
    const server = await startTestServer();
    cleanups.push(async () => {
      await server.close();
      removeDir(server.dataDir);
    });
    const created = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'wallboard', scopes: ['read'] }) });
    const key = (await created.json()) as { id: string; key: string };

    const connection = new RingsideConnection();
    cleanups.push(() => connection.dispose());
    const extensionUp = nextCatchUp(connection);
    connection.connect(server.url, key.key);
    const page = dashboardMessages();
    const pageUp = page.next((m) => m.type === 'snapshot');
    cleanups.push(socketTransport(server.url, { ...browserPage, token: key.key }).start(page.deliver));
    await Promise.all([extensionUp, pageUp]);

    const extensionRefused = new Promise<string>((resolve) => {
      const subscription = connection.onMessage((m) => {
        if (m.type === 'connection' && m.state === 'disconnected' && /unauthorized/.test(m.error ?? '')) {
          subscription.dispose();
          resolve(m.error!);
        }
      });
    });
    const pageRefused = page.next((m) => m.type === 'connection' && m.state === 'disconnected' && /unauthorized/.test(m.error ?? ''));
    expect((await fetch(`${server.url}/api/v1/keys/${key.id}`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(200);
    expect(await extensionRefused).toMatch(/revoked/);
    expect(connection.state).toBe('disconnected');
    // The page shows the refusal (and with it its key field, views/keyEntry.ts), exactly as on a first connect with a bad key.
    expect(await pageRefused).toMatchObject({ error: expect.stringMatching(/revoked/) });
  });
});
