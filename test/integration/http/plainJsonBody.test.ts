// A JSON body in its plain form (application/json, a Content-Length, not compressed) is read without body-parser
// (http/jsonBody.ts). Each case is sent twice to a real server: plain, and chunked (no Content-Length, so
// body-parser reads it). Both must get the same answer; and a body cut off mid-way is refused, not half-read.
import { createServer, request as httpRequest, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bodyParser } from '../../../server/src/http/jsonBody';
import { adminHeaders, call, comparableAnswer, useTestServer } from '../support/testServer';

const server = useTestServer();

interface Answer {
  status: number;
  body: string;
}

/** POSTs `body` as one plain request, or chunked in two writes (body-parser's), with the given content type. */
function send(path: string, body: Buffer | string, form: 'plain' | 'chunked', type = 'application/json'): Promise<Answer> {
  const bytes = Buffer.from(body);
  const length: Record<string, string> = form === 'plain' ? { 'content-length': String(bytes.length) } : {};
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server().url}${path}`, { method: 'POST', headers: { 'content-type': type, ...adminHeaders(server().apiKey), ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    const half = Math.floor(bytes.length / 2);
    req.write(bytes.subarray(0, half));
    req.end(bytes.subarray(half));
  });
}


const event = (tag: string, fields: Record<string, unknown> = {}) => JSON.stringify(call({ id: `plain-${tag}`, occurredAt: '2026-01-05T10:00:00.000Z', ...fields }));


describe('a plain JSON body is read as body-parser reads it', () => {
  it.each([
    ['an event', 201, (tag: string) => event(tag)],
    ['an event with a byte order mark', 201, (tag: string) => `\uFEFF${event(tag)}`],
    ['an event with text beyond ASCII', 201, (tag: string) => event(tag, { agent: 'Zoë 日本 🎧' })],
    ['a batch', 201, (tag: string) => JSON.stringify({ events: [JSON.parse(event(`${tag}-1`)), JSON.parse(event(`${tag}-2`))] })],
    ['an invalid field', 400, (tag: string) => event(tag, { rings: -1 })],
    ['malformed JSON', 400, () => '{"type": "call",'],
    ['a JSON scalar', 400, () => '42'],
    ['null', 400, () => 'null'],
    ['JSON nested too deep', 400, () => `${'['.repeat(30)}${']'.repeat(30)}`],
    ['bytes that are not UTF-8', 400, () => Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
  ])('%s (%i)', async (what, status, make) => {
    const tag = what.replaceAll(' ', '-');
    const plain = await send('/api/v1/events', make(`${tag}-plain`), 'plain');
    const chunked = await send('/api/v1/events', make(`${tag}-chunked`), 'chunked');
    expect(plain.status).toBe(status);
    expect(chunked.status).toBe(status);
    expect(comparableAnswer(plain.body, `${tag}-plain`)).toBe(comparableAnswer(chunked.body, `${tag}-chunked`));
  });

  it('with a charset of utf-8 in any case, and refuses another charset alike', async () => {
    for (const [type, status] of [['application/json; charset=UTF-8', 201], ['application/json;charset=utf-8', 201], ['application/json; charset=latin1', 415]] as const) {
      const plain = await send('/api/v1/events', event(`p-${type}`), 'plain', type);
      const chunked = await send('/api/v1/events', event(`c-${type}`), 'chunked', type);
      expect([type, plain.status]).toEqual([type, status]);
      expect(comparableAnswer(plain.body, `p-${type}`)).toBe(comparableAnswer(chunked.body, `c-${type}`));
    }
  });
});

describe('a plain JSON body cut off', () => {
  it('is refused as an aborted request, once, and nothing is parsed', async () => {
    const outcomes: unknown[] = [];
    const parse = bodyParser({ limit: '1mb', media: 'required', what: 'an event', schema: undefined as never }) as unknown as (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    const listener: RequestListener = (req, res) =>
      parse(req, res, (err?: unknown) => {
        outcomes.push({ type: (err as { type?: string } | undefined)?.type, body: (req as { body?: unknown }).body });
        settled();
      });
    const http = createServer(listener);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const req = httpRequest({ host: '127.0.0.1', port: (http.address() as AddressInfo).port, path: '/', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      req.on('error', () => undefined);
      req.write('{"type": "call", ', () => req.destroy());
      await done;
      expect(outcomes).toEqual([{ type: 'request.aborted', body: undefined }]);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
