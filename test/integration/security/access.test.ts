// Keys and scopes: every route and the socket, table-driven; expired and revoked keys; key API.
import { request as httpRequest } from 'node:http';
import { io } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_RULES, requirementFor, type Scope } from '../../../server/src/http/scopes';
import { testClock } from '../support/testClock';
import { adminHeaders, call, useTestServer } from '../support/testServer';

/** The server's time: it moves only when a test says (key expiry). */
const clock = testClock();
const server = useTestServer({ rateLimit: false, clock });
const keyOf: Partial<Record<Scope, string>> = {};

async function createKey(body: unknown, key = server().apiKey) {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()), cacheControl: res.headers.get('cache-control') };
}

beforeAll(async () => {
  for (const scope of ['ingest', 'read', 'audit', 'admin', 'metrics'] as const) {
    const created = await createKey({ name: `${scope} key`, scopes: [scope] });
    expect(created.status).toBe(201);
    keyOf[scope] = created.body.key;
  }
});

async function send(method: string, path: string, key: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key ? adminHeaders(key) : {}) };
  const body = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(path.endsWith('/events') ? call() : {});
  const res = await fetch(`${server().url}${path}`, { method, headers, ...(body ? { body } : {}) });
  await res.arrayBuffer();
  return res.status;
}

/** Routes of the app with the scope they need (the rules come from the route tables: http/routes/). */
const ROUTES: Array<[method: string, path: string, needs: 'public' | 'any-key' | Scope]> = [
  ['GET', '/api/v1/health', 'public'],
  ['POST', '/api/v1/events', 'ingest'],
  ['GET', '/api/v1/compliance', 'read'],
  ['GET', '/api/v1/standards', 'read'],
  ['POST', '/api/v1/standards', 'admin'],
  ['GET', '/api/v1/sites', 'read'],
  ['POST', '/api/v1/sites', 'admin'],
  ['GET', '/api/v1/incidents', 'read'],
  ['GET', '/api/v1/incidents/1', 'read'],
  ['POST', '/api/v1/incidents/1/ack', 'read'],
  ['POST', '/api/v1/incidents/ack', 'read'],
  ['GET', '/api/v1/distribution', 'read'],
  ['GET', '/api/v1/standards/call-answer-2-rings', 'read'],
  ['GET', '/api/v1/standards/call-answer-2-rings/versions', 'read'],
  ['PUT', '/api/v1/standards/call-answer-2-rings', 'admin'],
  ['PATCH', '/api/v1/standards/call-answer-2-rings', 'admin'],
  ['GET', '/api/v1/sites/downtown', 'read'],
  ['GET', '/api/v1/sites/downtown/history', 'read'],
  ['PUT', '/api/v1/sites/downtown', 'admin'],
  ['PATCH', '/api/v1/sites/downtown', 'admin'],
  ['DELETE', '/api/v1/sites/downtown', 'admin'],
  ['GET', '/api/v1/keys', 'admin'],
  ['POST', '/api/v1/keys', 'admin'],
  ['DELETE', '/api/v1/keys/k_000000000000', 'admin'],
  ['GET', '/api/v1/stats', 'admin'],
  ['GET', '/api/v1/metrics', 'metrics'],
  ['GET', '/api/v1/export', 'any-key'], // no such route: a 404 for any key
  ['GET', '/api/v1/export/compliance', 'audit'],
  ['HEAD', '/api/v1/export/events', 'audit'],
  ['GET', '/api/v1/export/report', 'audit'],
  ['GET', '/api/v1/export/events', 'audit'],
  ['GET', '/api/v1/audit/verify', 'audit'],
  ['GET', '/api/v1/audit/head', 'audit'],
  ['GET', '/api/v1/audit/public-key', 'public'],
  ['GET', '/api/v1/events/some-id', 'read'],
  ['POST', '/api/v1/events/some-id/void', 'admin'],
  ['POST', '/api/v1/events/some-id/amend', 'admin'],
  ['GET', '/api/v1/some-future-route', 'any-key'],
  ['GET', '/api/v1/integrations/asterisk/queue-log', 'any-key'], // a method its path does not take: a 405 for any key
  ['DELETE', '/api/v1/compliance', 'any-key'],
  ['GET', '/API/V1/COMPLIANCE', 'read'], // Express matches paths case-insensitively: so must the policy
  ['GET', '/', 'public'],
  ['GET', '/dashboard.js', 'public'],
  ['GET', '/foo', 'public'],
  ['POST', '/events', 'any-key'], // outside /api no route takes a POST: a 404 for any key
  ['POST', '/ringside/api/v1/milestones', 'any-key'],
];

const LEVELS: Array<'none' | Scope> = ['none', 'ingest', 'read', 'audit', 'admin', 'metrics'];
const GRANTS: Record<'none' | Scope, ReadonlyArray<'public' | 'any-key' | Scope>> = {
  none: ['public'],
  ingest: ['public', 'any-key', 'ingest'],
  read: ['public', 'any-key', 'read'],
  audit: ['public', 'any-key', 'read', 'audit'],
  admin: ['public', 'any-key', 'ingest', 'read', 'audit', 'admin', 'metrics'],
  metrics: ['public', 'any-key', 'metrics'],
};

