// Text must be well-formed Unicode without NUL (docs/server.md, "Text fields"): for every text field of every write
// path, an arbitrary string — lone surrogates, NUL, U+FFFD, emoji, line breaks, CSV specials — is either refused
// with a 400 naming the field, or stored and read back exactly as sent (after trimming; site ids in NFC); either way the
// hash chain still verifies, and so do the exports of everything written. A body that is not UTF-8 is refused,
// unstored.
import { isUtf8 } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { calls, MINUTE, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { adminHeaders, call, isoAgo, useTestServer, visit } from '../support/testServer';
import { runNode } from '../support/cli';
import { wholeStandard } from '../support/standards';

const server = useTestServer();
let reader: ReturnType<typeof openDatabase>; // better-sqlite3 lives in server/node_modules
const OCCURRED = isoAgo(60);
let unique = 0;
const nextId = (prefix: string) => `${prefix}-${++unique}`;

beforeAll(async () => {
  reader = openDatabase(server().dataDir); // a second connection, as an auditor would open the file
});
afterAll(async () => {
  reader?.close();
});

// ---- arbitrary text ----

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom('\u0000', '\uFFFD', '😀', '👩‍👩‍👧', '\n', '\r', '\r\n', ',', '"', "'", '=', '-', '@', '\t', ' ', '\u2028', '\uFEFF', 'é', 'e\u0301', '\\', '\u00A0');
const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
/** Any JavaScript string: well-formed or not, short ones rich in the characters that break things. */
const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.oneof({ weight: 4, arbitrary: codePoint }, { weight: 1, arbitrary: loneSurrogate }, { weight: 2, arbitrary: special }), maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 240 }) },
  { weight: 1, arbitrary: fc.constantFrom('lobby\udfff', '\ud800', 'a\ud83d', '\udc00b', 'nul\u0000in the middle', '\u0000', '\uFFFD', '😀 desk', ' padded\u0000 ') },
);

/** Index of the first UTF-16 code unit that is not half of a surrogate pair; -1 for well-formed text. */
function firstLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** The message the text rule refuses a value with (its first offence: a NUL or a lone surrogate), null when it keeps it. */
function textRuleProblem(s: string): string | null {
  const lone = firstLoneSurrogate(s);
  const nul = s.indexOf('\u0000');
  if (nul >= 0 && (lone < 0 || nul < lone)) return `must not contain the NUL character (U+0000, at position ${nul})`;
  return lone >= 0 ? `must be well-formed Unicode text (found an unpaired surrogate at position ${lone})` : null;
}

// ---- the property, for one field of one write path ----

interface Answer {
  status: number;
  body: any;
}

interface TextField {
  /** The field as the problem names it. */
  path: string;
  /** Longest accepted value (UTF-16 code units, after trimming). */
  max: number;
  /** Other rules of a well-formed, trimmed, non-empty value of acceptable length (e.g. an identifier's characters). */
  valid?: (trimmed: string) => boolean;
  send(value: string): Promise<Answer>;
  /** The value as stored now, read from the SQLite file (or the API when the file has no plain column). */
  stored(answer: Answer, trimmed: string): string | Promise<string>;
  /** A 409 is a right answer for a well-formed value when the name is taken already (ids). */
  taken?: (trimmed: string) => boolean | Promise<boolean>;
  /** The status a well-formed, valid value gets (default: any 2xx). */
  okStatus?: number;
  /** The form a valid value is stored in (default: as sent, trimmed): site ids are NFC (docs/api.md, "Site ids"). */
  form?: (trimmed: string) => string;
}

