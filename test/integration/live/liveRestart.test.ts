// A routine restart or deploy with live clients connected: the built server runs as a child process, gets SIGTERM
// and is started again on the same port and data folder. Every kind of client must come back by itself and catch
// up: a default socket.io-client (what third-party wallboards use), the browser dashboard's socket transport and the
// extension host's connection (docs/server.md "Restarts and deploys").
import { createServer, type AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RingsideConnection, type EventBatch } from '../../../extension/src/connection';
import type { ClientToServerEvents, DashboardMessage, ReplayResponse, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { socketTransport } from '../../../webview/src/transport/socket';
import { buildServer, startCli, type CliServer } from '../support/cli';
import { browserPage, dashboardMessages, nextCatchUp } from '../support/liveClients';
import { startOnPort } from '../support/samePort';
import { call, removeDir, startTestServer, tempDataDir } from '../support/testServer';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const KEY = 'rs_restart-test-key-0123456789abcdef';
const dir = tempDataDir();
const cleanups: Array<() => void> = [];
let server: CliServer | undefined;

beforeAll(buildServer);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  if (server) await stop(server);
  server = undefined;
});
afterAll(() => removeDir(dir));

function start(port = 0): Promise<CliServer> {
  return startCli(['--port', String(port), '--data', dir, '--rate-limit', '0', '--log-level', 'warn'], { RINGSIDE_API_KEY: KEY });
}

async function stop(running: CliServer): Promise<void> {
  running.child.kill('SIGTERM');
  expect(await running.exit).toBe(0);
}

async function post(url: string, id: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(call({ id })) });
  expect(res.status).toBe(201);
}

/**
 * SIGTERM, then — while the clients are away — an event stored by another run of the server on another port (so no
 * client can see it live), then the server again on its own port (once it is free: startOnPort). Returns the
 * restarted server.
 */
async function restartWithEventWhileAway(running: CliServer, awayId: string): Promise<CliServer> {
  const port = new URL(running.url).port;
  await stop(running);
  const elsewhere = await start();
  await post(elsewhere.url, awayId);
  await stop(elsewhere);
  return startOnPort(Number(port), start);
}

const ids = (snapshot: Snapshot) => snapshot.recent.map((j) => j.event.id);

