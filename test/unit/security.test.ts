// Pure parts of security: scope hierarchy and policy, token buckets, JSON depth, loopback, CLI flags, key prompt.
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../server/src/services/access';
import { bearerToken } from '../../server/src/domain/keys';
import { apiPathOf } from '../../server/src/http/auth';
import { allows, grantedScopes, requirementFor } from '../../server/src/http/scopes';
import { securityOptions } from '../../server/src/cli/securityOptions';
import { jsonDepth, MAX_JSON_DEPTH } from '../../server/src/http/jsonDepth';
import { tokenBuckets } from '../../server/src/http/rateLimit';
import { isStorageUnavailable } from '../../server/src/store/sqlite/storageErrors';
import { socketTransport, type DashboardSocket } from '../../webview/src/transport/socket';
import { needsKey } from '../../webview/src/transport/keyPrompt';

describe('scopes', () => {
  it('admin ⊇ audit ⊇ read; ingest separate; admin holds ingest', () => {
    expect([...grantedScopes(['admin'])].sort()).toEqual(['admin', 'audit', 'ingest', 'read']);
    expect([...grantedScopes(['audit'])].sort()).toEqual(['audit', 'read']);
    expect(allows(['read'], 'ingest')).toBe(false);
    expect(allows(['ingest'], 'read')).toBe(false);
    expect(allows(['ingest', 'read'], 'read')).toBe(true);
  });

  it('denies by default: unmapped API paths need admin, static GETs are public', () => {
    expect(requirementFor('GET', '/brand-new')).toBe('admin');
    expect(requirementFor('POST', '/health')).toBe('admin');
    expect(requirementFor('HEAD', '/health')).toBe('public');
    expect(requirementFor('GET', null)).toBe('public');
    expect(requirementFor('POST', null)).toBe('admin');
    expect(requirementFor('GET', '/compliance/')).toBe('read');
    expect(requirementFor('POST', '/incidents/7/ack')).toBe('read');
    expect(requirementFor('POST', '/incidents/ack')).toBe('read');
    expect(requirementFor('POST', '/incidents/7/other')).toBe('admin');
    expect(requirementFor('POST', '/incidents/7/ack/x')).toBe('admin');
    expect(requirementFor('DELETE', '/incidents/7')).toBe('admin');
    expect(requirementFor('GET', '/keysx')).toBe('admin');
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
  });

  it('classifies storage errors', () => {
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }))).toBe(true);
    expect(isStorageUnavailable(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' }))).toBe(false);
    expect(isStorageUnavailable(new Error('x'))).toBe(false);
  });
});

describe('the browser page asks for a key when the socket is refused for want of one', () => {
  function fakeSocket() {
    const handlers = new Map<string, (arg: any) => void>();
    const socket = {
      auth: {} as Record<string, unknown>,
      connects: 0,
      on: (event: string, fn: (arg: any) => void) => (handlers.set(event, fn), socket),
      io: { on: () => undefined, removeAllListeners: () => undefined },
      removeAllListeners: () => undefined,
      disconnect: () => undefined,
      connect: () => ((socket.connects += 1), socket),
      fire: (event: string, arg: unknown) => handlers.get(event)?.(arg),
    };
    return socket;
  }

  it('retries with the key typed in, and stops when the prompt is cancelled', () => {
    const socket = fakeSocket();
    const answers = ['rs_typed', null];
    const asked: string[] = [];
    const transport = socketTransport('http://x', {
      connect: () => socket as unknown as DashboardSocket,
      askKey: (reason) => (asked.push(reason), answers.shift() ?? null),
      location: { search: '', pathname: '/', hash: '' },
      history: { replaceState: () => undefined },
    });
    const messages: any[] = [];
    transport.start((m) => messages.push(m));
    socket.fire('connect_error', new Error('unauthorized: an API key with scope "read" is required (auth: { token })'));
    expect(asked).toHaveLength(1);
    expect(socket.auth).toEqual({ token: 'rs_typed' });
    expect(socket.connects).toBe(1);
    socket.fire('connect_error', new Error('unauthorized: the API key is not recognised'));
    expect(socket.connects).toBe(1); // cancelled: no loop
    socket.fire('connect_error', new Error('xhr poll error'));
    expect(asked).toHaveLength(2); // network errors never prompt
    expect(needsKey('forbidden: the live feed needs a key with scope "read"')).toBe(true);
    expect(messages.at(-1)).toMatchObject({ type: 'connection', state: 'disconnected' });
  });
});