async function request(method: string, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${server().url}${path}`, { method, headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function expectChainIntact(): Promise<void> {
  const verify = await server().getJson('/api/v1/audit/verify');
  expect(verify.body, verify.body.message).toMatchObject({ intact: true });
}

async function checkField(field: TextField, value: string): Promise<void> {
  const answer = await field.send(value);
  const refusal = textRuleProblem(value);
  const trimmed = value.trim();
  const context = `${field.path} = ${JSON.stringify(value)}: ${answer.status} ${JSON.stringify(answer.body)}`;
  if (refusal) {
    expect(answer.status, context).toBe(400);
    expect(answer.body.errors, context).toContainEqual({ path: field.path, message: refusal });
  } else if (trimmed === '' || trimmed.length > field.max || (field.valid && !field.valid(trimmed))) {
    expect(answer.status, context).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path), context).toContain(field.path);
  } else if (answer.status === 409 && field.taken) {
    expect(await field.taken(storedForm(field, trimmed)), context).toBe(true);
  } else {
    if (field.okStatus) expect(answer.status, context).toBe(field.okStatus);
    else expect(answer.status, context).toBeGreaterThanOrEqual(200);
    expect(answer.status, context).toBeLessThan(300);
    expect(await field.stored(answer, storedForm(field, trimmed)), context).toBe(storedForm(field, trimmed));
  }
  await expectChainIntact();
}

const storedForm = (field: TextField, trimmed: string) => (field.form ? field.form(trimmed) : trimmed);

const checkEvery = (field: TextField, numRuns: number) => fc.assert(fc.asyncProperty(anyText, (value) => checkField(field, value)), { numRuns });

const column = (sql: string, ...params: unknown[]) => (reader.prepare(sql).pluck().get(...params) as string | undefined) ?? '(no row)';
const eventText = (name: 'id' | 'site' | 'queue' | 'agent') => (answer: Answer) => column(`SELECT ${name} FROM events WHERE seq = ?`, answer.body.results[0].seq);
const IDENT = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** A site id holds no comma (lists of sites are written with commas). */
const SITE_ID = (t: string) => !t.includes(',');
/** A site id is stored in NFC. */
const NFC = (t: string) => t.normalize('NFC');

describe('text fields of every write path', () => {
  it('events: id, site, queue and agent', async () => {
    const post = (event: Record<string, unknown>) => request('POST', '/api/v1/events', event);
    const fields: TextField[] = [
      // Same content for the same id: a repeated id is an idempotent retry (200), not a conflict.
      { path: 'id', max: 200, send: (v) => post(call({ id: v, occurredAt: OCCURRED })), stored: eventText('id') },
      { path: 'site', max: 200, valid: SITE_ID, form: NFC, send: (v) => post(call({ id: nextId('site'), site: v })), stored: eventText('site') },
      { path: 'queue', max: 200, send: (v) => post(call({ id: nextId('queue'), queue: v })), stored: eventText('queue') },
      { path: 'agent', max: 200, send: (v) => post(call({ id: nextId('agent'), agent: v })), stored: eventText('agent') },
      { path: 'agent', max: 200, send: (v) => post(visit({ id: nextId('vagent'), agent: v })), stored: eventText('agent') },
      { path: 'site', max: 200, valid: SITE_ID, form: NFC, send: (v) => post(visit({ id: nextId('vsite'), site: v })), stored: eventText('site') },
    ];
    for (const field of fields) await checkEvery(field, 60);
  }, 120_000);

  it('the reported case: a lone surrogate in site is refused, naming the field and the position', async () => {
    const refused = await request('POST', '/api/v1/events', { type: 'visit', site: 'lobby\udfff', occurredAt: isoAgo(1), outcome: 'greeted', greetSeconds: 3 });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/invalid-event$/), errors: [{ path: 'site', message: 'must be well-formed Unicode text (found an unpaired surrogate at position 5)' }] });
    await expectChainIntact();
  });

  it('standards: id, name and the scope lists', async () => {
    const definition = (fields: Record<string, unknown>) => ({ id: nextId('std'), name: 'Answered fast', eventType: 'visit', measure: 'greetSeconds', threshold: 30, target: 0.8, ...fields });
    const post = (fields: Record<string, unknown>) => request('POST', '/api/v1/standards', definition(fields));
    const current = async (id: string) => (await server().getJson(`/api/v1/standards/${encodeURIComponent(id)}`)).body;
    const fields: TextField[] = [
      { path: 'id', max: 100, valid: (t) => IDENT.test(t), send: (v) => post({ id: v }), stored: (a) => column('SELECT id FROM standards WHERE id = ?', a.body.id), taken: async (t) => (await current(t)).id === t },
      { path: 'name', max: 200, okStatus: 201, send: (v) => post({ name: v }), stored: async (a) => (await current(a.body.id)).name },
      { path: 'scope.sites.0', max: 200, okStatus: 201, form: NFC, send: (v) => post({ scope: { sites: [v] } }), stored: async (a) => (await current(a.body.id)).scope.sites[0] },
      { path: 'scope.queues.0', max: 200, okStatus: 201, send: (v) => post({ scope: { queues: [v] } }), stored: async (a) => (await current(a.body.id)).scope.queues[0] },
    ];
    for (const field of fields) await checkEvery(field, 40);
    // PUT and PATCH name the same fields.
    const id = nextId('std');
    expect((await post({ id })).status).toBe(201);
    for (const [method, body] of [['PUT', wholeStandard(definition({ id }))], ['PATCH', {}]] as const) {
      const rename = (v: string) => request(method, `/api/v1/standards/${id}`, { ...body, name: v });
      await checkField({ path: 'name', max: 200, okStatus: 200, send: rename, stored: async () => (await current(id)).name }, 'renamed \ud800 here');
      await checkField({ path: 'name', max: 200, okStatus: 200, send: rename, stored: async () => (await current(id)).name }, 'renamed \u0001 😀 here');
    }
  }, 120_000);

  it('sites: id and name (POST, PUT and PATCH)', async () => {
    const listed = async (id: string) => ((await server().getJson('/api/v1/sites')).body.sites as Array<{ id: string; name: string }>).find((s) => s.id === id);
    const fields: TextField[] = [
      { path: 'id', max: 200, valid: SITE_ID, form: NFC, send: (v) => request('POST', '/api/v1/sites', { id: v, timeZone: 'Europe/Berlin' }), stored: (_a, t) => column('SELECT name FROM sites WHERE name = ?', t), taken: async (t) => (await listed(t)) !== undefined },
      { path: 'name', max: 200, okStatus: 201, send: (v) => request('POST', '/api/v1/sites', { id: nextId('site'), name: v }), stored: async (a) => (await listed(a.body.id))!.name },
      { path: 'name', max: 200, okStatus: 200, send: (v) => request('PUT', '/api/v1/sites/renamed', { name: v, timeZone: 'UTC', ringCycleSeconds: 6, hours: null, holidays: [] }), stored: async () => (await listed('renamed'))!.name },
      { path: 'name', max: 200, okStatus: 200, send: (v) => request('PATCH', '/api/v1/sites/renamed', { name: v }), stored: async () => (await listed('renamed'))!.name },
    ];
    expect((await request('POST', '/api/v1/sites', { id: 'renamed' })).status).toBe(201);
    for (const field of fields) await checkEvery(field, 40);
  }, 120_000);

  it('corrections: the reason of a void and of an amend', async () => {
    const newEvent = async () => {
      const id = nextId('corr');
      expect((await server().postEvents(call({ id }))).status).toBe(201);
      return id;
    };
    const reason = (a: Answer) => column('SELECT reason FROM audit_corrections WHERE seq = ?', a.body.seq);
    // Each amendment on an event of its own, from the posted call's 1 ring to 2: an amendment that changes nothing is
    // not recorded (200), and on one event a refused value's turn could leave the next amendment changing nothing.
    const fields: TextField[] = [
      { path: 'reason', max: 2000, okStatus: 201, send: async (v) => request('POST', `/api/v1/events/${await newEvent()}/void`, { reason: v }), stored: reason },
      { path: 'reason', max: 2000, okStatus: 201, send: async (v) => request('POST', `/api/v1/events/${await newEvent()}/amend`, { reason: v, changes: { rings: 2 } }), stored: reason },
    ];
    for (const field of fields) await checkEvery(field, 40);
  }, 120_000);

  it('API keys: the name', async () => {
    await checkEvery(
      { path: 'name', max: 100, okStatus: 201, send: (v) => request('POST', '/api/v1/keys', { name: v, scopes: ['ingest'] }), stored: (a) => column('SELECT name FROM api_keys WHERE id = ?', a.body.id) },
      60,
    );
  }, 120_000);

  it('events, site names, corrections and the audit log written above all export and verify offline', async () => {
    const script = join(process.cwd(), 'scripts', 'verify-export.mjs');
    // With the key: without it every check passes, but where an events export starts is not proven (NOT PROVEN).
    const key = join(server().dataDir, 'public-key.json');
    writeFileSync(key, await (await fetch(`${server().url}/api/v1/audit/public-key`)).text());
    for (const [kind, format] of [['events', 'csv'], ['events', 'ndjson'], ['events', 'json'], ['audit-log', 'csv'], ['audit-log', 'ndjson']] as const) {
      const res = await fetch(`${server().url}/api/v1/export/${kind}?from=2000-01-01T00:00:00Z&format=${format}`, { headers: adminHeaders(server().apiKey) });
      expect(res.status).toBe(200);
      const file = join(server().dataDir, `export-${kind}.${format}`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const run = await runNode([script, file, '--public-key', key]);
      expect(run.stdout, `${kind} ${format}`).toMatch(/^VERIFIED/);
    }
  });
});

describe('bodies that are not UTF-8', () => {
  const ROUTES: Array<{ method: string; path: string; before: string; after: string }> = [
    { method: 'POST', path: '/api/v1/events', before: '{"type":"visit","site":"lobby', after: `","occurredAt":"${OCCURRED}","outcome":"greeted","greetSeconds":3}` },
    { method: 'POST', path: '/api/v1/standards', before: '{"id":"bytes","name":"', after: '","eventType":"visit","measure":"greetSeconds","threshold":30,"target":0.8}' },
    {
      method: 'PUT',
      path: '/api/v1/standards/call-answer-2-rings',
      before: '{"name":"',
      after: `",${JSON.stringify(wholeStandard({ eventType: 'call', measure: 'rings', threshold: 2, target: 0.9 })).slice(1)}`,
    },
    { method: 'PATCH', path: '/api/v1/standards/call-answer-2-rings', before: '{"name":"', after: '"}' },
    { method: 'POST', path: '/api/v1/sites', before: '{"id":"bytes-', after: '"}' },
    { method: 'PUT', path: '/api/v1/sites/renamed', before: '{"name":"', after: '","timeZone":"UTC","ringCycleSeconds":6,"hours":null,"holidays":[]}' },
    { method: 'PATCH', path: '/api/v1/sites/renamed', before: '{"name":"', after: '"}' },
    { method: 'POST', path: '/api/v1/keys', before: '{"name":"', after: '","scopes":["ingest"]}' },
    { method: 'POST', path: '/api/v1/incidents/1/ack', before: '{"by":"', after: '"}' },
    { method: 'POST', path: '/api/v1/incidents/ack', before: '{"ids":[1],"by":"', after: '"}' },
    { method: 'POST', path: '/api/v1/events/corr-1/void', before: '{"reason":"', after: '"}' },
    { method: 'POST', path: '/api/v1/events/corr-1/amend', before: '{"reason":"', after: '","changes":{"rings":3}}' },
  ];
  const notUtf8 = fc.uint8Array({ minLength: 1, maxLength: 12 }).filter((bytes) => !isUtf8(bytes));

  it('are refused with 400 invalid-utf8 on every JSON route, and nothing is stored', async () => {
    const counts = () => reader.prepare("SELECT (SELECT COUNT(*) FROM events) || '/' || (SELECT COUNT(*) FROM audit_chain) || '/' || (SELECT COUNT(*) FROM api_keys) || '/' || (SELECT COUNT(*) FROM site_history)").pluck().get();
    const before = counts();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), notUtf8, async (route, bytes) => {
        const body = Buffer.concat([Buffer.from(route.before), bytes, Buffer.from(route.after)]);
        const res = await fetch(`${server().url}${route.path}`, { method: route.method, headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body });
        const answer = await res.json();
        expect(res.status, `${route.method} ${route.path}`).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(answer).toMatchObject({ type: expect.stringMatching(/\/invalid-utf8$/), detail: expect.stringMatching(/^the request body is not valid UTF-8: the first bad byte is 0x[0-9A-F]{2}, at line \d+, column \d+ \(byte \d+\)$/) });
      }),
      { numRuns: 60 },
    );
    expect(counts()).toBe(before);
    await expectChainIntact();
  });

  it('other charsets are refused with 415, well-formed or not: JSON bodies are UTF-8', async () => {
    const send = (text: string, charset: string) =>
      fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': `application/json; charset=${charset}` }, body: Buffer.from(text, 'utf16le') });
    const head = (await server().getJson('/api/v1/audit/head')).body;
    // Buffer's utf16le encoder writes a lone surrogate as its two bytes: UTF-16 that is not well-formed.
    for (const site of ['x\udfff', 'café 😀']) {
      for (const charset of ['utf-16le', 'utf-16', 'UTF-16BE']) {
        const res = await send(JSON.stringify(visit({ id: nextId('u16'), site })), charset);
        expect(res.status).toBe(415);
        expect(await res.json()).toMatchObject({ type: expect.stringMatching(/\/unsupported-charset$/), detail: 'send the body as UTF-8' });
      }
    }
    expect((await server().getJson('/api/v1/audit/head')).body).toEqual(head);
    const utf8 = await fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json; charset=UTF-8' }, body: JSON.stringify(visit({ id: nextId('u8'), site: 'café 😀' })) });
    expect(utf8.status).toBe(201);
  });
});