describe('scope policy', () => {
  it('maps each listed route as the table says', () => {
    for (const [method, path, needs] of ROUTES) {
      const lower = path.toLowerCase();
      const api = lower.startsWith('/api/v1') ? lower.slice('/api/v1'.length) : null;
      expect(requirementFor(method, api), `${method} ${path}`).toBe(needs);
    }
    expect(API_RULES.length).toBeGreaterThan(10);
  });

  describe.each(ROUTES)('%s %s (needs %s)', (method, path, needs) => {
    it.each(LEVELS)('with %s key', async (level) => {
      const status = await send(method, path, level === 'none' ? null : keyOf[level]!);
      const allowed = GRANTS[level].includes(needs);
      if (allowed) expect([401, 403]).not.toContain(status);
      else expect(status).toBe(level === 'none' ? 401 : 403);
    });
  });
});

/** A request whose request line names the whole URL ("GET http://x/api/v1/keys HTTP/1.1"), as sent to proxies. */
function sendAbsolute(method: string, target: string, key: string | null, body?: unknown): Promise<number> {
  const { hostname, port } = new URL(server().url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(key ? adminHeaders(key) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const req = httpRequest({ hostname, port, method, path: target, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('a request line in absolute form', () => {
  it('is judged by the path the router serves, so no route is reached around the key check', async () => {
    for (const target of ['http://x/api/v1/keys', 'HTTP://x:1/API/V1/KEYS?y=1', 'foo://x/api/v1/stats']) {
      expect(await sendAbsolute('GET', target, null), target).toBe(401);
      expect(await sendAbsolute('GET', target, keyOf.ingest!), target).toBe(403);
      // The admin reaches the route: /keys takes no parameters, so its ?y=1 is refused there (400), not at the door.
      expect(await sendAbsolute('GET', target, keyOf.admin!), target).toBe(target.includes('?') ? 400 : 200);
    }
    expect(await sendAbsolute('POST', 'http://x/api/v1/events', keyOf.ingest!, call())).toBe(201);
  });
});

describe('the Socket.IO handshake', () => {
  const tryConnect = (token?: string) =>
    new Promise<{ ok: boolean; error?: string; data?: any }>((resolve) => {
      const c = io(server().url, { forceNew: true, reconnection: false, transports: ['websocket'], ...(token ? { auth: { token } } : {}) });
      c.on('snapshot', () => {
        c.close();
        resolve({ ok: true });
      });
      c.on('connect_error', (e: Error & { data?: unknown }) => {
        c.close();
        resolve({ ok: false, error: e.message, data: e.data });
      });
    });

  it.each([
    ['no key', undefined, false],
    ['a wrong key', 'rs_nope', false],
    ['an ingest key', 'ingest', false],
    ['a read key', 'read', true],
    ['an audit key', 'audit', true],
    ['an admin key', 'admin', true],
  ])('with %s', async (_name, which, ok) => {
    const token = which && which in keyOf ? keyOf[which as Scope] : which;
    const result = await tryConnect(token);
    expect(result.ok).toBe(ok);
    if (!ok) expect(result.error).toMatch(/unauthorized|forbidden/);
  });

  it('accepts RINGSIDE_API_KEY (the test server bootstraps with it)', async () => {
    expect((await tryConnect(server().apiKey)).ok).toBe(true);
  });
});

describe('keys API', () => {
  it('shows the secret once, stores only its hash, and lists keys without secrets', async () => {
    const created = await createKey({ name: 'wallboard', scopes: ['read'] });
    expect(created.status).toBe(201);
    expect(created.cacheControl).toBe('no-store');
    expect(created.body.key).toMatch(/^rs_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ name: 'wallboard', scopes: ['read'], status: 'active', source: 'api', lastUsedAt: null });
    const list = await server().getJson('/api/v1/keys');
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(created.body.key);
    expect(list.body.keys.find((k: any) => k.id === created.body.id)).toMatchObject({ name: 'wallboard' });
    expect(list.body.keys.find((k: any) => k.id === 'env')).toMatchObject({ scopes: ['admin'], source: 'env' });
    // Last use is recorded.
    expect(await send('GET', '/api/v1/compliance', created.body.key)).toBe(200);
    const after = await server().getJson(`/api/v1/keys/${created.body.id}`);
    expect(after.body.lastUsedAt).not.toBeNull();
  });

  it('answers every key and counter request with Cache-Control: no-store, refusals too', async () => {
    const created = await createKey({ name: 'cached?', scopes: ['read'] });
    const cacheOf = async (method: string, path: string) => {
      const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: adminHeaders() });
      await res.arrayBuffer();
      return [method, path, res.status, res.headers.get('cache-control')];
    };
    expect(await Promise.all([
      cacheOf('GET', '/keys'),
      cacheOf('GET', `/keys/${created.body.id}`),
      cacheOf('GET', '/keys/k_nosuch'),
      cacheOf('GET', '/stats'),
    ])).toEqual([
      ['GET', '/keys', 200, 'no-store'],
      ['GET', `/keys/${created.body.id}`, 200, 'no-store'],
      ['GET', '/keys/k_nosuch', 404, 'no-store'],
      ['GET', '/stats', 200, 'no-store'],
    ]);
    expect(await cacheOf('DELETE', `/keys/${created.body.id}`)).toEqual(['DELETE', `/keys/${created.body.id}`, 200, 'no-store']);
    // Refused before the route's handler runs (its path, query or body): no-store all the same, as the docs promise
    // of every answer of these routes.
    const refusedOf = async (method: string, path: string, body?: string, type = 'application/json') => {
      const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { ...adminHeaders(), 'content-type': type }, ...(body === undefined ? {} : { body }) });
      await res.arrayBuffer();
      return [method, path, res.status, res.headers.get('cache-control')];
    };
    expect(await Promise.all([
      refusedOf('POST', '/keys', JSON.stringify({ name: '', scopes: ['reed'] })),
      refusedOf('POST', '/keys', '{"name":'),
      refusedOf('POST', '/keys', 'name=x', 'text/plain'),
      refusedOf('POST', '/keys', JSON.stringify({ name: 'x'.repeat(20_000), scopes: ['read'] })),
      refusedOf('GET', '/keys/k%00x'),
      refusedOf('GET', '/keys/%ff'),
      refusedOf('GET', '/stats?x=1'),
    ])).toEqual([
      ['POST', '/keys', 400, 'no-store'],
      ['POST', '/keys', 400, 'no-store'],
      ['POST', '/keys', 415, 'no-store'],
      ['POST', '/keys', 413, 'no-store'],
      ['GET', '/keys/k%00x', 400, 'no-store'],
      ['GET', '/keys/%ff', 400, 'no-store'],
      ['GET', '/stats?x=1', 400, 'no-store'],
    ]);
  });

  it('revokes a key: it stops working at once, for HTTP and the socket, and live sockets using it are cut', async () => {
    const created = await createKey({ name: 'temp', scopes: ['read'] });
    expect(await send('GET', '/api/v1/compliance', created.body.key)).toBe(200);
    const live = io(server().url, { forceNew: true, reconnection: false, auth: { token: created.body.key } });
    await new Promise((r) => live.once('snapshot', r));
    const cut = new Promise<string>((r) => live.once('disconnect', (reason) => r(reason)));
    const del = await fetch(`${server().url}/api/v1/keys/${created.body.id}`, { method: 'DELETE', headers: adminHeaders() });
    expect(del.status).toBe(200);
    expect(((await del.json())).status).toBe('revoked');
    expect(await cut).toBe('io server disconnect');
    const res = await fetch(`${server().url}/api/v1/compliance`, { headers: adminHeaders(created.body.key) });
    expect(res.status).toBe(401);
    expect(((await res.json())).detail).toMatch(/revoked/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const socket = await new Promise<string>((resolve) => {
      const c = io(server().url, { forceNew: true, reconnection: false, auth: { token: created.body.key } });
      c.on('connect_error', (e) => (c.close(), resolve(e.message)));
      c.on('snapshot', () => (c.close(), resolve('connected')));
    });
    expect(socket).toMatch(/revoked/);
    expect((await fetch(`${server().url}/api/v1/keys/k_doesnotexist`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(404);
  });

  it('expires a key at its expiry time (HTTP at once, and live sockets using it are cut at the next check)', async () => {
    const created = await createKey({ name: 'short', scopes: ['read'], expiresAt: new Date(clock.now() + 1500).toISOString() });
    expect(created.status).toBe(201);
    expect(await send('GET', '/api/v1/compliance', created.body.key)).toBe(200);
    const live = io(server().url, { forceNew: true, reconnection: false, auth: { token: created.body.key } });
    await new Promise((r) => live.once('snapshot', r));
    let reason: string | null = null;
    const cut = new Promise<string>((r) => live.once('disconnect', (why) => r((reason = why))));
    await clock.advance(1499);
    expect(await send('GET', '/api/v1/compliance', created.body.key)).toBe(200);
    expect(reason).toBeNull();
    await clock.advance(1);
    expect(await send('GET', '/api/v1/compliance', created.body.key)).toBe(401);
    await clock.advance(1000); // the socket check runs once a second
    expect(await cut).toBe('io server disconnect');
    const res = await fetch(`${server().url}/api/v1/compliance`, { headers: adminHeaders(created.body.key) });
    expect(res.status).toBe(401);
    expect(((await res.json())).detail).toMatch(/expired/);
    expect((await server().getJson(`/api/v1/keys/${created.body.id}`)).body.status).toBe('expired');
  });

  it.each([
    [{ scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: ['root'] }, 'scopes.0'],
    [{ name: 'x' }, 'scopes'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['read'], expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'x', scopes: ['read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', scopes: ['read'], colour: 'red' }, 'colour'],
  ])('refuses %j naming %s', async (body, field) => {
    const res = await createKey(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path)).toContain(field);
  });

  it('cannot be used by a non-admin key', async () => {
    expect((await createKey({ name: 'x', scopes: ['admin'] }, keyOf.audit)).status).toBe(403);
  });
});
