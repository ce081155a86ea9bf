// Every route of the table, fed hostile path parameters, query parameters and bodies through a real server: never a
// 5xx, every refusal problem details, and every 400 names what is wrong in `errors`. The names every JavaScript object
// already has and text that is not percent-encoded UTF-8 are in the mix, as the classes of bad input found before.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../../server/src/http/routes';
import { adminHeaders, useTestServer } from '../support/testServer';

const server = useTestServer({ twilioAuthToken: 'routes-fuzz-token' });

const routes = API_ROUTES.filter((r) => r.method !== 'ALL');
const BUILT_IN = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];
const segment = fc.oneof(fc.constantFrom(...BUILT_IN, '%ff', '%', '%00', '..', '%2e%2e', '1', '0', '-1', '99999999999999999999', 'x'.repeat(300), 'caf%C3%A9'), fc.webSegment());
const paramName = fc.constantFrom(...BUILT_IN, 'from', 'to', 'site', 'standard', 'window', 'tz', 'bucket', 'groupBy', 'type', 'state', 'limit', 'format', 'period', 'validFrom', 'date', 'x', '%ff', 'a[b]');
const paramValue = fc.oneof(fc.constantFrom(...BUILT_IN, '', '%ff', '%', 'NaN', '1e999', '-1', 'today', '1969-12-31T23:59:59Z', '9999-12-31T23:59:59Z'), fc.string({ maxLength: 20 }).map(encodeURIComponent));
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom(...BUILT_IN, 'id', 'name', 'type', 'site', 'reason', 'ids', 'scopes', 'milestones', 'hours'), fc.jsonValue({ maxDepth: 2 })).map((v) => JSON.stringify(v)),
  fc.constantFrom('', '{', '{"__proto__": {"id": 1}}', '{"hours": {"__proto__": []}}', 'null', '[]'),
);

describe('every route with hostile input', () => {
  it('answers without a 5xx, in problem details, every 400 naming what is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(segment, { minLength: 1, maxLength: 2 }), fc.array(fc.tuple(paramName, paramValue), { maxLength: 3 }), body, async (route, segments, query, payload) => {
        let n = 0;
        const path = route.path.replace(/:[A-Za-z]+/g, () => segments[n++ % segments.length]!);
        const search = query.map(([k, v]) => `${k}=${v}`).join('&');
        const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
        const res = await fetch(`${server().url}/api/v1${path}${search ? `?${search}` : ''}`, {
          method: route.method,
          headers: { ...adminHeaders(server().apiKey), ...(hasBody ? { 'content-type': route.body?.format === 'text' ? 'text/plain' : route.body?.format === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' } : {}) },
          ...(hasBody ? { body: payload } : {}),
        });
        const text = await res.text();
        const what = `${route.method} ${path}?${search} ${payload.slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status < 400) return;
        expect(text, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
        // The Firehose endpoint's own refusals are in Firehose's format (docs/api.md), which says why in errorMessage.
        if (route.path === '/integrations/amazon-connect/firehose' && /^application\/json/.test(res.headers.get('content-type') ?? '')) {
          expect(JSON.parse(text).errorMessage, what).toEqual(expect.any(String));
          return;
        }
        expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
        if (res.status === 400) expect(JSON.parse(text).errors?.length, what).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    expect((await fetch(`${server().url}/api/v1/health`)).status).toBe(200);
  }, 120_000);
});