describe('incident acknowledgements', () => {
  const alertServer = useTestServer({ clock: testClock(T0), alerts: { intervalMs: 0, throttleMs: 0, policy: { openAfterMs: 0 } } });
  const ack = async (id: number, by: string): Promise<Answer> => {
    const res = await fetch(`${alertServer().url}/api/v1/incidents/${id}/ack`, { method: 'POST', headers: { ...adminHeaders(alertServer().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ by }) });
    return { status: res.status, body: await res.json() };
  };

  it('"by" is refused unless well-formed, and stored exactly as sent', async () => {
    expect((await alertServer().postEvents({ events: calls(0, 25, T0 - MINUTE) })).status).toBe(201);
    const [alert] = (await alertServer().getJson('/api/v1/incidents?state=open')).body.incidents as Array<{ id: number }>;
    expect(alert).toBeDefined();
    // No such incident: a well-formed "by" gets 404, a malformed one 400 naming it (the body is checked first).
    await fc.assert(
      fc.asyncProperty(anyText, async (by) => {
        const answer = await ack(999_999, by);
        const refusal = textRuleProblem(by);
        if (refusal) expect(answer.body.errors).toContainEqual({ path: 'by', message: refusal });
        else if (by.trim() === '' || by.trim().length > 200) expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain('by');
        else expect(answer.status).toBe(404);
      }),
      { numRuns: 60 },
    );
    expect((await ack(alert!.id, 'ana \ud800')).status).toBe(400);
    expect((await ack(alert!.id, 'ana\u0000')).body.errors).toEqual([{ path: 'by', message: 'must not contain the NUL character (U+0000, at position 3)' }]);
    const acked = await ack(alert!.id, ' ana\u0001 😀 \uFFFD é ');
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('ana\u0001 😀 \uFFFD é');
    expect((await alertServer().getJson(`/api/v1/incidents/${alert!.id}`)).body.acknowledgedBy).toBe('ana\u0001 😀 \uFFFD é');
  });
});
