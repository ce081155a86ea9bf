// Hardening: rate limits, security headers + CSP, CORS, request ids, hostile JSON and timestamps.
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../server/src/protocol';
import { testClock } from '../support/testClock';
import { adminHeaders, call, removeDir, startTestServer, useTestServer, type TestServer } from '../support/testServer';

const server = useTestServer({ rateLimit: { perSecond: 2, burst: 5 }, corsOrigins: ['https://wall.example.com'] });

let open: TestServer; // no rate limit, for the input tests
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${open.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(), ...headers }, body });

describe('rate limits', () => {
  // The buckets refill on the server's clock: the test moves it instead of waiting.
  const clock = testClock();
  const limited = useTestServer({ rateLimit: { perSecond: 2, burst: 5 }, clock });
  const compliance = (key?: string) => fetch(`${limited().url}/api/v1/compliance`, { headers: adminHeaders(key) });

  it('answers 429 with Retry-After once a key has used its burst, per key, and refills', async () => {
    const other = await fetch(`${limited().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'r', scopes: ['read'] }) });
    const otherKey = ((await other.json())).key as string;
    await clock.advance(500); // the admin key's bucket is full again (the request above took a token)
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await compliance();
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      }
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(retryAfter).toBe('1'); // half a second to the next token, rounded up to whole seconds
    // Another key has its own bucket.
    expect((await compliance(otherKey)).status).toBe(200);
    // Two tokens a second: the next one is there after 500 ms, not before.
    await clock.advance(499);
    expect((await compliance()).status).toBe(429);
    await clock.advance(1);
    expect((await compliance()).status).toBe(200);
    await clock.advance(500);
    const stats = await (await fetch(`${limited().url}/api/v1/stats`, { headers: adminHeaders() })).json();
    expect((stats).http.rateLimited).toBe(4);
  });

  it('names in errors what was counted, as every refusal names its field: the key\'s header, or the connection', async () => {
    // A client that reads errors[].path for every 4xx (the too-many-exports 429 names the same) is told whether its
    // key or its address ran out, and a Firehose sender the header its key came in.
    await clock.advance(3000); // every bucket full again
    const created = await fetch(`${limited().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'burst', scopes: ['read'] }) });
    const key = ((await created.json())).key as string;
    const lastOf = async (headers: Record<string, string>) => {
      let res: Response | undefined;
      for (let i = 0; i < 6; i++) {
        res = await fetch(`${limited().url}/api/v1/sites`, { headers });
        if (i < 5) await res.arrayBuffer();
      }
      return { status: res!.status, body: await res!.json() };
    };
    const over = 'its rate limit of 2 requests a second (burst 5)';
    expect(await lastOf(adminHeaders(key))).toMatchObject({ status: 429, body: { type: 'https://ringside.dev/problems/rate-limited', errors: [{ path: 'Authorization', message: `names a key that has used ${over}` }] } });
    await clock.advance(3000);
    expect(await lastOf({ 'x-amz-firehose-access-key': key })).toMatchObject({ status: 429, body: { errors: [{ path: 'X-Amz-Firehose-Access-Key', message: `names a key that has used ${over}` }] } });
    expect(await lastOf({})).toMatchObject({ status: 429, body: { errors: [{ path: '(connection)', message: `comes from a client address that has used ${over}` }] } });
  });
});

describe('headers', () => {
  it('serves the dashboard with a strict CSP and helmet headers, and no x-powered-by', async () => {
    const res = await fetch(`${server().url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A page opened with an old ?token= link sends no Referer (with the key) for its files and requests.
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('keeps a sane incoming X-Request-Id and replaces a hostile one', async () => {
    expect((await fetch(`${server().url}/api/v1/health`, { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    expect((await fetch(`${server().url}/api/v1/health`, { headers: { 'x-request-id': 'a b' } })).headers.get('x-request-id')).not.toBe('a b');
    expect((await fetch(`${server().url}/api/v1/health`, { headers: { 'x-request-id': 'x'.repeat(65) } })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CORS', () => {
  it('is closed by default: no Access-Control headers for an unknown origin, preflight 403', async () => {
    const res = await fetch(`${server().url}/api/v1/health`, { headers: { origin: 'https://evil.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await fetch(`${server().url}/api/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(403);
  });

  it('opens to an allow-listed origin, including the Authorization header', async () => {
    const pre = await fetch(`${server().url}/api/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://wall.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://wall.example.com');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('lets the socket accept an allow-listed origin and refuse others', async () => {
    const attempt = (origin: string) =>
      new Promise<boolean>((resolve) => {
        const c = io(server().url, { forceNew: true, reconnection: false, transports: ['polling'], extraHeaders: { origin }, auth: { token: server().apiKey } });
        c.on('snapshot', () => (c.close(), resolve(true)));
        c.on('connect_error', () => (c.close(), resolve(false)));
      });
    expect(await attempt('https://wall.example.com')).toBe(true);
    expect(await attempt('https://evil.example.com')).toBe(false);
  });
});

describe('hostile input', () => {
  beforeAll(async () => {
    open = await startTestServer({ rateLimit: false });
  });
  afterAll(async () => {
    await open.close();
    removeDir(open.dataDir);
  });

  it.each([
    ['6 minutes ahead', () => new Date(Date.now() + 6 * 60_000).toISOString(), /in the future/],
    ['next year', () => new Date(Date.now() + 365 * 86_400_000).toISOString(), /in the future/],
    ['30 February', () => '2026-02-30T10:00:00Z', /not a real date/],
    ['hour 24', () => '2026-01-10T24:00:00Z', /not a real date|ISO 8601/],
    ['before 1970', () => '1969-12-31T23:00:00Z', /^must be 1970-01-01T00:00:00Z or later$/],
  ])('refuses occurredAt %s with 400 naming occurredAt', async (_name, occurredAt, message) => {
    const res = await post(JSON.stringify({ events: [call(), call({ occurredAt: occurredAt() })] }));
    expect(res.status).toBe(400);
    const body = (await res.json());
    expect(body.errors).toEqual([{ path: 'events.1.occurredAt', message: expect.stringMatching(message) }]);
  });

  it('accepts a timestamp a little ahead (clock skew under 5 minutes)', async () => {
    const res = await post(JSON.stringify(call({ occurredAt: new Date(Date.now() + 60_000).toISOString() })));
    expect(res.status).toBe(201);
    expect(LIMITS.maxFutureSeconds).toBe(300);
  });

  it('refuses deeply nested JSON with 400 before parsing it', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await post(`{"events": ${deep}}`);
    expect(res.status).toBe(400);
    expect(((await res.json())).type).toMatch(/json-too-deep/);
    const field = await post(JSON.stringify(call({ agent: { a: { b: { c: { d: {} } } } } })));
    expect(field.status).toBe(400); // shallow nesting in a field is just a wrong type
    expect(((await field.json())).errors[0].path).toBe('agent');
  });

  it('never answers with a stack trace', async () => {
    const res = await post('{"events": [1, {"type": "call", "site": {"toString": 1}}]}');
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  });
});
