// Alerts end to end: a real server on 127.0.0.1:0, events posted over HTTP with occurredAt timestamps,
// an injected evaluation clock, a real socket.io client, and real webhook receivers (node http servers).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, AlertWebhookBody, ClientToServerEvents, ServerToClientEvents, Snapshot } from '../../server/src/protocol';
import { openDatabase } from '../../server/src/store/database';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from './support/testServer';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Receiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: AlertWebhookBody; answered: number }>;
  close(): Promise<void>;
}

/** A webhook receiver answering 500 to its first `failFirst` requests, then 204. */
async function startReceiver(failFirst = 0): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const answered = requests.length < failFirst ? 500 : 204;
      requests.push({ headers: req.headers, body: JSON.parse(text) as AlertWebhookBody, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ringside`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(check: () => T | undefined | false, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Four days back, on a whole minute: every window (up to 3 days) fits, and nothing is "in the future". */
const T0 = Math.floor((Date.now() - 4 * DAY) / MINUTE) * MINUTE;
let seq = 0;
/** `good` calls answered on ring 1 and `bad` on ring 5, all occurring at `atMs`. */
function calls(good: number, bad: number, atMs: number, site = 'downtown') {
  const at = new Date(atMs).toISOString();
  return [
    ...Array.from({ length: good }, () => call({ id: `c-${++seq}`, site, occurredAt: at, rings: 1 })),
    ...Array.from({ length: bad }, () => call({ id: `c-${++seq}`, site, occurredAt: at, rings: 5 })),
  ];
}

/** Band alerts for all sites together only (burn-rate rules off), to keep a test about something else small. */
const BANDS_ONLY = { perSite: false, burnRules: [] };
const summary = (a: Alert) => [a.id, a.kind, a.severity, a.state, a.previousId];

describe('a scripted stream that degrades and recovers', () => {
  let server: TestServer;
  let receiver: Receiver;
  let client: Socket<ServerToClientEvents, ClientToServerEvents>;
  const pushed: Alert[] = [];
  let clock = T0;

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
      alerts: {
        now: () => clock,
        intervalMs: 0, // the test plays the timer with evaluateNow()
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
    expect(server.alerts.evaluateNow()).toEqual([]);
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
    clock = T0 + 30_000;
    expect(server.alerts.evaluateNow()).toEqual([]);
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
    clock = T0 + 40 * MINUTE;
    await post(calls(100, 0, clock - MINUTE)); // 30m clean; 6h at 118/163 = 2.7×: only the 3d/6h ticket holds
    expect((await alerts()).map(summary).slice(4)).toEqual([[5, 'burn-rate', 'ticket', 'firing', 4]]);
    // No events: only the clock moves. At T0 + 61 min the misses (at T0 − 1 min) have left the 1 h window.
    clock = T0 + 61 * MINUTE;
    const tick = server.alerts.evaluateNow();
    expect(tick.map(summary)).toEqual([[6, 'band', 'red', 'recovered', 3]]);
    expect(tick[0]).toMatchObject({ startedAt: new Date(T0).toISOString(), endedAt: new Date(clock).toISOString(), windows: [{ name: '1h', counted: 100, met: 100, compliance: 1 }] });
    expect(server.alerts.evaluateNow()).toEqual([]); // still green, still a ticket: nothing new
  });

  it('recovers the burn-rate alert once the 6 h window is clean', async () => {
    clock = T0 + 7 * HOUR;
    expect(server.alerts.evaluateNow()).toEqual([]); // nothing in the last 6 h: too little data to call it recovered
    await post(calls(20, 0, clock - MINUTE));
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
    await waitFor(() => pushed.length >= 7);
    expect(pushed.map(summary)).toEqual((await alerts()).map(summary));
  });

  it('POSTed every record to the webhook, once each', async () => {
    await server.alerts.webhooksIdle();
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
    expect(Date.parse(acked.acknowledgedAt!)).toBeGreaterThan(Date.now() - 60_000);
    const again = (await (await ack('3', { by: 'bob' })).json()) as Alert;
    expect(again).toMatchObject({ acknowledgedBy: 'ana', acknowledgedAt: acked.acknowledgedAt });
    await waitFor(() => pushed.length >= 8);
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

describe('webhook delivery with retries', () => {
  it('retries a failing receiver with backoff: 500, 500, then delivered — one delivery, three attempts', async () => {
    const receiver = await startReceiver(2);
    let clock = T0;
    const server = await startTestServer({
      alerts: { now: () => clock, intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 50, jitter: 0, timeoutMs: 2000 } },
    });
    try {
      expect((await server.postEvents({ events: calls(17, 2, T0 - MINUTE) })).status).toBe(201); // 17/19 = 89.5 %: amber
      const fired = (await server.getJson('/api/v1/alerts')).body.alerts as Alert[];
      expect(fired.map(summary)).toEqual([[1, 'band', 'amber', 'firing', null]]);
      await server.alerts.webhooksIdle();
      expect(receiver.requests.map((r) => [r.answered, r.headers['x-ringside-delivery'], r.headers['x-ringside-attempt'], r.body.alert.id])).toEqual([
        [500, '1', '1', 1],
        [500, '1', '2', 1],
        [204, '1', '3', 1],
      ]);
      expect(receiver.requests[2]!.body.alert).toEqual(fired[0]);
      clock = T0 + 1; // a later evaluation with the same state adds nothing to deliver
      expect(server.alerts.evaluateNow()).toEqual([]);
    } finally {
      await server.close();
      await receiver.close();
    }
    const db = openDatabase(server.dataDir);
    try {
      const deliveries = db.prepare('SELECT id, alert_id, url, status, attempts, last_error FROM alert_deliveries').all();
      expect(deliveries).toEqual([{ id: 1, alert_id: 1, url: receiver.url, status: 'delivered', attempts: 3, last_error: null }]);
      const attempts = db.prepare('SELECT attempt, status_code, error, at_ms FROM alert_delivery_attempts ORDER BY attempt').all() as Array<{ attempt: number; status_code: number; error: string | null; at_ms: number }>;
      expect(attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([
        [1, 500, 'HTTP 500'],
        [2, 500, 'HTTP 500'],
        [3, 204, null],
      ]);
      // Backoff: ≥ 50 ms before the 2nd attempt, ≥ 100 ms before the 3rd.
      expect(attempts[1]!.at_ms - attempts[0]!.at_ms).toBeGreaterThanOrEqual(50);
      expect(attempts[2]!.at_ms - attempts[1]!.at_ms).toBeGreaterThanOrEqual(100);
    } finally {
      db.close();
      removeDir(server.dataDir);
    }
  });

  it('gives up after maxAttempts, restores the alert state after a restart, and drops deliveries to URLs no longer configured', async () => {
    const down = await startReceiver(1_000);
    const clock = T0;
    const options = { now: () => clock, intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY };
    const first = await startTestServer({ alerts: { ...options, webhooks: [down.url], webhookRetry: { maxAttempts: 2, baseDelayMs: 10, jitter: 0 } } });
    const dataDir = first.dataDir;
    await first.postEvents({ events: calls(5, 5, T0 - MINUTE) }); // 50 %: red
    await first.alerts.webhooksIdle();
    expect(down.requests).toHaveLength(2); // gave up after 2 attempts
    // A second alert queued while the receiver times out, then the server stops mid-retry.
    const slow = await startReceiver(1_000);
    await first.close();
    await down.close();
    const second = await startTestServer({ dataDir, alerts: { ...options, webhooks: [slow.url], webhookRetry: { maxAttempts: 50, baseDelayMs: 5_000, jitter: 0 } } });
    await second.postEvents({ events: calls(10, 0, T0 - MINUTE) }); // 15/20 = 75 %: still red — the restored state adds no duplicate
    expect((await second.getJson('/api/v1/alerts')).body.alerts.map(summary)).toEqual([[1, 'band', 'red', 'firing', null]]);
    await second.postEvents({ events: calls(80, 0, T0 - MINUTE) }); // 95/100: recovered → queued for the slow receiver
    const peek = openDatabase(dataDir);
    await waitFor(() => (peek.prepare('SELECT attempts FROM alert_deliveries WHERE alert_id = 2').get() as { attempts: number } | undefined)?.attempts === 1);
    peek.close();
    await second.close(); // the delivery is pending (next try in 5 s)
    await slow.close();
    const ok = await startReceiver(0);
    // Restart with the receiver at a new URL: the old URL's pending delivery is dropped, nothing is sent twice.
    const third = await startTestServer({ dataDir, alerts: { ...options, webhooks: [ok.url] } });
    try {
      await third.alerts.webhooksIdle();
      expect(ok.requests).toHaveLength(0);
    } finally {
      await third.close();
    }
    const db = openDatabase(dataDir);
    const rows = db.prepare('SELECT alert_id, status, attempts, last_error FROM alert_deliveries ORDER BY id').all();
    db.close();
    expect(rows).toEqual([
      { alert_id: 1, status: 'failed', attempts: 2, last_error: 'HTTP 500' },
      { alert_id: 2, status: 'failed', attempts: 1, last_error: 'webhook URL no longer configured' },
    ]);
    await ok.close();
    removeDir(dataDir);
  });

  it('resumes a pending delivery after a restart with the same URL', async () => {
    let failing = true;
    const requests: number[] = [];
    const receiverServer = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push(failing ? 503 : 200);
        res.statusCode = failing ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/hook`;
    const options = { now: () => T0, intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url] };
    const first = await startTestServer({ alerts: { ...options, webhookRetry: { baseDelayMs: 3000, jitter: 0 } } });
    const dataDir = first.dataDir;
    try {
      await first.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // red, queued
      // The first attempt fails and is recorded; the retry is due 3 s later.
      const peek = openDatabase(dataDir);
      await waitFor(() => (peek.prepare('SELECT attempts FROM alert_deliveries').get() as { attempts: number } | undefined)?.attempts === 1);
      peek.close();
      expect(requests).toEqual([503]);
      await first.close();
      failing = false;
      const second = await startTestServer({ dataDir, alerts: { ...options, webhookRetry: { baseDelayMs: 10, jitter: 0 } } });
      await new Promise((r) => setTimeout(r, 200));
      expect(requests).toEqual([503]); // resumed at the stored time, not re-sent at once
      await second.alerts.webhooksIdle();
      expect(requests).toEqual([503, 200]);
      await second.close();
    } finally {
      await new Promise<void>((resolve) => receiverServer.close(() => resolve()));
    }
    const db = openDatabase(dataDir);
    expect(db.prepare('SELECT status, attempts, last_error FROM alert_deliveries').all()).toEqual([{ status: 'delivered', attempts: 2, last_error: null }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM alerts').get()).toEqual({ n: 1 });
    db.close();
    removeDir(dataDir);
  });
});

