// POST /events and /milestones are served without Express's router (http/direct.ts). Each request below is sent
// twice to a real server: once as the plain request (served directly) and once with an empty query string (another
// spelling, left to Express), its ids tagged "direct" and "routed". Both must get the same status, the same headers and the same body; and the plain
// form must really be the direct one (the dispatcher, on a server of its own).
import { gzipSync } from 'node:zlib';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { directRoutes } from '../../../server/src/http/direct';
import { measureDefinitionSchema } from '../../../server/src/protocol/eventTypes';
import type { AppContext, Route } from '../../../server/src/http/route';
import { adminHeaders, call, comparableAnswer, useTestServer } from '../support/testServer';

const ORIGIN = 'https://wall.example.com';
const server = useTestServer({ corsOrigins: [ORIGIN] });
const keys: Record<'read' | 'harbour', string> = { read: '', harbour: '' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw request (node:http, so the bytes, the length and the encoding are exactly what the case says). */
function send(url: string, path: string, headers: Record<string, string>, body: Buffer | string = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The headers that must agree: all but the date, the request's own id and the length (checked against the body). */
function comparable(answer: Answer): IncomingHttpHeaders {
  const { date: _date, 'x-request-id': id, 'content-length': length, ...rest } = answer.headers;
  expect(id).toMatch(/^[\w.-]{1,64}$/);
  expect(Number(length)).toBe(Buffer.byteLength(answer.body));
  return rest;
}

/** Sends the case as `make(tag)` to the direct path and to Express; returns both answers after comparing them. */
async function both(path: string, make: (tag: 'direct' | 'routed') => { headers?: Record<string, string>; body?: Buffer | string }): Promise<[Answer, Answer]> {
  const direct = make('direct');
  const viaExpress = make('routed');
  const a = await send(server().url, path, direct.headers ?? {}, direct.body);
  const b = await send(server().url, `${path}?`, viaExpress.headers ?? {}, viaExpress.body);
  expect(comparable(a)).toEqual(comparable(b));
  expect(a.status).toBe(b.status);
  expect(comparableAnswer(a.body, 'direct')).toBe(comparableAnswer(b.body, 'routed'));
  return [a, b];
}

const json = (key = server().apiKey, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...adminHeaders(key), ...extra });
const event = (tag: string, fields: Record<string, unknown> = {}) => JSON.stringify(call({ id: `p-${tag}`, occurredAt: '2026-01-05T10:00:00.000Z', ...fields }));

beforeAll(async () => {
  const create = async (name: string, scopes: string[], sites?: string[]) =>
    JSON.parse((await send(server().url, '/api/v1/keys', json(), JSON.stringify({ name, scopes, ...(sites ? { sites } : {}) }))).body).key as string;
  keys.read = await create('reader', ['read']);
  keys.harbour = await create('harbour desk', ['ingest'], ['harbour']);
});

describe('POST /events served directly answers as Express does', () => {
  it('stores an event (201), then answers its repeat as a duplicate (200)', async () => {
    const [stored] = await both('/api/v1/events', (tag) => ({ headers: json(), body: event(tag) }));
    expect(stored.status).toBe(201);
    expect(JSON.parse(stored.body).results[0]).toMatchObject({ id: 'p-direct', duplicate: false });
    const [again] = await both('/api/v1/events', (tag) => ({ headers: json(), body: event(tag) }));
    expect(again.status).toBe(200);
    const [batch] = await both('/api/v1/events', (tag) => ({ headers: json(), body: JSON.stringify({ events: [JSON.parse(event(`${tag}-1`)), JSON.parse(event(`${tag}-2`))] }) }));
    expect(JSON.parse(batch.body).results).toHaveLength(2);
  });

  it('with the security headers and, for an allowed origin, the CORS headers', async () => {
    const [answer] = await both('/api/v1/events', (tag) => ({ headers: json(server().apiKey, { origin: ORIGIN }), body: event(`cors-${tag}`) }));
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': ORIGIN, vary: 'Origin', 'x-content-type-options': 'nosniff' });
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('reads a gzip body, and one with a byte order mark', async () => {
    const [gzip] = await both('/api/v1/events', (tag) => ({ headers: json(server().apiKey, { 'content-encoding': 'gzip' }), body: gzipSync(event(`gz-${tag}`)) }));
    expect(gzip.status).toBe(201);
    await both('/api/v1/events', (tag) => ({ headers: json(), body: `\uFEFF${event(`bom-${tag}`)}` }));
  });

  it.each([
    ['an invalid field', 400, () => ({ headers: json(), body: event('bad', { rings: -1 }) })],
    ['malformed JSON', 400, () => ({ headers: json(), body: '{"type": "call",' })],
    ['JSON nested too deep', 400, () => ({ headers: json(), body: `${'['.repeat(30)}${']'.repeat(30)}` })],
    ['bytes that are not UTF-8', 400, () => ({ headers: json(), body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) })],
    ['another charset', 415, () => ({ headers: json(server().apiKey, { 'content-type': 'application/json; charset=latin1' }), body: event('latin') })],
    ['another media type', 415, () => ({ headers: json(server().apiKey, { 'content-type': 'text/plain' }), body: event('text') })],
    ['an empty body', 400, () => ({ headers: json() })],
    ['a body over 1 MB', 413, () => ({ headers: json(), body: JSON.stringify({ events: [{ note: 'x'.repeat(1_100_000) }] }) })],
    ['an empty batch', 400, () => ({ headers: json(), body: '{"events": []}' })],
    ['no key', 401, () => ({ headers: { 'content-type': 'application/json' }, body: event('nokey') })],
    ['an unknown key', 401, () => ({ headers: json('rs_not-a-key'), body: event('unknown') })],
    ['a key without the ingest scope', 403, () => ({ headers: json(keys.read), body: event('read') })],
    ['a key limited to another site', 403, () => ({ headers: json(keys.harbour), body: event('harbour') })],
  ])('refuses %s (%i) with the same problem', async (_what, status, make) => {
    const [answer] = await both('/api/v1/events', make);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/ringside\.dev\/problems\//) });
  });

  it('answers POST /milestones the same way', async () => {
    // One instant for both requests: made per request, the two could fall a millisecond apart and their answers differ.
    const at = new Date().toISOString();
    const milestone = (tag: string) => JSON.stringify({ type: 'call', site: 'north', caseId: `m-${tag}`, milestone: 'started', at });
    const [started] = await both('/api/v1/milestones', (tag) => ({ headers: json(), body: milestone(tag) }));
    expect(started.status).toBe(201);
    await both('/api/v1/milestones', () => ({ headers: json(), body: '{"milestones": 3}' }));
  });
});

describe('the direct dispatcher', () => {
  const requireFromServer = createRequire(new URL('../../../server/package.json', import.meta.url));
  const pino = requireFromServer('pino') as (options: object) => AppContext['logger'];

  async function listen(listener: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const http = createServer(listener);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise((resolve) => http.close(() => resolve())) };
  }

  const MEASURE = '{"id":"wait","from":"ring","to":"answer"}';

  it('serves only the plain POST of a direct route, runs its handlers in order, and leaves the rest to the fallback', async () => {
    const seen: string[] = [];
    const routes: Route[] = [
      { method: 'POST', path: '/echo', scope: 'ingest', direct: true, status: 201, body: { limit: '1kb', media: 'required', what: 'a measure', schema: measureDefinitionSchema }, handle: ({ body, res }) => ({ body, caller: (res as unknown as { locals: Record<string, unknown> }).locals.caller }) },
      { method: 'POST', path: '/routed', scope: 'ingest', status: 201, handle: () => ({}) },
    ];
    const front = [
      (_req: unknown, res: { locals: Record<string, unknown> }, next: () => void) => ((res.locals.caller = 'checked'), seen.push('front'), next()),
    ];
    const onError = (err: unknown, _req: unknown, res: import('node:http').ServerResponse) => ((res.statusCode = 599), res.end(String((err as Error).message)));
    const fallback: RequestListener = (req, res) => (seen.push(`fallback ${req.method} ${req.url}`), res.end('fallback'));
    const app = { logger: pino({ level: 'silent' }) } as unknown as AppContext;
    const http = await listen(directRoutes(routes, { front, onError }, app, fallback));
    try {
      const direct = await send(http.url, '/api/v1/echo', { 'content-type': 'application/json' }, MEASURE);
      expect(direct).toMatchObject({ status: 201, body: `{"body":${MEASURE},"caller":"checked"}` });
      expect(seen).toEqual(['front']);
      const refused = await send(http.url, '/api/v1/echo', { 'content-type': 'application/json' }, MEASURE.replace('"ring"', '7'));
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body).errors).toEqual([{ path: 'from', message: expect.any(String) }]);
      const broken = await send(http.url, '/api/v1/echo', { 'content-type': 'application/json' }, '{"id": ');
      expect(broken.status).toBe(599); // the parser's error reaches the error handler
      seen.length = 0;
      for (const path of ['/api/v1/echo?x=1', '/api/v1/Echo', '/api/v1/echo/', '/api/v1/routed']) await send(http.url, path, { 'content-type': 'application/json' }, MEASURE);
      expect(seen).toEqual(['fallback POST /api/v1/echo?x=1', 'fallback POST /api/v1/Echo', 'fallback POST /api/v1/echo/', 'fallback POST /api/v1/routed']);
    } finally {
      await http.close();
    }
  });

  it('refuses to serve directly a route that needs the router', () => {
    const withParam: Route = { method: 'POST', path: '/events/:id/void', scope: 'admin', direct: true, handle: () => ({}) };
    expect(() => directRoutes([withParam], { front: [], onError: () => {} }, {} as AppContext, () => {})).toThrow(/needs Express's router/);
  });
});
