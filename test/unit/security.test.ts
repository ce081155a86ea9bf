// Pure parts of security: scope hierarchy and policy, token buckets, JSON depth, loopback, CLI flags, the browser page's key field.
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../server/src/protocol/pure';
import { bearerToken, openHostAllowed } from '../../server/src/domain/keys';
import { apiPathOf } from '../../server/src/http/auth';
import { allows, grantedScopes, pageRequirement, requirementFor } from '../../server/src/http/scopes';
import { securityOptions } from '../../server/src/cli/securityOptions';
import { jsonDepth, MAX_JSON_DEPTH } from '../../server/src/http/jsonDepth';
import { tokenBuckets } from '../../server/src/http/rateLimit';
import { isStorageUnavailable } from '../../server/src/store/sqlite/storageErrors';
import { socketTransport, type DashboardSocket } from '../../webview/src/transport/socket';

describe('scopes', () => {
  it('admin ⊇ audit ⊇ read; ingest and metrics separate; admin holds both', () => {
    expect([...grantedScopes(['admin'])].sort()).toEqual(['admin', 'audit', 'ingest', 'metrics', 'read']);
    expect([...grantedScopes(['audit'])].sort()).toEqual(['audit', 'read']);
    expect(allows(['read'], 'ingest')).toBe(false);
    expect(allows(['ingest'], 'read')).toBe(false);
    expect(allows(['ingest', 'read'], 'read')).toBe(true);
    expect([...grantedScopes(['metrics'])]).toEqual(['metrics']);
    expect(allows(['audit'], 'metrics')).toBe(false);
  });

  it('a request no route serves (another method on a served path, or a path none serves) needs a key of any scope; static GETs are public', () => {
    expect(requirementFor('GET', '/brand-new')).toBe('any-key');
    expect(requirementFor('POST', '/health')).toBe('any-key');
    expect(requirementFor('HEAD', '/health')).toBe('public');
    expect(requirementFor('GET', null)).toBe('public');
    expect(requirementFor('POST', null)).toBe('any-key');
    expect(requirementFor('GET', '/compliance/')).toBe('read');
    expect(requirementFor('POST', '/incidents/7/ack')).toBe('read');
    expect(requirementFor('POST', '/incidents/ack')).toBe('read');
    expect(requirementFor('POST', '/incidents/7/other')).toBe('any-key');
    expect(requirementFor('POST', '/incidents/7/ack/x')).toBe('any-key');
    expect(requirementFor('DELETE', '/incidents/7')).toBe('any-key');
    expect(requirementFor('GET', '/keysx')).toBe('any-key');
    // Outside the API, only the dashboard's first paint (the live feed's data for a header's key) needs a key.
    expect(pageRequirement('GET', '/first-paint')).toBe('read');
    expect(pageRequirement('GET', '/dashboard.js')).toBe('public');
    expect(pageRequirement('HEAD', '/first-paint')).toBe('public');
    expect(pageRequirement('POST', '/first-paint')).toBe('any-key');
  });

  it('finds the API path case-insensitively, like Express', () => {
    expect(apiPathOf('/API/V1/Compliance')).toBe('/compliance');
    expect(apiPathOf('/api/v2/events')).toBe('/api/v2/events');
    expect(apiPathOf('/dashboard.js')).toBeNull();
    expect(apiPathOf('/apix')).toBeNull();
  });

  it('reads Bearer tokens strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('token buckets', () => {
  it('allows a burst, then refills at the rate, per bucket', () => {
    let t = 0;
    const b = tokenBuckets({ perSecond: 2, burst: 3 }, () => t);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBeCloseTo(0.5);
    expect(b.take('b')).toBe(0);
    t = 500;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
    t = 10_000;
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a') > 0]).toEqual([0, 0, 0, true]); // capped at burst
  });
});

describe('JSON depth', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepth(Buffer.from('{"a":[1,{"b":2}]}'))).toBe(3);
    expect(jsonDepth(Buffer.from('{"a":"[[[[[[\\"[[["}'))).toBe(1);
    expect(jsonDepth(Buffer.from('"x"'))).toBe(0);
    expect(jsonDepth(Buffer.from('['.repeat(MAX_JSON_DEPTH + 1)))).toBe(MAX_JSON_DEPTH + 1);
  });
});

