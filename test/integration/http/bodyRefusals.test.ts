// A body the parser cannot take is refused like any bad field: problem details with `errors` naming the part at
// fault ((body), or the header that announced it), and a body over its route's limit is told that limit, not
// another route's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey), ...headers }, body });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** A JSON object of about `bytes` bytes. */
const sized = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes) });

describe('bodies the parser refuses', () => {
  it('says the limit of the route a body is over', async () => {
    for (const [path, limit, bytes] of [
      ['/keys', '16 KB', 20_000],
      ['/events/e1/void', '64 KB', 70_000],
      ['/standards', '256 KB', 300_000],
      ['/events', '1 MB', 1_100_000],
    ] as const) {
      const res = await post(path, sized(bytes));
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 413, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(res.body).toMatchObject({ type: expect.stringMatching(/\/body-too-large$/), detail: `the request body exceeds ${limit}, the most this endpoint takes; send less per request` });
      expect(res.body.errors, path).toEqual([{ path: '(body)', message: `must be at most ${limit}` }]);
    }
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
    const res = await fetch(`${server.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: bytes });
    expect(await res.json()).toMatchObject({ status: 400, type: expect.stringMatching(/\/invalid-utf8$/), errors: [{ path: '(body)', message: 'is not valid UTF-8' }] });
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
