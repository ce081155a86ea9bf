// Incidents, continued: webhook delivery with retries and restarts, per-site incidents, when evaluation runs, and
// standards from the engine. A real server on 127.0.0.1:0 on a test clock (retries, throttle and timer run
// when the test moves it) and real webhook receivers (node http servers).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../server/src/protocol';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { BANDS_ONLY, calls, DAY, MINUTE, NO_HOLDS, startReceiver, state, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, type TestServer } from '../support/testServer';

describe('webhook delivery with retries', () => {
  it('retries a failing receiver with backoff: 500, 500, then delivered — one delivery, three attempts', async () => {
    const receiver = await startReceiver(2);
    const clock = testClock(T0);
    const server = await startTestServer({
      clock,
      alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 50, jitter: 0, timeoutMs: 2000 } },
    });
    const answered = () => receiver.requests.map((r) => r.answered);
    try {
      expect((await server.postEvents({ events: calls(17, 2, T0 - MINUTE) })).status).toBe(201); // 17/19 = 89.5 %: amber
      const fired = (await server.getJson('/api/v1/incidents')).body.incidents as Incident[];
      expect(fired.map(state)).toEqual([[1, 'downtown', 'open', 'amber']]);
      await server.testApi.webhooksIdle();
      expect(answered()).toEqual([500]);
      // Backoff: the 2nd attempt 50 ms after the 1st, not before; the 3rd 100 ms after the 2nd.
      await clock.advance(49);
      await server.testApi.webhooksIdle();
      expect(answered()).toEqual([500]);
      await clock.advance(1);
      await server.testApi.webhooksIdle();
      expect(answered()).toEqual([500, 500]);
      await clock.advance(99);
      await server.testApi.webhooksIdle();
      expect(answered()).toEqual([500, 500]);
      await clock.advance(1);
      await server.testApi.webhooksIdle();
      expect(receiver.requests.map((r) => [r.answered, r.headers['x-ringside-delivery'], r.headers['x-ringside-attempt'], r.body.change.seq, r.body.change.kind])).toEqual([
        [500, '1', '1', 1, 'opened'],
        [500, '1', '2', 1, 'opened'],
        [204, '1', '3', 1, 'opened'],
      ]);
      expect(receiver.requests[2]!.body.incident).toEqual(fired[0]);
      await clock.advance(1); // a later evaluation with the same state adds nothing to deliver
      expect(await server.testApi.evaluateAlerts()).toEqual([]);
    } finally {
      await server.close();
      await receiver.close();
    }
    const db = openDatabase(server.dataDir);
    try {
      const deliveries = db.prepare('SELECT id, change_seq, url, status, attempts, last_error FROM incident_deliveries').all();
      expect(deliveries).toEqual([{ id: 1, change_seq: 1, url: receiver.url, status: 'delivered', attempts: 3, last_error: null }]);
      const attempts = db.prepare('SELECT attempt, status_code, error, at_ms FROM incident_delivery_attempts ORDER BY attempt').all() as Array<{ attempt: number; status_code: number; error: string | null; at_ms: number }>;
      expect(attempts.map((a) => [a.attempt, a.status_code, a.error, a.at_ms])).toEqual([
        [1, 500, 'HTTP 500', T0],
        [2, 500, 'HTTP 500', T0 + 50],
        [3, 204, null, T0 + 150],
      ]);
    } finally {
      db.close();
      removeDir(server.dataDir);
    }
  });

  it('by default keeps retrying through a receiver outage of half an hour, and delivers once it is back', async () => {
    const receiver = await startReceiver(11); // refuses the first 11 attempts: the 11th comes about 17 minutes in
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url] } });
    try {
      expect((await server.postEvents({ events: calls(5, 5, T0 - MINUTE) })).status).toBe(201); // 50 %: red
      await server.testApi.webhooksIdle();
      for (let minute = 0; minute < 40 && receiver.requests.length < 12; minute += 1) {
        await clock.advance(MINUTE);
        await server.testApi.webhooksIdle();
      }
      expect(receiver.requests.map((r) => [r.answered, r.headers['x-ringside-attempt']])).toEqual([...Array.from({ length: 11 }, (_, i) => [500, String(i + 1)]), [204, '12']]);
      expect(clock.now() - T0).toBeGreaterThan(25 * MINUTE);
    } finally {
      await server.close();
      await receiver.close();
      removeDir(server.dataDir);
    }
  });

  it('gives up after maxAttempts, restores the incident state after a restart, and drops deliveries to URLs no longer configured', async () => {
    const down = await startReceiver(1_000);
    const clock = testClock(T0);
    const options = { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY };
    const first = await startTestServer({ clock, alerts: { ...options, webhooks: [down.url], webhookRetry: { maxAttempts: 2, baseDelayMs: 10, jitter: 0 } } });
    const dataDir = first.dataDir;
    await first.postEvents({ events: calls(5, 5, T0 - MINUTE) }); // 50 %: red
    await first.testApi.webhooksIdle();
    await clock.advance(10);
    await first.testApi.webhooksIdle();
    expect(down.requests).toHaveLength(2); // gave up after 2 attempts
    await clock.advance(60_000);
    await first.testApi.webhooksIdle();
    expect(down.requests).toHaveLength(2); // and stays given up
    // A second change queued while the receiver fails, then the server stops mid-retry.
    const failing = await startReceiver(1_000);
    await first.close();
    await down.close();
    const second = await startTestServer({ dataDir, clock, alerts: { ...options, webhooks: [failing.url], webhookRetry: { maxAttempts: 50, baseDelayMs: 5_000, jitter: 0 } } });
    await second.postEvents({ events: calls(10, 0, T0 - MINUTE) }); // 15/20 = 75 %: still red — the restored state adds no duplicate
    expect((await second.getJson('/api/v1/incidents')).body.incidents.map(state)).toEqual([[1, 'downtown', 'open', 'red']]);
    await second.postEvents({ events: calls(80, 0, T0 - MINUTE) }); // 95/100: recovered → queued for the failing receiver
    await second.testApi.webhooksIdle(); // its first attempt failed; the next one is 5 s away
    expect(failing.requests).toHaveLength(1);
    await second.close();
    await failing.close();
    const ok = await startReceiver(0);
    // Restart with the receiver at a new URL: the old URL's pending delivery is dropped, nothing is sent twice.
    const third = await startTestServer({ dataDir, clock, alerts: { ...options, webhooks: [ok.url] } });
    try {
      await clock.advance(5_000);
      await third.testApi.webhooksIdle();
      expect(ok.requests).toHaveLength(0);
    } finally {
      await third.close();
    }
    const db = openDatabase(dataDir);
    const rows = db.prepare('SELECT change_seq, status, attempts, last_error FROM incident_deliveries ORDER BY id').all();
    db.close();
    expect(rows).toEqual([
      { change_seq: 1, status: 'failed', attempts: 2, last_error: 'HTTP 500' },
      { change_seq: 2, status: 'failed', attempts: 1, last_error: 'webhook URL no longer configured' },
    ]);
    await ok.close();
    removeDir(dataDir);
  });

  it('resumes a pending delivery after a restart with the same URL, at its stored time', async () => {
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
    const clock = testClock(T0);
    const options = { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url] };
    const first = await startTestServer({ clock, alerts: { ...options, webhookRetry: { baseDelayMs: 3000, jitter: 0 } } });
    const dataDir = first.dataDir;
    try {
      await first.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // red, queued
      await first.testApi.webhooksIdle(); // the first attempt failed and is recorded; the retry is due at T0 + 3 s
      expect(requests).toEqual([503]);
      await first.close();
      failing = false;
      // The new run's retry settings do not move the stored time.
      const second = await startTestServer({ dataDir, clock, alerts: { ...options, webhookRetry: { baseDelayMs: 10, jitter: 0 } } });
      await second.testApi.webhooksIdle();
      expect(requests).toEqual([503]); // not re-sent at once
      await clock.advance(2_999);
      await second.testApi.webhooksIdle();
      expect(requests).toEqual([503]);
      await clock.advance(1);
      await second.testApi.webhooksIdle();
      expect(requests).toEqual([503, 200]);
      await second.close();
    } finally {
      await new Promise<void>((resolve) => receiverServer.close(() => resolve()));
    }
    const db = openDatabase(dataDir);
    expect(db.prepare('SELECT status, attempts, last_error FROM incident_deliveries').all()).toEqual([{ status: 'delivered', attempts: 2, last_error: null }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM incident_changes').get()).toEqual({ n: 1 });
    db.close();
    removeDir(dataDir);
  });

  it('lets a delivery in flight at a stop finish and records it: the next start does not send it again', async () => {
    // The receiver takes the delivery and answers only once the server is stopping (its port refuses connections):
    // a receiver that is slow to answer as the server is restarted.
    const seen: Array<{ delivery: string | undefined; attempt: string | undefined }> = [];
    let answerHeld: (() => void) | null = null;
    const held = new Promise<void>((resolve) => (answerHeld = resolve));
    const receiverServer = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ delivery: req.headers['x-ringside-delivery'] as string | undefined, attempt: req.headers['x-ringside-attempt'] as string | undefined });
        void held.then(() => {
          res.statusCode = 200;
          res.end();
        });
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/hook`;
    const clock = testClock(T0);
    const options = { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url] };
    const first = await startTestServer({ clock, alerts: options });
    const dataDir = first.dataDir;
    try {
      await first.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // red: one delivery queued and sent
      while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const stopping = first.close();
      while (!(await refusesConnections(first.port))) await new Promise((resolve) => setImmediate(resolve));
      answerHeld!();
      await stopping;
      const second = await startTestServer({ dataDir, clock, alerts: options });
      try {
        await clock.advance(60_000);
        await second.testApi.webhooksIdle();
      } finally {
        await second.close();
      }
      expect(seen).toEqual([{ delivery: '1', attempt: '1' }]);
    } finally {
      await new Promise<void>((resolve) => receiverServer.close(() => resolve()));
    }
    const db = openDatabase(dataDir);
    expect(db.prepare('SELECT status, attempts, last_error FROM incident_deliveries').all()).toEqual([{ status: 'delivered', attempts: 1, last_error: null }]);
    db.close();
    removeDir(dataDir);
  });

  it("delivers one incident's changes to a URL in order: a recovery waits for the opening still retrying; other incidents do not", async () => {
    // Before, each delivery kept its own schedule: a receiver that missed "opened" got "recovered" first and "opened"
    // a backoff later, and a pager keyed on the incident paged for one already over.
    const receiver = await startReceiver(1); // refuses the first request only
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 60_000, jitter: 0 } } });
    const got = () => receiver.requests.map((r) => [r.answered, r.body.change.incidentId, r.body.change.kind, r.headers['x-ringside-attempt']]);
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // downtown red: opened, refused; retry in 60 s
      await server.testApi.webhooksIdle();
      await server.postEvents({ events: calls(190, 0, T0 - MINUTE) }); // 95 %: recovered
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE, 'airport') }); // another incident: not held back
      await server.testApi.webhooksIdle();
      expect((await server.getJson('/api/v1/incidents?state=all')).body.incidents.map(state)).toEqual([
        [1, 'downtown', 'recovered', 'red'],
        [2, 'airport', 'open', 'red'],
      ]);
      expect(got()).toEqual([
        [500, 1, 'opened', '1'],
        [204, 2, 'opened', '1'],
      ]);
      await clock.advance(60_000); // the opening's retry, then the recovery at once
      await server.testApi.webhooksIdle();
      expect(got()).toEqual([
        [500, 1, 'opened', '1'],
        [204, 2, 'opened', '1'],
        [204, 1, 'opened', '2'],
        [204, 1, 'recovered', '1'],
      ]);
    } finally {
      await server.close();
      await receiver.close();
      removeDir(server.dataDir);
    }
  });

  it("sends an incident's later change at once when the earlier one to its URL is given up", async () => {
    const receiver = await startReceiver(2); // refuses the opening's two attempts
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { maxAttempts: 2, baseDelayMs: 60_000, jitter: 0 } } });
    const got = () => receiver.requests.map((r) => [r.answered, r.body.change.kind, r.headers['x-ringside-attempt']]);
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // opened, refused; retry in 60 s
      await server.testApi.webhooksIdle();
      await server.postEvents({ events: calls(190, 0, T0 - MINUTE) }); // recovered: waits behind the opening
      await server.testApi.webhooksIdle();
      expect(got()).toEqual([[500, 'opened', '1']]);
      await clock.advance(60_000); // the opening's last attempt, refused: given up, and the recovery goes
      await server.testApi.webhooksIdle();
      expect(got()).toEqual([
        [500, 'opened', '1'],
        [500, 'opened', '2'],
        [204, 'recovered', '1'],
      ]);
    } finally {
      await server.close();
      await receiver.close();
      removeDir(server.dataDir);
    }
  });

  it('shows each change\'s deliveries in GET /incidents/:id: pending with its next attempt, then given up with its error; the URL without its token', async () => {
    const receiver = await startReceiver(1_000); // refuses everything
    const clock = testClock(T0);
    const url = `${receiver.url}?token=s3cret`;
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url], webhookRetry: { maxAttempts: 2, baseDelayMs: 1000, jitter: 0 } } });
    const deliveries = async () => (await server.getJson('/api/v1/incidents/1')).body.deliveries;
    // Shown to a read key as its origin: a receiver's secret may be in its path as well as its query.
    const shown = { id: 1, changeSeq: 1, url: `${new URL(receiver.url).origin}/…`, createdAt: new Date(T0).toISOString() };
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) });
      await server.testApi.webhooksIdle();
      expect(await deliveries()).toEqual([{ ...shown, status: 'pending', attempts: 1, lastError: 'HTTP 500', nextAttemptAt: new Date(T0 + 1000).toISOString(), finishedAt: null }]);
      await clock.advance(1000);
      await server.testApi.webhooksIdle();
      expect(await deliveries()).toEqual([{ ...shown, status: 'failed', attempts: 2, lastError: 'HTTP 500', nextAttemptAt: null, finishedAt: new Date(T0 + 1000).toISOString() }]);
      expect(JSON.stringify((await server.getJson('/api/v1/incidents/1')).body)).not.toContain('s3cret');
      // An earlier release stored fetch's refusal of a URL with credentials, quoting it whole: shown without them.
      const db = openDatabase(server.dataDir);
      db.prepare('UPDATE incident_deliveries SET last_error = ?').run('Request cannot be constructed from a URL that includes credentials: https://pager:tok3n@hooks.example/x');
      db.close();
      expect((await deliveries())[0].lastError).toBe('Request cannot be constructed from a URL that includes credentials: https://hooks.example/…');
    } finally {
      await server.close();
      await receiver.close();
      removeDir(server.dataDir);
    }
  });

  it("waits as long as a rate-limited receiver's Retry-After asks (seconds or a date), not its shorter backoff", async () => {
    // A chat tool or pager answering 429 with Retry-After: 30 was retried after 1 s, 2 s, 4 s …: more 429s, and the
    // attempts spent towards giving up.
    const answers: Array<[number, Record<string, string>]> = [[429, { 'retry-after': '30' }], [503, { 'retry-after': new Date(T0 + 30_000 + 120_000).toUTCString() }], [429, {}], [204, {}]];
    const receiver = await startScriptedReceiver(answers);
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [receiver.url], webhookRetry: { baseDelayMs: 1000, jitter: 0 } } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // red: one delivery
      await server.testApi.webhooksIdle();
      expect(receiver.seen).toHaveLength(1);
      await clock.advance(29_999); // its backoff (1 s) is long over; its Retry-After is not
      await server.testApi.webhooksIdle();
      expect(receiver.seen).toHaveLength(1);
      await clock.advance(1);
      await server.testApi.webhooksIdle();
      expect(receiver.seen).toHaveLength(2);
      await clock.advance(119_999); // an HTTP date two minutes on
      await server.testApi.webhooksIdle();
      expect(receiver.seen).toHaveLength(2);
      await clock.advance(1);
      await server.testApi.webhooksIdle();
      expect(receiver.seen).toHaveLength(3);
      await clock.advance(4_000); // a 429 without Retry-After: the backoff (4 s after 3 failed attempts)
      await server.testApi.webhooksIdle();
      expect(receiver.seen.map((r) => r.attempt)).toEqual(['1', '2', '3', '4']);
      expect(clock.now() - T0).toBe(30_000 + 120_000 + 4_000);
    } finally {
      await server.close();
      await receiver.close();
      removeDir(server.dataDir);
    }
  });

  it('sends the credentials of a webhook URL as Basic authorization (fetch refuses them in the URL)', async () => {
    // Before, every attempt to https://user:token@host/hook failed ("Request cannot be constructed from a URL that
    // includes credentials") for the whole retry schedule, though the start had accepted the URL.
    const receiver = await startScriptedReceiver([]);
    const url = receiver.url.replace('http://', 'http://pager%40ops:s%3Acret@');
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url] } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) });
      await server.testApi.webhooksIdle();
      expect(receiver.seen.map((r) => [r.attempt, r.authorization, r.url])).toEqual([['1', `Basic ${Buffer.from('pager@ops:s:cret').toString('base64')}`, '/hook']]);
    } finally {
      await server.close();
      await receiver.close();
    }
    const db = openDatabase(server.dataDir);
    expect(db.prepare('SELECT status, attempts FROM incident_deliveries').all()).toEqual([{ status: 'delivered', attempts: 1 }]);
    db.close();
    removeDir(server.dataDir);
  });
});

describe('signed webhook deliveries', () => {
  it('signs every attempt as docs/alerts.md tells a receiver to verify it: HMAC-SHA256 of "<t>.<raw body>", t fresh each attempt', async () => {
    const secret = 'whsec-0123456789abcdef';
    // The receiver's verification, written from docs/alerts.md "Verifying a delivery" alone.
    const verify = (raw: Buffer, header: string | undefined, nowS: number): string => {
      const parts = new Map((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
      const t = Number(parts.get('t'));
      if (!Number.isInteger(t) || Math.abs(nowS - t) > 300) return 'stale or no timestamp';
      const expected = createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
      const given = Buffer.from(parts.get('v1') ?? '', 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'bad signature';
    };
    const clock = testClock(T0);
    const seen: Array<{ verdict: string; t: string | undefined; attempt: string | undefined }> = [];
    const receiverServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const header = req.headers['x-ringside-signature'] as string | undefined;
        seen.push({ verdict: verify(Buffer.concat(chunks), header, Math.floor(clock.now() / 1000)), t: /t=(\d+)/.exec(header ?? '')?.[1], attempt: req.headers['x-ringside-attempt'] as string | undefined });
        res.statusCode = seen.length === 1 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/hook`;
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY, webhooks: [url], webhookSecret: secret, webhookRetry: { baseDelayMs: 10_000, jitter: 0 } } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // red: opened (its summary's "—" is not ASCII: the bytes are signed, not the characters)
      await server.testApi.webhooksIdle();
      await clock.advance(10_000);
      await server.testApi.webhooksIdle();
      expect(seen).toEqual([
        { verdict: 'ok', t: String(T0 / 1000), attempt: '1' },
        { verdict: 'ok', t: String(T0 / 1000 + 10), attempt: '2' },
      ]);
    } finally {
      await server.close();
      await new Promise<void>((resolve) => receiverServer.close(() => resolve()));
      removeDir(server.dataDir);
    }
  });
});

