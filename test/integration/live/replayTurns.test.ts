// What many replays at once cost the node: it reads two at a time, the others waiting their turn (none refused), each
// in pages with turns of the event loop between, so /health is answered while they are read; a connection may have
// only so many waiting. A real server on 127.0.0.1:0 (SQLite) and real socket.io clients; the store's event reads
// are held at a gate so that every replay has arrived before any is read.
import { connect as connectNet, type Socket as NetSocket } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClientToServerEvents, ReplayResponse, ServerToClientEvents } from '../../../server/src/protocol';
import { REPLAYS_AT_ONCE, REPLAYS_WAITING_PER_CONNECTION } from '../../../server/src/live/replay';
import { call, useTestServer } from '../support/testServer';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** While `held` is set, every read of events after a seq waits for it; `reads` counts those that started meanwhile. */
const gate = await vi.hoisted(async () => (await import('../support/heldEventReads')).readGate());
vi.mock('../../../server/src/store/sqlite/events', async (importOriginal) => (await import('../support/heldEventReads')).withHeldEventReads(await importOriginal<typeof import('../../../server/src/store/sqlite/events')>(), gate));

const EVENTS = 1_200; // several pages of reading for each replay
// The per-second limit is the guard's (liveGuard.test.ts): high here, so that only the waiting limit refuses.
const server = useTestServer({ socketGuard: { maxReplaysPerSecond: 100 } });
const clients: Client[] = [];
afterEach(() => {
  clients.splice(0).forEach((c) => c.close());
  gate.held = null;
  gate.reads = 0;
});

beforeAll(async () => {
  for (let i = 0; i < EVENTS; i += 400) {
    const events = Array.from({ length: 400 }, (_, j) => call({ id: `t-${i + j}` }));
    expect((await server().postEvents({ events })).status).toBe(201);
  }
});

function connect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c: Client = io(server().url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: server().apiKey } });
    clients.push(c);
    c.once('snapshot', () => resolve(c));
    c.once('connect_error', reject);
  });
}

const replay = (c: Client, afterSeq: number): Promise<ReplayResponse> => c.timeout(10_000).emitWithAck('replay', { afterSeq });
const live = async () => (await server().getJson('/api/v1/stats')).body.live;

/** Holds every replay's read until the answer is called. */
function hold(): () => void {
  let release!: () => void;
  gate.held = new Promise<void>((resolve) => (release = resolve));
  return () => {
    gate.held = null;
    release();
  };
}

/** Asks the server for /health on a connection it already holds, and resolves once the answer is in. */
function health(socket: NetSocket): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    const read = (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('"status":"ok"')) return;
      socket.off('data', read);
      resolve();
    };
    socket.on('data', read);
    socket.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** A replay after `afterSeq` answered in full: every event after it, in order, to the last. */
function expectAll(answer: ReplayResponse, afterSeq: number): void {
  if (!answer.ok) throw new Error(answer.error);
  expect(answer.complete).toBe(true);
  expect(answer.events.length).toBe(EVENTS - afterSeq);
  expect(answer.events.map((j) => j.event.seq)).toEqual(Array.from({ length: EVENTS - afterSeq }, (_, i) => afterSeq + 1 + i));
  expect(answer.headSeq).toBe(EVENTS);
}

describe('replays from several connections at once', () => {
  it('are read two at a time, the others waiting their turn, and all answered in full while /health is answered between them', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    // A connection the server has already taken and read a request on: the next one is read as soon as it is its turn.
    const http = connectNet(server().port, '127.0.0.1');
    await health(http);
    const release = hold();
    const order: string[] = [];
    const asked = [a, b, c].flatMap((client, n) =>
      [0, 1, 2].map((i) => {
        const afterSeq = 10 * n + i;
        return replay(client, afterSeq).then((answer) => (order.push(`replay ${afterSeq}`), { answer, afterSeq }));
      }),
    );
    // Every replay handed over: the ones reading stopped at the gate, the rest waiting.
    await expect.poll(async () => gate.reads + ((await live()).replaysWaiting ?? 0)).toBe(9);
    expect(gate.reads).toBe(REPLAYS_AT_ONCE);
    expect(await live()).toMatchObject({ replaysReading: REPLAYS_AT_ONCE, replaysWaiting: 9 - REPLAYS_AT_ONCE });

    // /health is asked the moment the reading goes on: it arrives while all nine are still to be answered.
    release();
    const healthy = health(http).then(() => order.push('health'));
    const answers = await Promise.all(asked);
    await healthy;
    http.destroy();
    for (const { answer, afterSeq } of answers) expectAll(answer, afterSeq);
    // Each replay reads its 1,200 events in pages, a turn of the event loop before each: /health, there by the first
    // turn, is answered before any of them.
    expect(order[0]).toBe('health');
    expect(await live()).toMatchObject({ replaysReading: 0, replaysWaiting: 0 });
  });
});

describe('replays from one connection at once', () => {
  it('are read one after the other; past the ones that may wait, the next is refused and the connection stays', async () => {
    const client = await connect();
    const refusedBefore = (await live()).refusedReplays;
    const release = hold();
    const sent = REPLAYS_WAITING_PER_CONNECTION + 3;
    const asked = Array.from({ length: sent }, (_, i) => replay(client, i));
    // One reading, REPLAYS_WAITING_PER_CONNECTION behind it, the others answered at once.
    const refusal = { ok: false, code: 'too-many-replays', error: `too many replay requests waiting on this connection (${REPLAYS_WAITING_PER_CONNECTION}); ask again once one is answered` };
    expect(await Promise.all(asked.slice(REPLAYS_WAITING_PER_CONNECTION + 1))).toEqual([refusal, refusal]);
    await expect.poll(() => gate.reads).toBe(1);
    // Counted with the refusals of the per-second limit: one figure for the replays a node refused.
    expect(await live()).toMatchObject({ replaysReading: 1, replaysWaiting: REPLAYS_WAITING_PER_CONNECTION, refusedReplays: refusedBefore + 2 });
    release();
    const answers = await Promise.all(asked.slice(0, REPLAYS_WAITING_PER_CONNECTION + 1));
    answers.forEach((answer, i) => expectAll(answer, i));
    expect(client.connected).toBe(true);
    expectAll(await replay(client, 5), 5); // room again once they were answered
  });
});

describe('a replay whose client leaves while it is read', () => {
  it('reads no further page: nobody is left to answer', async () => {
    const client = await connect();
    const release = hold();
    const asked = replay(client, 0).catch(() => null); // never answered: the client has gone
    await expect.poll(() => gate.reads).toBe(1); // its first page, of the five its 1,200 events take
    client.close();
    await expect.poll(async () => (await live()).connected).toBe(0);
    // Every read from here on is counted, and none is held.
    release();
    gate.held = Promise.resolve();
    await expect.poll(async () => (await live()).replaysReading).toBe(0);
    expect(gate.reads).toBe(1);
    expect(await asked).toBe(null);
  });
});