describe('a graceful restart with live clients connected', () => {
  it.each([
    ['default options (WebSocket after the upgrade)', {}],
    ['long-polling only', { transports: ['polling'] }],
  ])('a socket.io-client with %s reconnects by itself, gets a fresh snapshot and replays what it missed', async (_name, options) => {
    const kind = 'transports' in options ? 'polling' : 'default';
    const awayId = `away-${kind}`;
    server = await start();
    await post(server.url, `before-${kind}`);
    const client: Client = io(server.url, { auth: { token: KEY }, ...options });
    cleanups.push(() => client.close());
    const first = await new Promise<Snapshot>((resolve) => client.once('snapshot', resolve));
    const lastSeq = Math.max(...first.recent.map((j) => j.event.seq));
    if (kind === 'default' && client.io.engine.transport.name !== 'websocket') await new Promise((resolve) => client.io.engine.once('upgrade', resolve));

    const gone = new Promise<string>((resolve) => client.once('disconnect', resolve));
    server = await restartWithEventWhileAway(server, awayId);
    // A transport-level close, which socket.io-client retries; `io server disconnect` would be final.
    expect(await gone).not.toBe('io server disconnect');
    expect(client.active).toBe(true);
    const fresh = await new Promise<Snapshot>((resolve) => client.once('snapshot', resolve));
    expect(client.connected).toBe(true);
    expect(ids(fresh)[0]).toBe(awayId);

    const answer: ReplayResponse = await client.timeout(5000).emitWithAck('replay', { afterSeq: lastSeq, afterIncidentChange: 0 });
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.events.map((j) => j.event.id)).toEqual([awayId]);
    expect(answer.events[0]!.event.seq).toBe(lastSeq + 1);
  });

  it('a WebSocket client sees "transport close" and stays active (retrying)', async () => {
    server = await start();
    const client: Client = io(server.url, { auth: { token: KEY }, transports: ['websocket'] });
    cleanups.push(() => client.close());
    await new Promise((resolve) => client.once('snapshot', resolve));
    const gone = new Promise<string>((resolve) => client.once('disconnect', resolve));
    await stop(server);
    server = undefined;
    expect(await gone).toBe('transport close');
    expect(client.active).toBe(true);
  });

  it('the browser dashboard’s socket transport reconnects and its fresh snapshot carries what it missed', async () => {
    server = await start();
    const page = dashboardMessages();
    const firstSnapshot = page.next((m) => m.type === 'snapshot');
    cleanups.push(socketTransport(server.url, { ...browserPage, token: KEY }).start(page.deliver));
    await firstSnapshot;

    const disconnected = page.next((m) => m.type === 'connection' && m.state === 'disconnected');
    const freshSnapshot = page.next((m) => m.type === 'snapshot');
    server = await restartWithEventWhileAway(server, 'away-dashboard');
    expect(await disconnected).toMatchObject({ error: expect.not.stringMatching(/io server disconnect/) });
    const fresh = (await freshSnapshot) as Extract<DashboardMessage, { type: 'snapshot' }>;
    expect(ids(fresh.snapshot)).toContain('away-dashboard');
    // In between, attempts refused while the server was down show as disconnected/connecting pairs.
    const states = page.connectionStates();
    expect([states.slice(0, 3), states.slice(-2)]).toEqual([['connecting', 'connected', 'disconnected'], ['connecting', 'connected']]);
  });

  it('the extension host’s connection reconnects and replays the event it missed, exactly once', async () => {
    server = await start();
    const connection = new RingsideConnection();
    cleanups.push(() => connection.dispose());
    const batches: EventBatch[] = [];
    connection.onEvents((batch) => batches.push(batch));
    const first = nextCatchUp(connection);
    connection.connect(server.url, KEY);
    await first;
    // The judged message can arrive before the POST's answer: listen first.
    const seenLive = new Promise<void>((resolve) => {
      const subscription = connection.onEvents(() => {
        subscription.dispose();
        resolve();
      });
    });
    await post(server.url, 'seen-live');
    await seenLive;

    const caughtUp = nextCatchUp(connection);
    server = await restartWithEventWhileAway(server, 'away-extension');
    const result = await caughtUp;
    expect(result).toMatchObject({ events: 1, gap: false });
    expect(connection.state).toBe('connected');
    expect(batches.map((b) => [b.events.map((j) => j.event.id), b.replayed])).toEqual([
      [['seen-live'], false],
      [['away-extension'], true],
    ]);
    const seqs = connection.receivedSeqs();
    expect(seqs[1]).toBe(seqs[0]! + 1);
  });
});

describe('a restart on a port another program took while the server was away', () => {
  it('is tried again until the port is free, then starts there', async () => {
    // Another program on the port the restart asks for, let go once a start was refused for it.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    const refusals: string[] = [];
    server = await startOnPort(port, start, (error) => {
      refusals.push((error as Error).message);
      squatter.close();
    });
    expect(refusals[0]).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use by another program \\(EADDRINUSE\\)`));
    expect(new URL(server.url).port).toBe(String(port));
    await post(server.url, 'after-the-squatter');
  });
});

describe('close() with live clients connected', () => {
  it('ends WebSocket and long-polling connections at the transport, so clients retry, and resolves', async () => {
    const inProcess = await startTestServer();
    const clients: Client[] = [{}, { transports: ['polling'] }].map((options) => io(inProcess.url, { auth: { token: inProcess.apiKey }, forceNew: true, ...options }));
    cleanups.push(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => new Promise((resolve) => c.once('snapshot', resolve))));
    const reasons = Promise.all(clients.map((c) => new Promise<string>((resolve) => c.once('disconnect', resolve))));
    await inProcess.close();
    removeDir(inProcess.dataDir);
    // Long-polling: "transport close" when a poll was waiting for the close packet, else "transport error" on the
    // next poll; socket.io-client retries both.
    expect(await reasons).toEqual(['transport close', expect.stringMatching(/^transport (close|error)$/)]);
    expect(clients.map((c) => c.active)).toEqual([true, true]);
  });
});