describe('binding and flags', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['127.0.0.1.evil.com', false],
  ])('%s is loopback: %s', (host, yes) => expect(isLoopback(host)).toBe(yes));

  it('lets a server without keys answer only a Host that names this machine', () => {
    for (const host of [undefined, '', 'localhost', 'LocalHost:4870', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:4870']) expect([host, openHostAllowed(host)]).toEqual([host, true]);
    for (const host of ['attacker.example', 'attacker.example:4870', 'localhost.attacker.example', '127.0.0.1.nip.io', '[::2]:80', '10.0.0.1', 'localhost:80@evil']) expect([host, openHostAllowed(host)]).toEqual([host, false]);
  });

  it('parses the security flags', () => {
    expect(securityOptions({})).toEqual({});
    expect(securityOptions({ 'no-auth': true, 'rate-limit': '0' })).toEqual({ noAuth: true, rateLimit: false });
    expect(securityOptions({ 'rate-limit': '10' })).toEqual({ rateLimit: { perSecond: 10, burst: 100 } });
    expect(securityOptions({ 'rate-limit': '10', 'rate-burst': '5' })).toEqual({ rateLimit: { perSecond: 10, burst: 5 } });
    expect(securityOptions({ 'cors-origin': ['https://a.example/'] })).toEqual({ corsOrigins: ['https://a.example'] });
    expect(securityOptions({ 'rate-limit': 'lots' })).toMatch(/--rate-limit/);
    expect(securityOptions({ 'rate-burst': '0' })).toMatch(/--rate-burst/);
    expect(securityOptions({ 'cors-origin': ['https://a.example/path'] })).toMatch(/--cors-origin/);
    expect(securityOptions({ 'cors-origin': ['*'] })).toMatch(/--cors-origin/);
    expect(securityOptions({ 'max-connections-per-address': '64' })).toEqual({ maxConnectionsPerAddress: 64 });
    expect(securityOptions({ 'max-connections-per-address': '0' })).toEqual({ maxConnectionsPerAddress: 0 });
    expect(securityOptions({ 'max-connections-per-address': 'many' })).toMatch(/^--max-connections-per-address must be a whole number/);
  });

  it('classifies storage errors', () => {
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }))).toBe(true);
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' }))).toBe(false);
    expect(isStorageUnavailable(new Error('x'))).toBe(false);
  });
});

describe('the browser page takes a key from its key field when the socket is refused for want of one', () => {
  function fakeSocket() {
    const handlers = new Map<string, (arg: any) => void>();
    const socket = {
      on: (event: string, fn: (arg: any) => void) => (handlers.set(event, fn), socket),
      io: { on: () => undefined, removeAllListeners: () => undefined },
      removeAllListeners: () => undefined,
      disconnect: () => undefined,
      connect: () => socket,
      fire: (event: string, arg?: unknown) => handlers.get(event)?.(arg),
    };
    return socket;
  }
  const page = { location: { search: '', pathname: '/', hash: '' }, history: { pushState: () => undefined, replaceState: () => undefined, state: null } };

  it('shows the refusal and waits (no prompt, no retry of its own); the key given opens a socket with it', () => {
    const sockets: Array<{ token: string | null; socket: ReturnType<typeof fakeSocket> }> = [];
    const transport = socketTransport('http://x', { ...page, connect: (_url, token) => (sockets.push({ token, socket: fakeSocket() }), sockets.at(-1)!.socket as unknown as DashboardSocket) });
    const messages: any[] = [];
    transport.start((m) => messages.push(m));
    sockets[0]!.socket.fire('connect_error', new Error('unauthorized: an API key with scope "read" is required (auth: { token })'));
    expect(messages.at(-1)).toMatchObject({ type: 'connection', state: 'disconnected', error: expect.stringMatching(/^unauthorized/) });
    expect(sockets).toHaveLength(1);
    transport.useKey!('rs_typed');
    expect(sockets.map((s) => s.token)).toEqual([null, 'rs_typed']);
    expect(transport.key()).toBe('rs_typed');
    expect(messages.at(-1)).toMatchObject({ type: 'connection', state: 'connecting' });
  });

  it('opens no socket and sends no query while the page says its key is refused; a key given is tried by the handshake before any query', async () => {
    const tokens: Array<string | null> = [];
    const sockets: Array<ReturnType<typeof fakeSocket>> = [];
    const asked: Array<string | null> = [];
    const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(new Headers(init?.headers).get('authorization'));
      return new Response('{"standards":[]}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const transport = socketTransport('http://x', { ...page, fetch, keyRefused: 'unauthorized: an API key with scope "read" is required (auth: { token })', connect: (_url, token) => (tokens.push(token), sockets.push(fakeSocket()), sockets.at(-1)! as unknown as DashboardSocket) });
    const messages: any[] = [];
    transport.start((m) => messages.push(m));
    expect(messages).toEqual([{ type: 'connection', state: 'disconnected', serverUrl: 'http://x', error: expect.stringMatching(/is required/) }]);
    expect(tokens).toEqual([]);

    // A mistyped key: the handshake refuses it, and the query waiting for it is never sent.
    transport.useKey!('rs_wrong');
    const refused = transport.request!({ kind: 'compliance', params: { window: 'today', bucket: 'hour' } });
    sockets[0]!.fire('connect_error', new Error('unauthorized: the API key is not recognised'));
    await expect(refused).rejects.toMatchObject({ status: 401 });
    expect(asked).toEqual([]);

    // The right one: the query leaves once the handshake accepted it, with the key.
    transport.useKey!('rs_right');
    const answered = transport.request!({ kind: 'compliance', params: { window: 'today', bucket: 'hour' } });
    await Promise.resolve();
    expect(asked).toEqual([]);
    sockets[1]!.fire('connect');
    await answered;
    expect(asked).toEqual(['Bearer rs_right']);
    expect(tokens).toEqual(['rs_wrong', 'rs_right']);
  });
});
