// GET /events/:id: an integration confirms what was stored without an export. The event as stored, with its
// judgements as recorded, in the shape of the live feed's events, and how it stands now after its corrections (void,
// the fields and judgements in force as a correction answers them, how many corrections). Scope read: without a key
// 401, an ingest key (a reception desk's, limited to its site, too) 403 naming the scope; an unknown id 404 naming
// `id`, and once retention has pruned events 410, saying so, as a correction of such an id is answered. Runs on
// SQLite and (integration-postgres) on PostgreSQL.
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { adminHeaders, call, isoAgo, removeDir, startTestServer, tempDataDir, useTestServer, visit, type TestServer } from '../support/testServer';

const server = useTestServer();
const keys: Record<'read' | 'ingest' | 'desk', string> = { read: '', ingest: '', desk: '' };
let posted: { id: string; seq: number; judgements: Array<Record<string, unknown>> };

async function createKey(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function readBack(id: string, key: string | null = keys.read, url = server().url) {
  const res = await fetch(`${url}/api/v1/events/${encodeURIComponent(id)}`, { headers: key === null ? {} : adminHeaders(key) });
  return { status: res.status, type: res.headers.get('content-type'), auth: res.headers.get('www-authenticate'), body: (await res.json()) as Record<string, any> };
}

async function correct(id: string, action: 'void' | 'amend', body: Record<string, unknown> = {}) {
  const res = await fetch(`${server().url}/api/v1/events/${id}/${action}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'checked against the PBX log', ...body }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  keys.read = await createKey({ name: 'integration check', scopes: ['read'] });
  keys.ingest = await createKey({ name: 'pbx', scopes: ['ingest'] });
  keys.desk = await createKey({ name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'] });
  const res = await server().postEvents({ events: [call({ id: 'c1', rings: 3, queue: 'sales', agent: 'ann' }), call({ id: 'c2', rings: 1 }), visit({ id: 'v1', site: 'harbour', greetSeconds: 12 })] });
  expect(res.status).toBe(201);
  posted = res.body.results[0];
});

describe('GET /events/:id', () => {
  it('answers a read key with the event as stored, its judgements as recorded, in the live feed’s shape', async () => {
    const got = await readBack('c1');
    expect(got.status).toBe(200);
    expect(got.body.event).toMatchObject({ id: 'c1', seq: posted.seq, type: 'call', site: 'downtown', outcome: 'answered', rings: 3, answerSeconds: expect.any(Number), queue: 'sales', agent: 'ann', derived: ['answerSeconds'], receivedAt: expect.stringMatching(/Z$/) });
    expect(got.body.judgements).toEqual(posted.judgements);
    expect(got.body.judgements).toContainEqual(expect.objectContaining({ standardId: 'call-answer-2-rings', value: 3, met: false, counted: true }));
    // The live snapshot's `recent` holds the same event, field for field.
    const client = io(server().url, { forceNew: true, reconnection: false, auth: { token: keys.read } });
    try {
      const snapshot = await new Promise<Snapshot>((resolve, reject) => {
        client.once('snapshot', resolve);
        client.once('connect_error', reject);
      });
      const { standing, ...judged } = got.body;
      expect(snapshot.recent.find((r) => r.event.id === 'c1')).toEqual(judged);
      // Never corrected: it stands as recorded.
      const inForce = Object.fromEntries(posted.judgements.map(({ standardId, ...j }) => [standardId, j]));
      expect(standing).toEqual({ void: false, fields: { outcome: 'answered', rings: 3, answerSeconds: got.body.event.answerSeconds, greetSeconds: null, derived: ['answerSeconds'] }, judgements: inForce, corrections: 0 });
    } finally {
      client.disconnect();
    }
  });

  it('gives the standing after an amendment and after a void, the event as stored unchanged', async () => {
    const before = await readBack('c2');
    const amended = await correct('c2', 'amend', { changes: { rings: 4 } });
    expect(amended.status).toBe(201);
    const afterAmend = await readBack('c2');
    expect(afterAmend.status).toBe(200);
    expect({ event: afterAmend.body.event, judgements: afterAmend.body.judgements }).toEqual({ event: before.body.event, judgements: before.body.judgements });
    expect(afterAmend.body.standing).toEqual({ void: false, fields: amended.body.fields, judgements: amended.body.judgements, corrections: 1 });
    expect(afterAmend.body.standing.fields.rings).toBe(4);
    expect(afterAmend.body.standing.judgements['call-answer-2-rings']).toMatchObject({ value: 4, met: false });

    const voided = await correct('c2', 'void');
    expect(voided.status).toBe(201);
    const afterVoid = await readBack('c2');
    expect(afterVoid.body.event).toEqual(before.body.event);
    expect(afterVoid.body.standing).toEqual({ void: true, fields: amended.body.fields, judgements: {}, corrections: 2 });
  });

  it('answers an unknown id 404, naming id', async () => {
    const got = await readBack('never-posted');
    expect(got.status).toBe(404);
    expect(got.type).toMatch(/^application\/problem\+json/);
    expect(got.body).toMatchObject({ status: 404, type: 'https://ringside.dev/problems/not-found', errors: [{ path: 'id', message: 'no event with id "never-posted"' }] });
  });

  it('refuses a request without a key (401) and answers the same request with one', async () => {
    const refused = await readBack('c1', null);
    expect([refused.status, refused.auth, refused.body.type]).toEqual([401, 'Bearer realm="ringside"', 'https://ringside.dev/problems/missing-key']);
    expect((await readBack('c1')).status).toBe(200);
  });

  it('refuses ingest keys, a desk limited to its own site included, with 403 naming scope read', async () => {
    for (const [key, id] of [[keys.ingest, 'c1'], [keys.desk, 'v1']] as const) {
      const refused = await readBack(id, key);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ type: 'https://ringside.dev/problems/insufficient-scope', detail: 'GET /api/v1/events/' + id + ' needs a key with scope "read" (this key has: ingest)' });
    }
  });
});

describe('GET /events/:id once retention has pruned events', () => {
  const dir = tempDataDir();
  let pruned: TestServer;
  const daysAgo = (days: number) => isoAgo(days * 86_400);
  beforeAll(async () => {
    const first = await startTestServer({ dataDir: dir });
    expect((await first.postEvents({ events: [call({ id: 'old1', occurredAt: daysAgo(500) }), call({ id: 'new1', occurredAt: daysAgo(1) })] })).status).toBe(201);
    await first.close();
    pruned = await startTestServer({ dataDir: dir, retainDays: 400 });
  });
  afterAll(async () => {
    await pruned?.close();
    removeDir(dir);
  });

  it('answers a pruned id, as any id not stored, 410 saying why, as a correction of it is answered', async () => {
    const gone = await readBack('old1', pruned.apiKey, pruned.url);
    expect(gone.status).toBe(410);
    expect(gone.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^no event with id "old1" is stored: events that occurred before \S+Z were pruned by retention \(checkpoint 1\) and can no longer be read$/) }]);
    expect((await readBack('never-posted', pruned.apiKey, pruned.url)).body.errors[0].message).toBe(gone.body.errors[0].message.replace('"old1"', '"never-posted"'));
    expect((await readBack('new1', pruned.apiKey, pruned.url)).body.event).toMatchObject({ id: 'new1' });
  });
});
