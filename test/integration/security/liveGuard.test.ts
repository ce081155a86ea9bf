// The live feed against its own clients: oversized and malformed messages are dropped and counted,
// a flooding client is disconnected, and a client that stops reading delays nobody and is cut off.
import { createServer as createNetServer, connect as connectNet, type AddressInfo, type Socket as NetSocket } from 'node:net';
import { io, Manager, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { JudgedEvent } from '../../../server/src/protocol';
import { byDeadline } from '../support/deadline';
import { testClock } from '../support/testClock';
import { call, useTestServer } from '../support/testServer';

const clients: Socket[] = [];
/** The guard's windows and queue checks run on this clock: the test decides when time passes. */
const clock = testClock();
const server = useTestServer({ rateLimit: false, maxSocketMessageBytes: 1024, socketGuard: { maxMessagesPerSecond: 10, maxQueuedPackets: 40, checkEveryMs: 100 }, clock });
afterEach(() => clients.splice(0).forEach((c) => c.close()));

function connect(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = io(server().url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: server().apiKey } });
    clients.push(c);
    c.once('snapshot', () => resolve(c));
    c.once('connect_error', reject);
  });
}
const disconnected = (c: Socket) => new Promise<string>((r) => c.once('disconnect', (reason) => r(reason)));
const stats = async () => (await server().getJson('/api/v1/stats')).body.live;
/** The server handles a client's messages in order: once a replay is answered, what was sent before it was handled. */
const handled = (c: Socket) => c.timeout(5_000).emitWithAck('replay', {});

describe('client messages', () => {
  it('drops and counts unexpected messages; disconnects a client that floods', async () => {
    const c = await connect();
    const before = await stats();
    c.emit('hello' as never, { a: 1 });
    await handled(c);
    expect((await stats()).droppedMessages).toBe(before.droppedMessages + 1);
    expect(c.connected).toBe(true);
    const gone = disconnected(c);
    for (let i = 0; i < 50; i++) c.emit('spam' as never, i);
    expect(await gone).toBe('io server disconnect');
    expect((await stats()).floodDisconnects).toBe(before.floodDisconnects + 1);
  });

  it('answers an unexpected message that asks for an answer with a refusal naming it, and still drops and counts it', async () => {
    const c = await connect();
    const before = await stats();
    const ask = (event: string, ...args: unknown[]): Promise<unknown> => (c.timeout(5_000) as any).emitWithAck(event, ...args);
    expect(await ask('subscribe', { site: 'harbour' })).toEqual({
      ok: false,
      code: 'unknown-message',
      error: '"subscribe" is not a message this server takes: a client sends only replay({ afterSeq?, afterIncidentChange? }, ack)',
    });
    expect(await ask('constructor')).toMatchObject({ ok: false, code: 'unknown-message' });
    expect((await stats()).droppedMessages).toBe(before.droppedMessages + 2);
    expect(c.connected).toBe(true);
  });

  it('closes a client whose message exceeds maxHttpBufferSize, and counts it', async () => {
    const c = await connect();
    const before = await stats();
    const gone = disconnected(c);
    c.emit('big' as never, 'x'.repeat(5000));
    expect(await gone).toMatch(/transport close|transport error/);
    // The server counts when its side of the connection closes, which the client may see first.
    await expect.poll(async () => (await stats()).malformedOrOversized).toBeGreaterThan(before.malformedOrOversized);
  });

  it('closes a client that sends a malformed packet, and counts it', async () => {
    const c = await connect();
    const before = await stats();
    const gone = disconnected(c);
    // Below socket.io's encoder: an engine.io message carrying a broken socket.io packet.
    (c.io.engine as unknown as { write(data: string): void }).write('2["unterminated');
    await gone;
    await expect.poll(async () => (await stats()).malformedOrOversized).toBeGreaterThan(before.malformedOrOversized);
  });
});

describe('replay requests', () => {
  // The guard's one-second windows run on this clock: the test decides when a second has passed.
  const guardClock = testClock();
  const guarded = useTestServer({ rateLimit: false, socketGuard: { maxMessagesPerSecond: 5, maxReplaysPerSecond: 3 }, clock: guardClock });
  const guardStats = async () => (await guarded().getJson('/api/v1/stats')).body.live;
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const c = io(guarded().url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: guarded().apiKey } });
      clients.push(c);
      c.once('snapshot', () => resolve(c));
      c.once('connect_error', reject);
    });
  // A generous bound that only matters when the server never answers (a disconnected client).
  const replay = (c: Socket) => c.timeout(5_000).emitWithAck('replay', {});

  it('are expected: never counted as unexpected messages; beyond their own limit they are refused, not disconnected', async () => {
    const c = await open();
    const before = await guardStats();
    const answers = await Promise.all(Array.from({ length: 12 }, () => replay(c))); // more than either limit in one second
    expect(answers.slice(0, 3).map((a) => a.ok)).toEqual([true, true, true]);
    expect(answers.slice(3)).toEqual(Array.from({ length: 9 }, () => ({ ok: false, code: 'too-many-replays', error: 'too many replay requests; retry after 1 s' })));
    expect(c.connected).toBe(true);
    const after = await guardStats();
    expect(after).toMatchObject({ droppedMessages: before.droppedMessages, floodDisconnects: before.floodDisconnects, refusedReplays: before.refusedReplays + 9 });

    await guardClock.advance(1000); // the next second: replays are answered again
    expect((await replay(c)).ok).toBe(true);
  });

  it('leave the flood limit to unexpected messages: those are dropped and counted, a real flood disconnects', async () => {
    const c = await open();
    const before = await guardStats();
    for (let i = 0; i < 5; i++) c.emit('hello' as never, i);
    expect((await replay(c)).ok).toBe(true); // answered in order: the five were handled before it
    expect(c.connected).toBe(true);
    expect((await guardStats()).droppedMessages).toBe(before.droppedMessages + 5);
    const gone = disconnected(c);
    c.emit('hello' as never, 6); // the sixth in one second
    expect(await gone).toBe('io server disconnect');
    expect((await guardStats()).floodDisconnects).toBe(before.floodDisconnects + 1);
  });
});

