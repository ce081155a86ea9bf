// Redis going away between two nodes (a Redis of this test's own, on a free port, so the machine's is untouched):
// ingest and queries go on, the nodes stay up, live pushes between nodes resume once Redis is back, and what a
// client missed meanwhile comes with replay from the shared database, after the fresh snapshot each node sends its own
// clients when it hears the others again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientToServerEvents, JudgedEvent, ServerToClientEvents, Snapshot } from '../../../server/src/protocol';
import { testDatabases } from '../support/postgres';
import { watchOutput } from '../support/childOutput';
import { call, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const databases = testDatabases('ringside_redis_outage');
let port: number;
let redis: ChildProcess | null = null;
let a: TestServer;
let b: TestServer;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** Starts redis-server on `port` (no persistence) and resolves once it logs that it accepts connections. */
async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await watchOutput(redis).until('stdout', /Ready to accept connections/);
}

async function stopRedis(): Promise<void> {
  const child = redis!;
  redis = null;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/**
 * Resolves once Redis holds `expected` subscriptions (subscriptions()) again. Redis tells a MONITOR client of every
 * SUBSCRIBE and PSUBSCRIBE it runs: the count is read once the monitor is attached (the nodes may have resubscribed
 * before) and again after each one it reports, never on a timer. The nodes' own 'ready' events would not do: ioredis
 * sends the subscriptions after 'ready', and only Redis knows when it has taken them.
 */
async function subscribedAgain(expected: string): Promise<void> {
  const monitor = spawn('redis-cli', ['-p', String(port), 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = watchOutput(monitor);
  const exited = new Promise((resolve) => monitor.once('exit', resolve));
  try {
    await output.until('stdout', /^OK$/m);
    for (let reported = 1; (await subscriptions()) !== expected; reported++) await output.until('stdout', new RegExp(`(?:[\\s\\S]*?"p?subscribe"){${reported}}`));
  } finally {
    monitor.kill();
    await exited;
  }
}

/** The subscriptions Redis holds (the adapters' broadcast pattern, and their request channel per node), as text. */
async function subscriptions(): Promise<string> {
  const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
  return `${cli('PUBSUB', 'NUMPAT')} ${cli('PUBSUB', 'NUMSUB', 'socket.io-request#/#')}`;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  const databaseUrl = await databases.create();
  const redisUrl = `redis://127.0.0.1:${port}`;
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, redisUrl });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  if (redis) await stopRedis();
  await databases.dropAll();
});

it('ingest goes on without Redis; when it returns, pushes between nodes resume, a fresh snapshot tells each client, replay brings what was missed', async () => {
  const client: Client = io(b.url, { forceNew: true, reconnection: false, auth: { token: b.apiKey } });
  const snapshot = await new Promise<Snapshot>((resolve, reject) => {
    client.once('snapshot', resolve);
    client.once('connect_error', reject);
  });
  const seen = new Set<string>();
  const waiters: Array<{ id: string; resolve: () => void }> = [];
  client.on('judged', (events: JudgedEvent[]) => {
    for (const e of events) seen.add(e.event.id);
    for (const w of waiters.filter((x) => seen.has(x.id))) w.resolve();
  });
  const arrives = (id: string) => new Promise<void>((resolve) => (seen.has(id) ? resolve() : waiters.push({ id, resolve })));
  try {
    await a.postEvents({ events: [call({ id: 'while-up' })] });
    await arrives('while-up');
    const subscribed = await subscriptions(); // as both nodes hold them

    // The client's connection to b stays up throughout: nothing but b itself can tell it what it missed.
    const nextSnapshot = new Promise<Snapshot>((resolve) => client.once('snapshot', resolve));
    await stopRedis();
    expect((await a.postEvents({ events: [call({ id: 'while-down' })] })).status).toBe(201);
    expect((await b.getJson('/api/v1/compliance?window=1h')).status).toBe(200);
    expect(seen.has('while-down')).toBe(false);

    await startRedis();
    // Once b hears the other nodes again, it sends its own clients a fresh snapshot: the whole picture, the event
    // pushed while Redis was away among the latest, so a dashboard that only draws snapshots is right again.
    const resumed = await nextSnapshot;
    expect(resumed.recent.map((j) => j.event.id)).toContain('while-down');
    await subscribedAgain(subscribed); // both nodes
    expect((await a.postEvents({ events: [call({ id: 'after-return' })] })).status).toBe(201);
    await arrives('after-return');

    const replayed = await client.timeout(10_000).emitWithAck('replay', { afterSeq: snapshot.recent[0]?.event.seq ?? 0 });
    const text = JSON.stringify(replayed);
    expect(text).toMatch(/while-down/);
    expect(text.match(/while-down/g)).toHaveLength(1);
  } finally {
    client.disconnect();
  }
});
