// Which format an export answers in without ?format=: the one Accept prefers among the export's (q values honoured),
// the default for no Accept, */* or a browser's list, and 406 naming Accept when it takes none of them or is no valid
// Accept header (rather than the default, as if it were absent); every answer of
// an export says it varies on Accept. A real server on 127.0.0.1:0 with its own SQLite store.
import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'error' });
const get = (path: string, accept: string, method = 'GET') => fetch(`${server().url}/api/v1${path}`, { method, headers: { ...adminHeaders(server().apiKey), accept } });
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const STREAMED_TYPES = 'text/csv, application/x-ndjson, application/ndjson, application/json';

beforeAll(async () => {
  expect((await server().postEvents({ events: [call({ id: 'a' })] })).status).toBe(201);
});

describe('an export without ?format=', () => {
  it.each([
    ['*/*', 'text/csv'],
    [BROWSER, 'text/csv'],
    ['text/*', 'text/csv'],
    ['application/x-ndjson', 'application/x-ndjson'],
    ['application/ndjson', 'application/x-ndjson'],
    ['application/json, text/csv', 'application/json'],
    ['application/json;q=0.5, text/csv;q=0.9', 'text/csv'],
    ['application/*;q=0.8, application/x-ndjson;q=0', 'application/json'],
    ['text/html, application/json;q=0.1', 'application/json'],
    // Java's HttpURLConnection: a bare * for */*, and q without its 0.
    ['text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2', 'text/csv'],
    ['application/json;q=.5, application/x-ndjson;q=.9', 'application/x-ndjson'],
    // A quoted parameter value may hold the list's and the parameters' separators.
    ['application/json;profile="a,b;c", text/csv;q=0.5', 'application/json'],
  ])('Accept: %s → %s', async (accept, type) => {
    const res = await get('/export/events', accept);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
    await res.arrayBuffer();
  });

  it('no Accept header at all: CSV', async () => {
    const url = new URL(`${server().url}/api/v1/export/events`);
    const res = await new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request(url, { headers: adminHeaders(server().apiKey) }, (r) => (r.resume(), r.on('end', () => resolve({ status: r.statusCode!, type: r.headers['content-type'] }))));
      req.on('error', reject).end();
    });
    expect(res).toEqual({ status: 200, type: 'text/csv; charset=utf-8; header=present' });
  });

  it.each(['text/html', 'application/xml', 'image/*', '*/*;q=0', 'text/csv;q=0, application/*;q=0'])('Accept: %s takes none of the formats: 406 naming Accept', async (accept) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get('/export/events?from=2026-01-01T00:00:00Z', accept, method);
      expect(res.status).toBe(406);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (method === 'HEAD') continue;
      const message = `must accept one of ${STREAMED_TYPES} (got ${accept})`;
      expect(await res.json()).toEqual({
        type: 'https://ringside.dev/problems/not-acceptable',
        title: 'Not acceptable',
        status: 406,
        detail: `Accept ${message}; or name one with the format parameter (format=csv, format=ndjson, format=json)`,
        errors: [{ path: 'Accept', message }],
      });
    }
  });

  it.each(['csv', 'text', 'text/csv/x', 'text/csv;q=2', 'text/csv;q=high', '*/csv', 'text/csv;charset', 'application/json, json'])(
    'Accept: %s is no valid Accept header: 406 naming Accept, not the default format',
    async (accept) => {
      const res = await get('/export/events?from=2026-01-01T00:00:00Z', accept);
      expect(res.status).toBe(406);
      const message = `must be media ranges (type/subtype, each with an optional q from 0 to 1) accepting one of ${STREAMED_TYPES} (got ${accept})`;
      expect(await res.json()).toMatchObject({ type: 'https://ringside.dev/problems/not-acceptable', status: 406, detail: `Accept ${message}; or name one with the format parameter (format=csv, format=ndjson, format=json)`, errors: [{ path: 'Accept', message }] });
    },
  );

  it('empty list elements and parameters are no error (RFC 9110 §5.6.1): the header is read without them', async () => {
    for (const [accept, type] of [
      [', application/json,,', 'application/json'],
      ['text/csv;;charset=utf-8', 'text/csv'],
    ]) {
      const res = await get('/export/events', accept!);
      expect([accept, res.status, res.headers.get('content-type')]).toEqual([accept, 200, expect.stringMatching(new RegExp(`^${type}`))]);
      await res.arrayBuffer();
    }
  });

  it('?format= chooses whatever Accept says, a broken one too', async () => {
    const res = await get('/export/events?format=json', 'text/csv;q=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    await res.arrayBuffer();
  });

  it('?format= chooses whatever Accept says; a bad query is named before Accept is looked at', async () => {
    const res = await get('/export/incidents?format=ndjson', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    await res.arrayBuffer();
    const bad = await get('/export/events?from=soon', 'text/html');
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.map((e: { path: string }) => e.path)).toEqual(['from']);
  });

  it('the report: HTML for a browser and */*, 406 for an Accept without text/html or a wildcard, or a broken one', async () => {
    for (const accept of [BROWSER, '*/*', 'text/html']) {
      const res = await get('/export/report', accept);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      await res.arrayBuffer();
    }
    const res = await get('/export/report', 'application/json');
    expect(res.status).toBe(406);
    expect((await res.json()).errors).toEqual([{ path: 'Accept', message: 'must accept one of text/html (got application/json)' }]);
    const broken = await get('/export/report', 'html');
    expect(broken.status).toBe(406);
    expect((await broken.json()).errors).toEqual([{ path: 'Accept', message: 'must be media ranges (type/subtype, each with an optional q from 0 to 1) accepting one of text/html (got html)' }]);
  });

  it('every answer of an export says Vary: Accept, so a cache keeps one answer per Accept (RFC 9110 §12.5.5)', async () => {
    const varies = (res: Response) => (res.headers.get('vary') ?? '').split(',').map((h) => h.trim().toLowerCase());
    const answers = [
      ['negotiated', await get('/export/events', 'application/json')],
      ['format given', await get('/export/events?format=csv', 'text/html')],
      ['HEAD', await get('/export/events', 'application/x-ndjson', 'HEAD')],
      ['406', await get('/export/compliance', 'text/html')],
      ['400', await get('/export/audit-log?from=soon', 'text/csv')],
      ['report', await get('/export/report', 'text/html')],
      ['report 406', await get('/export/report', 'application/json')],
    ] as const;
    for (const [what, res] of answers) {
      expect([what, res.status < 500, varies(res)]).toEqual([what, true, expect.arrayContaining(['accept'])]);
      await res.arrayBuffer();
    }
    // A route that answers JSON whatever Accept says does not claim to vary on it.
    const standards = await get('/standards', 'text/html');
    expect(varies(standards)).not.toContain('accept');
    await standards.arrayBuffer();
  });
});