describe('a client that stops reading', () => {
  it('never delays the others, and is disconnected once its queue is full', { timeout: 60_000 }, async () => {
    const fast = await connect();
    const slow = await connect();
    // Stop reading: the server's writes to this client pile up in its TCP buffers, then in its queue.
    const raw = (slow.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } }).transport.ws._socket;
    raw.pause();
    /** Batches the reading client has been sent, by number, as they arrive. */
    const arrived = new Set<number>();
    const waiting = new Map<number, () => void>();
    fast.on('judged', (events: JudgedEvent[]) => {
      const batch = Number(events[0]!.event.id.split('-')[1]);
      arrived.add(batch);
      waiting.get(batch)?.();
    });
    const reaches = (batch: number) => new Promise<void>((resolve) => (arrived.has(batch) ? resolve() : waiting.set(batch, resolve)));
    // Enough traffic to fill the kernel's socket buffers (several MB on loopback) and then the queue. The guard runs
    // on the test's clock, so it looks at the queues only when the test advances it: each batch must reach the reading
    // client before that, while the stuck one is still connected, and in the end while its queue is over the limit.
    let batches = 0;
    for (; batches < 400 && (await stats()).slowDisconnects === 0; batches++) {
      const events = Array.from({ length: 100 }, (_, i) => call({ id: `t-${batches}-${i}`, agent: 'a'.repeat(190), queue: 'q'.repeat(190) }));
      expect((await server().postEvents({ events })).status).toBe(201);
      const n = batches;
      await byDeadline(reaches(n), 10_000, () => `the reading client never got batch ${n} while the stuck client was connected (it got ${arrived.size} of ${n + 1})`);
      expect((await stats()).slowDisconnects).toBe(0); // the stuck client was still there when it arrived
      await clock.advance(100); // the guard looks at every queue
    }
    // The stuck client was cut off by the guard, not by running out of batches; the reading one got every batch.
    expect((await stats()).slowDisconnects).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThan(400);
    expect(arrived.size).toBe(batches);
    expect(fast.connected).toBe(true);
  });
});

