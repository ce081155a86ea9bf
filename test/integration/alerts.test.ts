// Alerts end to end: a real server on 127.0.0.1:0 on a test clock the scenario moves, events posted over HTTP
// with occurredAt timestamps, a real socket.io client, and real webhook receivers (node http servers).
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, ClientToServerEvents, ServerToClientEvents, Snapshot } from '../../server/src/protocol';
import { openDatabase } from '../../server/src/store/sqlite/database';
import { calls, HOUR, MINUTE, startReceiver, summary, T0, type Receiver } from './support/alertSupport';
import { testClock } from './support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from './support/testServer';

describe('a scripted stream that degrades and recovers', () => {
  let server: TestServer;
  let receiver: Receiver;
  let client: Socket<ServerToClientEvents, ClientToServerEvents>;
  const pushed: Alert[] = [];
  const clock = testClock(T0);
  /** Resolves once the socket has received `count` alert pushes in all. */
  const pushes = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => pushed.length >= count && (client.off('alert', check), resolve());
      client.on('alert', check);
      check();
    });

  const post = async (events: unknown[]) => {
    const res = await server.postEvents({ events });
    expect(res.status).toBe(201);
  };
  const alerts = async (query = '') => {
    const res = await server.getJson(`/api/v1/alerts${query}`);
    expect(res.status).toBe(200);
    return res.body.alerts as Alert[];
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      clock,
      alerts: {
        intervalMs: 0, // the test plays the timer with testApi.evaluateAlerts()
        throttleMs: 0, // every stored batch is evaluated at once, in the request
        policy: { perSite: false },
        webhooks: [receiver.url],
        webhookRetry: { baseDelayMs: 10, jitter: 0, timeoutMs: 2000 },
      },
    });
    client = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
    client.on('alert', (a) => pushed.push(a));
    await new Promise<void>((resolve, reject) => {
      client.once('snapshot', () => resolve());
      client.once('connect_error', reject);
    });
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
    await receiver?.close();
    if (server) removeDir(server.dataDir);
  });

  it('stays quiet below the minimum sample and exactly at target', async () => {
    await post(calls(0, 1, T0 - MINUTE)); // one early miss: 0 % over 1 event
    expect(await alerts()).toEqual([]);
    await post(calls(18, 1, T0 - MINUTE)); // 18/20 = 90 %: on target, burning exactly 1×
    expect(await server.testApi.evaluateAlerts()).toEqual([]);
    expect(await alerts()).toEqual([]);
  });

  it('fires amber (and a burn-rate ticket) when compliance slips under target', async () => {
    await post(calls(0, 1, T0 - MINUTE)); // 18/21 = 85.7 %: amber; 1.43× over 3d & 6h: ticket
    const list = await alerts();
    expect(list.map(summary)).toEqual([
      [1, 'band', 'amber', 'firing', null],
      [2, 'burn-rate', 'ticket', 'firing', null],
    ]);
    expect(list[0]).toMatchObject({
      standardId: 'call-answer-2-rings',
      standardVersion: 1,
      site: null,
      target: 0.9,
      key: 'band:call-answer-2-rings:*',
      at: new Date(T0).toISOString(),
      startedAt: new Date(T0).toISOString(),
      endedAt: null,
      acknowledgedAt: null,
      windows: [{ name: '1h', durationMs: HOUR, counted: 21, met: 18, compliance: 18 / 21 }],
    });
    expect(list[0]!.message).toContain('amber — 85.7 % over 1h (18/21 met), target 90.0 %');
    expect(list[1]!.windows.map((w) => [w.name, w.counted, w.met, w.threshold])).toEqual([
      ['1d', 21, 18, 3],
      ['2h', 21, 18, 3],
      ['3d', 21, 18, 1],
      ['6h', 21, 18, 1],
    ]);
    expect(list[1]!.windows[2]!.burnRate).toBeCloseTo(3 / 21 / 0.1, 9);
  });

  it('escalates to red once, with no duplicate alerts while nothing changes', async () => {
    await post(calls(0, 1, T0 - MINUTE)); // 18/22 = 81.8 %: red
    await post(calls(0, 1, T0 - MINUTE)); // still red, still a ticket
    await clock.skipTo(T0 + 30_000);
    expect(await server.testApi.evaluateAlerts()).toEqual([]);
    const list = await alerts();
    expect(list.map(summary)).toEqual([
      [1, 'band', 'amber', 'firing', null],
      [2, 'burn-rate', 'ticket', 'firing', null],
      [3, 'band', 'red', 'firing', 1],
    ]);
    expect(list[0]!.endedAt).toBe(new Date(T0).toISOString()); // superseded by the red record
  });

  it('pages when the error budget burns above 6× over 6h and 30m', async () => {
    await post(calls(0, 40, T0 - MINUTE)); // 18/63: 71 % errors = 7.1×
    const list = await alerts();
    expect(list.map(summary).slice(3)).toEqual([[4, 'burn-rate', 'page', 'firing', 2]]);
    expect(list[3]!.windows.map((w) => w.name)).toEqual(['1h', '5m', '6h', '30m']);
    expect(list[3]!.message).toMatch(/page — error budget \(10\.0 %\) burning .*7\.1× over 6h & 7\.1× over 30m \(fires above 6×\)/);
    expect((await alerts('?state=active')).map((a) => a.id)).toEqual([3, 4]);
  });

  it('sends active alerts in the snapshot of a client that connects now', async () => {
    const late = io(server.url, { forceNew: true, reconnection: false, auth: { token: server.apiKey } });
    const snapshot = await new Promise<Snapshot>((resolve, reject) => {
      late.once('snapshot', resolve);
      late.once('connect_error', reject);
    });
    late.disconnect();
    expect(snapshot.activeAlerts?.map(summary)).toEqual([
      [3, 'band', 'red', 'firing', 1],
      [4, 'burn-rate', 'page', 'firing', 2],
    ]);
  });

  it('steps the page down to a ticket as good traffic arrives, and recovers red as the hour slides by', async () => {
    await clock.skipTo(T0 + 40 * MINUTE);
    await post(calls(100, 0, clock.now() - MINUTE)); // 30m clean; 6h at 118/163 = 2.7×: only the 3d/6h ticket holds
    expect((await alerts()).map(summary).slice(4)).toEqual([[5, 'burn-rate', 'ticket', 'firing', 4]]);
    // No events: only the clock moves. At T0 + 61 min the misses (at T0 − 1 min) have left the 1 h window.
    await clock.skipTo(T0 + 61 * MINUTE);
    const tick = await server.testApi.evaluateAlerts();
    expect(tick.map(summary)).toEqual([[6, 'band', 'red', 'recovered', 3]]);
    expect(tick[0]).toMatchObject({ startedAt: new Date(T0).toISOString(), endedAt: new Date(clock.now()).toISOString(), windows: [{ name: '1h', counted: 100, met: 100, compliance: 1 }] });
    expect(await server.testApi.evaluateAlerts()).toEqual([]); // still green, still a ticket: nothing new
  });

  it('recovers the burn-rate alert once the 6 h window is clean', async () => {
    await clock.skipTo(T0 + 7 * HOUR);
    expect(await server.testApi.evaluateAlerts()).toEqual([]); // nothing in the last 6 h: too little data to call it recovered
    await post(calls(20, 0, clock.now() - MINUTE));
    const list = await alerts();
    expect(list.map(summary)).toEqual([
      [1, 'band', 'amber', 'firing', null],
      [2, 'burn-rate', 'ticket', 'firing', null],
      [3, 'band', 'red', 'firing', 1],
      [4, 'burn-rate', 'page', 'firing', 2],
      [5, 'burn-rate', 'ticket', 'firing', 4],
      [6, 'band', 'red', 'recovered', 3],
      [7, 'burn-rate', 'ticket', 'recovered', 5],
    ]);
    expect(list.map((a) => a.endedAt)).toEqual([T0, T0 + 30_000, T0 + 61 * MINUTE, T0 + 40 * MINUTE, T0 + 7 * HOUR, T0 + 61 * MINUTE, T0 + 7 * HOUR].map((ms) => new Date(ms).toISOString()));
    expect(await alerts('?state=active')).toEqual([]);
    expect((await alerts('?state=recovered')).map((a) => a.id)).toEqual([6, 7]);
    expect((await alerts('?kind=band&state=firing')).map((a) => a.id)).toEqual([1, 3]);
    expect((await alerts(`?from=${encodeURIComponent(new Date(T0 + 40 * MINUTE).toISOString())}&to=${encodeURIComponent(new Date(T0 + 7 * HOUR).toISOString())}`)).map((a) => a.id)).toEqual([5, 6]);
    expect((await alerts('?limit=2')).map((a) => a.id)).toEqual([6, 7]);
  });

  it('pushed every record over Socket.IO, in order, once', async () => {
    await pushes(7);
    expect(pushed.map(summary)).toEqual((await alerts()).map(summary));
  });

  it('POSTed every record to the webhook, once each', async () => {
    await server.testApi.webhooksIdle();
    expect(receiver.requests.map((r) => r.body.alert.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const r of receiver.requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/^ringside\//);
      expect(r.body.type).toBe('ringside.alert');
    }
  });

  it('acknowledges an alert (first acknowledgement wins) and pushes the change', async () => {
    const ack = (id: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/api/v1/alerts/${id}/ack`, {
        method: 'POST',
        headers: { ...adminHeaders(server.apiKey), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    const first = await ack('3', { by: 'ana' });
    expect(first.status).toBe(200);
    const acked = (await first.json()) as Alert;
    expect(acked).toMatchObject({ id: 3, acknowledgedBy: 'ana' });
    expect(acked.acknowledgedAt).toBe(new Date(clock.now()).toISOString()); // the server's clock
    const again = (await (await ack('3', { by: 'bob' })).json()) as Alert;
    expect(again).toMatchObject({ acknowledgedBy: 'ana', acknowledgedAt: acked.acknowledgedAt });
    await pushes(8);
    expect(pushed.slice(7).map((a) => [a.id, a.acknowledgedBy])).toEqual([[3, 'ana']]);
    // Without a body, the key's name is recorded (the test key is the RINGSIDE_API_KEY admin key).
    const bare = (await (await ack('4')).json()) as Alert;
    expect(bare.acknowledgedAt).not.toBeNull();
    expect((await alerts()).find((a) => a.id === 3)).toMatchObject({ acknowledgedBy: 'ana' });

    const problems = async (res: Response) => {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return { status: res.status, paths: ((await res.json()) as { errors?: Array<{ path: string }> }).errors?.map((e) => e.path) };
    };
    expect(await problems(await ack('abc', {}))).toEqual({ status: 400, paths: ['id'] });
    expect(await problems(await ack('0'))).toEqual({ status: 400, paths: ['id'] });
    expect(await problems(await ack('999'))).toEqual({ status: 404, paths: ['id'] });
    expect(await problems(await ack('3', { by: 5 }))).toEqual({ status: 400, paths: ['by'] });
    expect(await problems(await ack('3', { by: 'x', who: 'y' }))).toEqual({ status: 400, paths: ['who'] });
    expect(await problems(await ack('3', [1]))).toEqual({ status: 400, paths: ['(body)'] });
    expect((await ack('3', '{"by":', {})).status).toBe(400);
    const wrongType = await ack('3', 'by=ana', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const get = await fetch(`${server.url}/api/v1/alerts/3/ack`, { headers: adminHeaders(server.apiKey) });
    expect(get.status).toBe(405);
    const one = await server.getJson('/api/v1/alerts/3');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 3, severity: 'red', acknowledgedBy: 'ana' });
    expect((await server.getJson('/api/v1/alerts/998')).status).toBe(404);
    expect((await server.getJson('/api/v1/alerts/x1')).body.errors).toEqual([{ path: 'id', message: 'must be a positive whole number (got "x1")' }]);
  });

  it('refuses bad queries naming each parameter', async () => {
    const res = await server.getJson('/api/v1/alerts?state=burning&from=yesterday&limit=0&colour=red&kind=x');
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['colour', 'from', 'kind', 'limit', 'state']);
    const order = await server.getJson(`/api/v1/alerts?from=${encodeURIComponent(new Date(T0).toISOString())}&to=${encodeURIComponent(new Date(T0 - 1).toISOString())}`);
    expect(order.body.errors).toEqual([{ path: 'to', message: 'must be later than from' }]);
    const unauthenticated = await fetch(`${server.url}/api/v1/alerts`);
    expect(unauthenticated.status).toBe(401);
  });

  it('keeps the history append-only in the SQLite file', () => {
    const db = openDatabase(server.dataDir);
    try {
      expect(() => db.prepare(`UPDATE alerts SET severity = 'amber' WHERE id = 3`).run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM alerts').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM alert_acks').run()).toThrow(/append-only/);
      expect(db.prepare(`SELECT COUNT(*) AS n FROM alerts`).get()).toEqual({ n: 7 });
    } finally {
      db.close();
    }
  });
});
