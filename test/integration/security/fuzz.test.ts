// Fuzzing the HTTP API with fast-check: hostile payloads never get a 5xx, and never a partial write —
// the rows in the SQLite file are exactly the events the server acknowledged as new.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows } from '../support/database';
import { adminHeaders, isoAgo, startTestServer, removeDir, type TestServer } from '../support/testServer';

let server: TestServer;
const newSeqs = new Set<number>();
beforeAll(async () => {
  server = await startTestServer({ rateLimit: false });
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

async function send(method: string, path: string, body: string | undefined, contentType = 'application/json') {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': contentType, ...adminHeaders() }, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') ?? '' };
}

function checkAnswer(r: { status: number; text: string; type: string }): void {
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  if (r.status >= 400) {
    expect(r.type).toMatch(/application\/problem\+json/);
    expect(r.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  }
}

function record(r: { status: number; text: string }): void {
  if (r.status !== 200 && r.status !== 201) return;
  for (const result of JSON.parse(r.text).results as Array<{ seq: number; duplicate: boolean }>) if (!result.duplicate) newSeqs.add(result.seq);
}

/** Any value as query text: String() throws on an object whose toString or valueOf is not a function ({"toString": 0}). */
function asText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return JSON.stringify(value) ?? 'undefined';
  }
}

// Plausible events, then the same with one field replaced by anything at all.
const hostileValue = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(NaN, Infinity, -1, 1e308, -0, 2 ** 53, 101, 86_401, '', ' ', '\u0000', '__proto__', 'constructor', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '2026-11-23T25:00:00Z'),
);
const validEvent = fc.oneof(
  fc.record({
    type: fc.constant('call'),
    site: fc.constantFrom('downtown', 'airport', 'ünïcödé', 'x'.repeat(200)),
    occurredAt: fc.integer({ min: 1, max: 86_000 }).map((s) => isoAgo(s)),
    outcome: fc.constantFrom('answered', 'abandoned'),
    rings: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({
    type: fc.constant('visit'),
    site: fc.constantFrom('downtown', 'harbour'),
    occurredAt: fc.integer({ min: 1, max: 86_000 }).map((s) => isoAgo(s)),
    outcome: fc.constantFrom('greeted', 'left'),
    greetSeconds: fc.double({ min: 0, max: 86_400, noNaN: true }),
  }),
);
const fields = ['id', 'type', 'site', 'occurredAt', 'outcome', 'rings', 'answerSeconds', 'greetSeconds', 'queue', 'agent', '__proto__', 'constructor', 'extra'];
const mutatedEvent = fc.tuple(validEvent, fc.constantFrom(...fields), hostileValue, fc.boolean()).map(([e, field, value, remove]) => {
  const copy: Record<string, unknown> = { ...e, id: `fz-${Math.random().toString(36).slice(2)}` };
  if (remove) delete copy[field];
  else Object.defineProperty(copy, field, { value, enumerable: true, writable: true, configurable: true });
  return copy;
});
const body = fc.oneof(
  mutatedEvent.map((e) => JSON.stringify(e)),
  fc.array(fc.oneof(mutatedEvent, validEvent.map((e) => ({ ...e, id: `ok-${Math.random().toString(36).slice(2)}` }))), { minLength: 1, maxLength: 20 }).map((events) => JSON.stringify({ events })),
  fc.anything({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.string({ maxLength: 200 }).map((s) => `{"events": [${s}`),
  fc.integer({ min: 20, max: 5000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

describe('fuzzing', () => {
  it('POST /api/v1/events: never a 5xx, problem bodies for every refusal', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/vnd.x+json', 'text/plain', 'application/json; charset=latin1'), async (b, type) => {
        const r = await send('POST', '/api/v1/events', b, type);
        checkAnswer(r);
        record(r);
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  it('GET /api/v1/compliance and POST /api/v1/keys with hostile input: never a 5xx', async () => {
    const query = fc.dictionary(fc.constantFrom('from', 'to', 'standard', 'site', 'bucket', 'window', 'groupBy', 'x', '__proto__'), fc.oneof(fc.string({ maxLength: 40 }), hostileValue.map(asText)), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const r = await send('GET', `/api/v1/compliance?${new URLSearchParams(q).toString()}`, undefined);
        checkAnswer(r);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything({ maxDepth: 3 }), fc.record({ name: hostileValue, scopes: hostileValue, expiresAt: hostileValue }, { requiredKeys: [] })), async (b) => {
        const r = await send('POST', '/api/v1/keys', JSON.stringify(b) ?? 'null');
        checkAnswer(r);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('random methods and paths: never a 5xx', async () => {
    const segment = fc.oneof(fc.constantFrom('api', 'v1', 'events', 'compliance', 'standards', 'sites', 'alerts', 'incidents', 'ack', 'keys', 'stats', '..', '%2e%2e', '%00', 'x'), fc.webSegment());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'), fc.array(segment, { maxLength: 5 }), fc.string({ maxLength: 100 }), async (method, parts, b) => {
        const r = await send(method, '/' + parts.join('/'), method === 'GET' || method === 'HEAD' ? undefined : b);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('stored exactly the acknowledged new events: no partial write from any refused request', async () => {
    expect(newSeqs.size).toBeGreaterThan(0);
    const dataDir = server.dataDir;
    await server.close();
    expect(countRows(dataDir).events).toBe(newSeqs.size);
    server = await startTestServer({ dataDir, rateLimit: false });
  });
});