describe('an over-long auth token', () => {
  // The default limits: a client message up to 16 KiB.
  const plain = useTestServer({ rateLimit: false });

  /** How a real socket.io-client's first connection attempt ends: connected, or its connect_error / disconnect. */
  function attempt(token: string, transports: string[]): Promise<unknown> {
    const c = io(plain().url, { forceNew: true, reconnection: false, transports, auth: { token } });
    clients.push(c);
    return new Promise((resolve) => {
      c.once('connect', () => resolve('connected'));
      c.once('connect_error', (e: Error & { data?: unknown }) => resolve({ message: e.message, data: e.data }));
      c.once('disconnect', (reason) => resolve({ disconnect: reason }));
    });
  }

  for (const transports of [['polling', 'websocket'], ['websocket']]) {
    it(`is refused with a connect_error naming its size and the limit (${transports.join(', ')})`, async () => {
      const before = (await plain().getJson('/api/v1/stats')).body.live;
      for (const length of [20_000, 60_000]) {
        const token = `rs_${'x'.repeat(length)}`;
        const bytes = Buffer.byteLength(JSON.stringify({ token }));
        expect(await attempt(token, transports)).toEqual({
          message: `unauthorized: the API key is too long (the connection request's auth is ${bytes} bytes, more than the 16384 a live client may send)`,
          data: { status: 401, reason: 'key-too-long' },
        });
      }
      expect((await plain().getJson('/api/v1/stats')).body.live.malformedOrOversized).toBe(before.malformedOrOversized + 2);
      // Within the limit, a wrong key is refused as before; the right one connects.
      expect(await attempt(`rs_${'x'.repeat(15_000)}`, transports)).toEqual({ message: 'unauthorized: the API key is not recognised', data: { status: 401, reason: 'key-unknown' } });
      expect(await attempt(plain().apiKey, transports)).toBe('connected');
    });

    it(`over engine.io's packet limit (64 KiB) is not read, so an unauthenticated client cannot have more buffered (${transports.join(', ')})`, async () => {
      const ended = await attempt(`rs_${'x'.repeat(70_000)}`, transports);
      expect(ended).not.toBe('connected');
      expect(JSON.stringify(ended)).not.toMatch(/key-too-long|unauthorized/);
    });
  }

  it('only one connection request over the limit is read per connection: another closes it, as any message over the limit', async () => {
    // socket.io-client closes its connection after a refused request; one that asks again on it is not a client's slip.
    const manager = new Manager(plain().url, { reconnection: false, autoConnect: false, transports: ['websocket'] });
    const engine = await new Promise<NonNullable<Manager['engine']>>((resolve, reject) => manager.open((err) => (err ? reject(err) : resolve(manager.engine))));
    const heard: string[] = [];
    const closed = new Promise<string>((resolve) => engine.on('close', (reason) => resolve(`closed: ${reason}`)));
    const refused = (count: number) => new Promise<string>((resolve) => engine.on('message', (data) => heard.push(String(data)) >= count && resolve('answered again')));
    const request = `0${JSON.stringify({ token: `rs_${'x'.repeat(20_000)}` })}`;
    const first = refused(1);
    engine.send(request);
    expect(await first).toBe('answered again');
    expect(heard[0]).toMatch(/^4\{"message":"unauthorized: the API key is too long/);
    const before = (await plain().getJson('/api/v1/stats')).body.live.malformedOrOversized;
    const second = refused(2);
    engine.send(request);
    expect(await Promise.race([closed, second])).toMatch(/^closed: /);
    expect((await plain().getJson('/api/v1/stats')).body.live.malformedOrOversized).toBeGreaterThan(before);
    manager.engine?.close();
  });

  it('a message over the limit on a connected client still closes it', async () => {
    const c = io(plain().url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: plain().apiKey } });
    clients.push(c);
    await new Promise((resolve) => c.once('snapshot', resolve));
    const gone = disconnected(c);
    c.timeout(5_000).emit('replay' as never, { afterSeq: 0, pad: 'x'.repeat(20_000) }, () => undefined);
    expect(await gone).toMatch(/transport close|transport error/);
  });
});

describe('connections that end', () => {
  // The default limits: a client message up to 16 KiB, engine.io's packets up to 64 KiB.
  const ending = useTestServer({ rateLimit: false });
  const endingStats = async () => (await ending().getJson('/api/v1/stats')).body.live;

  /**
   * A TCP proxy in front of the server, as a load balancer would be, that can vanish: its connections end as if it
   * (or the client behind it) had exited. It tells when a long-polling client's poll has been passed to the server.
   */
  async function proxy(): Promise<{ url: string; polls(): number; pollAfter(count: number): Promise<void>; vanish(): void }> {
    const port = Number(new URL(ending().url).port);
    const sockets = new Set<NetSocket>();
    let polls = 0;
    const waiting = new Set<{ after: number; resolve(): void }>();
    const proxyServer = createNetServer((client) => {
      const upstream = connectNet(port, '127.0.0.1');
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(from);
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        // A poll of an open session (its sid): what the server holds until it has something to send.
        if (!/^GET \/socket\.io\/\?\S*sid=/.test(chunk.toString('latin1'))) return;
        polls += 1;
        for (const w of waiting) {
          if (polls <= w.after) continue;
          waiting.delete(w);
          w.resolve();
        }
      });
    });
    await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`,
      polls: () => polls,
      pollAfter: (after) => new Promise((resolve) => (polls > after ? resolve() : waiting.add({ after, resolve }))),
      vanish: () => {
        proxyServer.close();
        for (const s of sockets) s.destroy();
      },
    };
  }

  it('a long-polling client whose connection simply drops is not counted as malformed or oversized', async () => {
    const front = await proxy();
    const c = io(front.url, { forceNew: true, reconnection: false, transports: ['polling'], auth: { token: ending().apiKey } });
    clients.push(c);
    // The poll after the snapshot is the one the server holds when the connection drops.
    const polled = await new Promise<number>((resolve) => c.once('snapshot', () => resolve(front.polls())));
    await front.pollAfter(polled);
    const before = await endingStats();
    front.vanish();
    // The server has let the client go (its engine.io connection closed: "transport error", a poll closed early) ...
    await expect.poll(async () => (await endingStats()).connected, { timeout: 10_000 }).toBe(before.connected - 1);
    // ... as a network drop, not an attack.
    expect((await endingStats()).malformedOrOversized).toBe(before.malformedOrOversized);
  });

  it('a WebSocket frame over the packet limit still counts (ws refuses it: engine.io closes with "transport error")', async () => {
    const c = io(ending().url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: ending().apiKey } });
    clients.push(c);
    await new Promise((resolve) => c.once('snapshot', resolve));
    const before = await endingStats();
    const gone = disconnected(c);
    c.emit('replay' as never, { pad: 'x'.repeat(70_000) });
    await gone;
    await expect.poll(async () => (await endingStats()).malformedOrOversized).toBe(before.malformedOrOversized + 1);
  });
});
