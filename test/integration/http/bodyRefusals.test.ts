// A body the parser cannot take is refused like any bad field: problem details with `errors` naming the part at
// fault ((body), or the header that announced it), and a body over its route's limit is told that limit, not
// another route's.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BODY_TYPES } from '../../../server/src/http/jsonBody';
import type { Route } from '../../../server/src/http/route';
import { API_ROUTES } from '../../../server/src/http/routes';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer();

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server().url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey), ...headers }, body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** A JSON object of about `bytes` bytes. */
const sized = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes) });

describe('bodies the parser refuses', () => {
  it('says the limit of the route a body is over, and by how much; how to split it only where the body is a batch', async () => {
    for (const [path, limit, bytes, items] of [
      ['/keys', '16 KB', 20_000, null],
      ['/events/e1/void', '64 KB', 70_000, null],
      ['/standards', '256 KB', 300_000, null],
      ['/events', '1 MB', 1_100_000, 'events'],
      ['/milestones', '1 MB', 1_100_000, 'milestones'],
      ['/incidents/ack', '64 KB', 70_000, 'ids'],
    ] as const) {
      const body = sized(bytes);
      const res = await post(path, body);
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 413, type: expect.stringMatching(/^application\/problem\+json/) });
      const max = limit.endsWith('MB') ? Number.parseInt(limit, 10) * 1024 * 1024 : Number.parseInt(limit, 10) * 1024;
      const size = `it is ${body.length.toLocaleString('en')} bytes`;
      // One object over the limit cannot be split: it is told by how much it is over.
      const how = items ? `${size}, so about ${Math.floor((max / body.length) * 100)} % of its ${items} fit in one request (split it into ${Math.ceil(body.length / max)} or more)` : `${size}, ${(body.length - max).toLocaleString('en')} over`;
      expect(res.body, path).toMatchObject({ type: expect.stringMatching(/\/body-too-large$/), detail: `the request body exceeds ${limit} (counted after decompression), the most this endpoint takes: ${how}` });
      expect(res.body.errors, path).toEqual([{ path: '(body)', message: `must be at most ${limit}` }]);
    }
    // More than a hundred times over: not "about 0 %".
    const huge = sized(7_000_000);
    expect((await post('/incidents/ack', huge)).body.detail).toBe(`the request body exceeds 64 KB (counted after decompression), the most this endpoint takes: it is ${huge.length.toLocaleString('en')} bytes, so less than 1 % of its ids fit in one request (split it into ${Math.ceil(huge.length / 65_536)} or more)`);
    // Compressed, its size is known only as it is read: one object is told the limit alone.
    const gzipped = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...adminHeaders(server().apiKey) }, body: gzipSync(sized(20_000)) });
    expect(await gzipped.json()).toMatchObject({ status: 413, detail: 'the request body exceeds 16 KB (counted after decompression), the most this endpoint takes' });
  });

  it('says what share of a batch fits: 5,000 realistic events are over 1 MB, 4,000 are not (docs/api.md)', async () => {
    // A realistic call as a phone system posts it: a UUID id, a time with its offset, queue, agent, handle time.
    const events = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => call({ id: randomUUID(), site: 'batch', occurredAt: new Date(Date.now() - (from + i) * 1000).toISOString().replace('Z', '+00:00'), queue: 'general-enquiries', agent: `agent-${String(i % 1000).padStart(3, '0')}`, rings: 2, answerSeconds: 9.5, handleSeconds: 184 }));
    const tooMany = JSON.stringify({ events: events(5000, 0) });
    expect(tooMany.length / 5000).toBeGreaterThan(220);
    const res = await post('/events', tooMany);
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/^the request body exceeds 1 MB \(counted after decompression\), the most this endpoint takes: it is 1,\d{3},\d{3} bytes, so about (7\d|8\d) % of its events fit in one request \(split it into 2 or more\)$/);
    // Compressed, its size is not known until it is read: the limit applies to what it decompresses to.
    const gzipped = await fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...adminHeaders(server().apiKey) }, body: gzipSync(tooMany) });
    expect(await gzipped.json()).toMatchObject({ status: 413, detail: 'the request body exceeds 1 MB (counted after decompression), the most this endpoint takes; send less per request' });
    expect((await post('/events', JSON.stringify({ events: events(4000, 5000) }))).status).toBe(201);
  });

  it('names the body or the header at fault', async () => {
    const cases: Array<[string, string, Record<string, string>, number, string, { path: string; message: string }]> = [
      ['/events', '{"type": "call",', {}, 400, 'malformed-json', { path: '(body)', message: 'is not valid JSON' }],
      ['/sites', '['.repeat(30) + ']'.repeat(30), {}, 400, 'json-too-deep', { path: '(body)', message: 'is nested more than 20 levels deep' }],
      ['/events', '{}', { 'content-type': 'application/json; charset=latin1' }, 415, 'unsupported-charset', { path: 'Content-Type', message: 'must name charset utf-8, or none' }],
      ['/events', '{}', { 'content-encoding': 'zstd' }, 415, 'unsupported-encoding', { path: 'Content-Encoding', message: 'must be gzip, deflate, br or none' }],
    ];
    for (const [path, body, headers, status, slug, error] of cases) {
      const res = await post(path, body, headers);
      expect({ path, slug, status: res.status, type: res.body.type, errors: res.body.errors }).toEqual({ path, slug, status, type: `https://ringside.dev/problems/${slug}`, errors: [error] });
    }
    const bytes = Buffer.concat([Buffer.from('{"type": "call", "site": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const res = await fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: bytes });
    expect(await res.json()).toMatchObject({ status: 400, type: expect.stringMatching(/\/invalid-utf8$/), errors: [{ path: '(body)', message: 'is not valid UTF-8: the first bad byte is 0xE9, at line 1, column 30 (byte 30)' }] });
    // A text body (an Asterisk queue_log) says on which line: its sender has a log file to find the byte in.
    const log = Buffer.concat([Buffer.from('1772438400|1.1|support|NONE|ENTERQUEUE||1|1\n\n1772438401|1.1|sup'), Buffer.from([0xe9, 0x41]), Buffer.from('|NONE|ENTERQUEUE||1|1\n')]);
    const text = await fetch(`${server().url}/api/v1/integrations/asterisk/queue-log?site=hq`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server().apiKey) }, body: log });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ detail: 'the request body is not valid UTF-8: the first bad byte is 0xE9, at line 3, column 19 (byte 64)' });
  });

  it('takes every label of UTF-8 as its charset, in any case and quoted, on JSON, text and form bodies', async () => {
    // The WHATWG Encoding Standard's labels of UTF-8: clients write `utf8` as often as `utf-8`.
    for (const [i, charset] of ['utf8', 'UTF8', '"utf8"', 'unicode-1-1-utf-8', 'x-unicode20utf8', '"UTF-8"'].entries()) {
      for (const sep of [';', '; ']) {
        const res = await post('/events', JSON.stringify(call({ id: `charset-${i}${sep.length}` })), { 'content-type': `application/json${sep}charset=${charset}` });
        expect({ charset, sep, status: res.status }).toEqual({ charset, sep, status: 201 });
      }
    }
    const text = await post('/integrations/asterisk/queue-log?site=hq', '1772438400|1.1|support|NONE|QUEUESTART||\n', { 'content-type': 'text/plain;charset=utf8' });
    expect(text.status, JSON.stringify(text.body)).toBe(200);
    const form = await post('/integrations/twilio/taskrouter?site=hq', 'EventType=x', { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' });
    expect(form.body.type).not.toMatch(/unsupported-charset$/);
    const latin = await post('/events', JSON.stringify(call()), { 'content-type': 'application/json; charset=utf-16' });
    expect(latin).toMatchObject({ status: 415, body: { errors: [{ path: 'Content-Type', message: 'must name charset utf-8, or none' }] } });
  });

  it('names a body that does not decompress as its Content-Encoding says', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post('/events', '{"type": "call"}', { 'content-encoding': encoding });
      expect({ encoding, status: res.status, type: res.body.type }).toEqual({ encoding, status: 400, type: 'https://ringside.dev/problems/undecodable-body' });
      expect(res.body.errors).toEqual([{ path: '(body)', message: `is not valid ${encoding} data, as Content-Encoding says` }]);
    }
  });

  it('refuses a form of more than 1000 parameters as a form problem, not a generic one', async () => {
    const form = Array.from({ length: 1200 }, (_, i) => `p${i}=1`).join('&');
    const res = await post('/integrations/twilio/taskrouter?site=hq', form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res).toMatchObject({ status: 413, body: { type: expect.stringMatching(/\/too-many-parameters$/), errors: [{ path: '(body)', message: 'has more than 1000 parameters' }] } });
  });

  it('answers a JSON scalar or list where an object is expected as that body problem, not as malformed JSON', async () => {
    const objectRoutes = ['/standards', '/sites', '/event-types', '/keys', '/events/e1/void', '/events/e1/amend', '/incidents/ack', '/incidents/1/ack'];
    for (const path of objectRoutes) {
      for (const body of ['false', '-1', '"x"', 'null', '[1]']) {
        const res = await post(path, body);
        expect({ path, body, status: res.status, type: res.body.type }).toEqual({ path, body, status: 400, type: expect.not.stringMatching(/malformed-json$/) });
        expect(res.body.errors, `${path} ${body}`).toEqual([{ path: '(body)', message: expect.stringMatching(/^must be a(n| JSON) object/) }]);
      }
    }
  });
});