describe('per-site alerts', () => {
  it('alerts for the site that slips, not for the others or all sites together', async () => {
    const server = await startTestServer({ alerts: { now: () => T0, intervalMs: 0, throttleMs: 0 } });
    try {
      await server.postEvents({ events: [...calls(20, 0, T0 - MINUTE, 'airport'), ...calls(7, 3, T0 - MINUTE, 'harbour')] });
      const list = (await server.getJson('/api/v1/alerts')).body.alerts as Alert[];
      expect(list.map((a) => [a.kind, a.severity, a.site])).toEqual([
        ['band', 'red', 'harbour'], // 70 %
        ['burn-rate', 'ticket', 'harbour'], // 3× over 3d & 6h
      ]);
      expect((await server.getJson('/api/v1/alerts?site=harbour&kind=band')).body.alerts.map((a: Alert) => a.id)).toEqual([1]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

});

describe('when evaluation runs', () => {
  it('evaluates a batch at once, then at most once per throttle interval (later batches coalesce)', async () => {
    const server = await startTestServer({ alerts: { now: () => T0, intervalMs: 0, throttleMs: 2000, policy: BANDS_ONLY } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // evaluated in the request: red
      expect(server.alerts.active().map((a) => [a.severity, a.state])).toEqual([['red', 'firing']]);
      await server.postEvents({ events: calls(60, 0, T0 - MINUTE) }); // within 2 s of the last run: deferred
      await server.postEvents({ events: calls(60, 0, T0 - MINUTE) }); // coalesced with the one before
      expect(server.alerts.active()).toHaveLength(1);
      await waitFor(() => server.alerts.active().length === 0, 6000); // the trailing run: 120/130 → recovered
      const list = (await server.getJson('/api/v1/alerts')).body.alerts as Alert[];
      expect(list.map(summary)).toEqual([
        [1, 'band', 'red', 'firing', null],
        [2, 'band', 'red', 'recovered', 1],
      ]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it('re-evaluates on its timer as windows slide, with no new events', async () => {
    let clock = T0;
    const server = await startTestServer({ alerts: { now: () => clock, intervalMs: 50, throttleMs: 0, policy: BANDS_ONLY } });
    try {
      await server.postEvents({ events: calls(5, 5, T0 - MINUTE) }); // 50 %: red
      await server.postEvents({ events: calls(90, 0, T0 + 30 * MINUTE) }); // ahead of the evaluation clock: not in [T0 − 1h, T0)
      await new Promise((r) => setTimeout(r, 200)); // several timer runs at T0: nothing changes
      expect(server.alerts.active().map((a) => a.severity)).toEqual(['red']);
      clock = T0 + 31 * MINUTE; // only the clock moves: [T0 − 29 min, T0 + 31 min) holds 95/100
      await waitFor(() => server.alerts.active().length === 0, 3000);
      expect(((await server.getJson('/api/v1/alerts')).body.alerts as Alert[]).map(summary)).toEqual([
        [1, 'band', 'red', 'firing', null],
        [2, 'band', 'red', 'recovered', 1],
      ]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});

describe('standards from the engine', () => {
  it("uses a standard's configured bands, pages above 14.4× at a 99 % target, and closes alerts when it is retired", async () => {
    const server = await startTestServer({ alerts: { now: () => T0, intervalMs: 0, throttleMs: 0, policy: { perSite: false } } });
    try {
      const created = await fetch(`${server.url}/api/v1/standards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) },
        body: JSON.stringify({
          id: 'call-answer-1-ring',
          name: 'Calls answered on the first ring',
          eventType: 'call',
          measure: 'rings',
          operator: '<=',
          threshold: 1,
          target: 0.99,
          bands: { green: 0.97, amber: 0.8 },
          validFrom: new Date(T0 - DAY).toISOString(),
        }),
      });
      expect(created.status).toBe(201);
      // 85 % on the first ring: amber under these bands (red only below 80 %), and 15× the 1 % budget.
      const events = [
        ...Array.from({ length: 85 }, (_, i) => call({ id: `r1-${i}`, occurredAt: new Date(T0 - MINUTE).toISOString(), rings: 1 })),
        ...Array.from({ length: 15 }, (_, i) => call({ id: `r2-${i}`, occurredAt: new Date(T0 - MINUTE).toISOString(), rings: 2 })),
      ];
      expect((await server.postEvents({ events })).status).toBe(201);
      const fired = (await server.getJson('/api/v1/alerts')).body.alerts as Alert[];
      expect(fired.map((a) => [a.standardId, a.kind, a.severity, a.state])).toEqual([
        ['call-answer-1-ring', 'band', 'amber', 'firing'],
        ['call-answer-1-ring', 'burn-rate', 'page', 'firing'],
      ]);
      expect(fired[0]!.message).toContain('amber below 97.0 %');
      expect(fired[1]!.windows.slice(0, 2).map((w) => [w.name, Math.round(w.burnRate! * 10) / 10])).toEqual([
        ['1h', 15],
        ['5m', 15],
      ]);
      const retired = await fetch(`${server.url}/api/v1/standards/call-answer-1-ring`, { method: 'DELETE', headers: adminHeaders(server.apiKey) });
      expect(retired.status).toBe(200);
      const closed = server.alerts.evaluateNow();
      expect(closed.map((a) => [a.kind, a.severity, a.state, a.previousId])).toEqual([
        ['band', 'amber', 'recovered', fired[0]!.id],
        ['burn-rate', 'page', 'recovered', fired[1]!.id],
      ]);
      expect(closed[0]!.message).toContain('no longer in force');
      expect(server.alerts.evaluateNow()).toEqual([]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});