/** A receiver answering each request with the next of `answers` (status, headers), then 204. */
async function startScriptedReceiver(answers: Array<[number, Record<string, string>]>) {
  const seen: Array<{ attempt: string | undefined; authorization: string | undefined; url: string | undefined }> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ attempt: req.headers['x-ringside-attempt'] as string | undefined, authorization: req.headers.authorization, url: req.url });
      const [status, headers] = answers[seen.length - 1] ?? [204, {}];
      res.writeHead(status, headers);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether nothing listens on 127.0.0.1:port any more. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('per-site incidents', () => {
  it('opens one incident for the site that slips (band and burn rate together), none for the others or all sites', async () => {
    const server = await startTestServer({ clock: testClock(T0), alerts: { intervalMs: 0, throttleMs: 0, policy: NO_HOLDS } });
    try {
      await server.postEvents({ events: [...calls(20, 0, T0 - MINUTE, 'airport'), ...calls(7, 3, T0 - MINUTE, 'harbour')] });
      const list = (await server.getJson('/api/v1/incidents')).body.incidents as Incident[];
      // 70 %: a red band and a 3× slow burn (over 3d & 6h): one red incident.
      expect(list.map((i) => [i.site, i.severity, i.detail.band.severity, i.detail.burnSeverity])).toEqual([['harbour', 'red', 'red', 'amber']]);
      expect((await server.getJson('/api/v1/incidents?site=harbour')).body.incidents.map((i: Incident) => i.id)).toEqual([1]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

});

describe('when evaluation runs', () => {
  const active = async (server: TestServer) => ((await server.getJson('/api/v1/incidents?state=open')).body.incidents as Incident[]).map((i) => [i.severity, i.state]);
  const history = async (server: TestServer) => ((await server.getJson('/api/v1/incidents/1')).body.changes as Array<{ kind: string; severity: string }>).map((c) => [c.kind, c.severity]);

  it('evaluates a batch at once, then at most once per throttle interval (later batches coalesce)', async () => {
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 2000, policy: BANDS_ONLY } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - MINUTE) }); // evaluated in the request: red
      expect(await active(server)).toEqual([['red', 'open']]);
      await server.postEvents({ events: calls(60, 0, T0 - MINUTE) }); // within 2 s of the last run: deferred
      await server.postEvents({ events: calls(60, 0, T0 - MINUTE) }); // coalesced with the one before
      await clock.advance(1999);
      expect(await active(server)).toEqual([['red', 'open']]);
      await clock.advance(1); // the trailing run, 2 s after the first: 120/130 → recovered
      expect(await active(server)).toEqual([]);
      expect(await history(server)).toEqual([
        ['opened', 'red'],
        ['recovered', 'red'],
      ]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });

  it('re-evaluates on its timer as windows slide, with no new events', async () => {
    const clock = testClock(T0);
    const server = await startTestServer({ clock, alerts: { intervalMs: 30_000, throttleMs: 0, policy: BANDS_ONLY } });
    try {
      await server.postEvents({ events: calls(0, 10, T0 - 50 * MINUTE) }); // 0/10: red
      await server.postEvents({ events: calls(10, 0, T0 - MINUTE) }); // 10/20: still red
      // Only the clock moves. Until T0 + 10 min the misses are still in the hour that ends now.
      await clock.advance(10 * MINUTE); // twenty timer runs
      expect(await active(server)).toEqual([['red', 'open']]);
      await clock.advance(30_000); // the next run: [T0 − 49.5 min, T0 + 10.5 min) holds 10/10
      expect(await active(server)).toEqual([]);
      expect(await history(server)).toEqual([
        ['opened', 'red'],
        ['recovered', 'red'],
      ]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});

describe('standards from the engine', () => {
  it("uses a standard's configured bands, goes red on a 14.4× burn at a 99 % target, and closes incidents when it is retired", async () => {
    const server = await startTestServer({ clock: testClock(T0), alerts: { intervalMs: 0, throttleMs: 0, policy: NO_HOLDS } });
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
      const fired = (await server.getJson('/api/v1/incidents')).body.incidents as Incident[];
      // Amber under these bands, but the error budget burns 15×: a fast burn makes the incident red.
      expect(fired.map((i) => [i.standardId, i.site, i.severity, i.detail.band.severity, i.detail.burnSeverity])).toEqual([['call-answer-1-ring', 'downtown', 'red', 'amber', 'red']]);
      expect(fired[0]!.detail.lines[0]).toContain('amber below 97 %, red below 80 %');
      expect(fired[0]!.detail.burnRates[0]).toMatchObject({ status: 'fire', factor: 14.4, long: { name: '1h' }, short: { name: '5m' } });
      expect(fired[0]!.detail.lines[1]).toBe('Error budget (1 %) burning 15.0× over 1h and 15.0× over 5m; red above 14.4× in both → firing');
      const retired = await fetch(`${server.url}/api/v1/standards/call-answer-1-ring`, { method: 'DELETE', headers: adminHeaders(server.apiKey) });
      expect(retired.status).toBe(200);
      const closed = await server.testApi.evaluateAlerts();
      expect(closed.map((u) => [u.change.kind, u.change.severity, u.incident.id, u.incident.state])).toEqual([['recovered', 'red', fired[0]!.id, 'recovered']]);
      expect(closed[0]!.change.summary).toBe('downtown calls: closed — the standard "Calls answered on the first ring" is no longer in force');
      expect(await server.testApi.evaluateAlerts()).toEqual([]);
    } finally {
      await server.close();
      removeDir(server.dataDir);
    }
  });
});