/** Sends a request as raw bytes, so it can have no Content-Length at all (curl -X POST without -d), and reads the answer. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(server().url);
  const head = [`${method} /api/v1${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(`${head.join('\r\n')}\r\n\r\n${body}`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [status = '', ...rest] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
      resolve({ status: Number(status.split(' ')[1]), body: JSON.parse(rest.join('\r\n\r\n')) });
    });
  });
}

describe('a request without a body', () => {
  const fill = (r: Route) => `${r.path.replace(/:[A-Za-z]+/g, r.path.includes('custom') ? 'doors' : '1')}${r.path.startsWith('/integrations/') && !r.path.includes('custom') ? '?site=hq' : ''}`;
  const withBody = API_ROUTES.filter((r) => r.body && r.method !== 'ALL');
  const typeOf = (r: Route) => BODY_TYPES[r.body!.format ?? 'json'][0];
  // No Content-Length at all, an explicit 0, and a chunked body of no chunks: each is a request without a body.
  const empties: Array<[string, Record<string, string>, string]> = [
    ['no Content-Length', {}, ''],
    ['Content-Length: 0', { 'Content-Length': '0' }, ''],
    ['chunked, no chunks', { 'Transfer-Encoding': 'chunked' }, '0\r\n\r\n'],
  ];

  it('is refused naming (body) on every route that needs one, when its content type is right', async () => {
    for (const r of withBody.filter((r) => r.body!.media === 'required')) {
      for (const [how, headers, body] of empties) {
        const res = await rawRequest(r.method, fill(r), { ...adminHeaders(server().apiKey), 'Content-Type': typeOf(r), ...headers }, body);
        const route = `${r.method} ${r.path} (${how})`;
        expect({ route, status: res.status, errors: res.body.errors }).toEqual({ route, status: 400, errors: [{ path: '(body)', message: expect.stringMatching(/^is empty: send .+ as /) }] });
        expect(res.body.detail).toBe(`(body) ${res.body.errors[0].message}`);
      }
    }
  });

  it('says what the route takes', async () => {
    const events = await rawRequest('POST', '/events', { ...adminHeaders(server().apiKey), 'Content-Type': 'application/json' });
    expect(events.body).toMatchObject({ status: 400, type: 'https://ringside.dev/problems/invalid-body', errors: [{ path: '(body)', message: 'is empty: send an event object or {"events": [...]} as application/json' }] });
    const keys = await rawRequest('POST', '/keys', { ...adminHeaders(server().apiKey), 'Content-Type': 'application/json' });
    expect(keys.body).toMatchObject({ status: 400, type: 'https://ringside.dev/problems/invalid-key-request', errors: [{ path: '(body)', message: 'is empty: send the key request as application/json' }] });
  });

  it('reads as {} where a body is optional', async () => {
    for (const r of withBody.filter((r) => r.body!.media === 'when-present')) {
      for (const [how, headers, body] of empties) {
        const res = await rawRequest(r.method, fill(r), { ...adminHeaders(server().apiKey), 'Content-Type': typeOf(r), ...headers }, body);
        expect({ route: `${r.method} ${r.path} (${how})`, status: res.status }).not.toMatchObject({ status: 415 });
        expect(res.body.errors ?? []).not.toContainEqual(expect.objectContaining({ path: '(body)' }));
      }
    }
  });
});

describe('every 415', () => {
  it('names Content-Type in errors, saying what it must be and what it was', async () => {
    for (const r of API_ROUTES.filter((r) => r.body && r.method !== 'ALL')) {
      const types = BODY_TYPES[r.body!.format ?? 'json'];
      const other = types[0] === 'text/plain' ? 'application/json' : 'text/plain';
      for (const [headers, got] of [[{ 'Content-Type': other, 'Content-Length': '1' }, other], ...(r.body!.media === 'required' ? [[{}, 'none']] : [])] as Array<[Record<string, string>, string]>) {
        const res = await rawRequest(r.method, r.path.replace(/:[A-Za-z]+/g, '1') + (r.path.startsWith('/integrations/') && !r.path.includes('custom') ? '?site=hq' : ''), { ...adminHeaders(server().apiKey), ...headers }, headers['Content-Length'] ? 'x' : '');
        const route = `${r.method} ${r.path} (${got})`;
        expect({ route, status: res.status, errors: res.body.errors }).toEqual({ route, status: 415, errors: [{ path: 'Content-Type', message: `must be ${types.join(' or ')} (got ${got})` }] });
      }
    }
  });
});
