// Event types defined over the API: POST/PUT /event-types (admin), checked like the standards file's types with
// problem details naming the field, kept across a restart, and judged like the built-ins: a standard over the new
// type judges its cases, and a closed case counts in GET /compliance. Runs on SQLite and (integration-postgres)
// on PostgreSQL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { postJson, postMilestones } from './support';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const clock = testClock(NOW);
const dir = tempDataDir();
let server: TestServer;

const CALLBACK = {
  id: 'callback',
  name: 'Callbacks',
  milestones: [
    { id: 'requested', role: 'start' },
    { id: 'calledBack', role: 'stop', outcome: 'served' },
  ],
  measures: [{ id: 'callbackSeconds', from: 'requested', to: 'calledBack' }],
  maxOpenSeconds: 86_400,
};
const STANDARD = { id: 'callback-2h', name: 'Callbacks within 2 hours', eventType: 'callback', measure: 'callbackSeconds', threshold: 7_200, target: 0.9 };

const put = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const fieldsOf = (body: { errors?: Array<{ path: string }> }) => (body.errors ?? []).map((e) => e.path);

beforeAll(async () => {
  server = await startTestServer({ dataDir: dir, clock });
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

describe('event types over the API', () => {
  it('defines a type, a standard over it, and judges its cases into the figures', async () => {
    const created = await postJson(server, '/api/v1/event-types', CALLBACK);
    expect(created).toMatchObject({ status: 201, body: CALLBACK });
    expect((await server.getJson('/api/v1/event-types')).body.eventTypes.map((t: { id: string }) => t.id)).toEqual(['call', 'visit', 'complaint', 'callback']);
    const standard = await postJson(server, '/api/v1/standards', STANDARD);
    expect(standard.status, JSON.stringify(standard.body)).toBe(201);

    await clock.skipTo(NOW + 7_200_000); // the standard judges cases that start after it was created
    const milestone = (caseId: string, m: string, atMs: number) => ({ type: 'callback', site: 'harbour', caseId, milestone: m, at: new Date(atMs).toISOString() });
    const posted = await postMilestones(server, { milestones: [milestone('C-1', 'requested', NOW + 1_800_000), milestone('C-1', 'calledBack', NOW + 3_600_000)] });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const report = await server.getJson('/api/v1/compliance?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z&standard=callback-2h');
    expect(report.body.standards[0]).toMatchObject({ standardId: 'callback-2h', total: 1, met: 1 });
  });

  it('refuses bad definitions with problem details naming the field', async () => {
    const bad = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'email', measures: [{ id: 'replySeconds', from: 'received', to: 'calledBack' }] });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['measures.0.from']);
    const noStop = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'email', milestones: [{ id: 'requested', role: 'start' }, { id: 'x', role: 'step' }] });
    expect(fieldsOf(noStop.body)).toContain('milestones');
    const reserved = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'email', measures: [{ id: 'rings', from: 'requested', to: 'calledBack' }] });
    expect([reserved.status, fieldsOf(reserved.body)]).toEqual([400, ['measures.0.id']]);
    const unknownField = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'email', colour: 'red' });
    expect([unknownField.status, fieldsOf(unknownField.body)]).toEqual([400, ['colour']]);
  });

  it('names reserved ids beside every other problem of the body in one 400, the rules that read them included', async () => {
    const milestones = [{ id: 'requested', role: 'start' }, { id: 'expired', role: 'stop', outcome: 'served' }, { id: 'late', role: 'step' }];
    const res = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'email', name: '', milestones, measures: [{ id: 'rings', from: 'requested', to: 'nowhere' }], maxOpenSeconds: -1 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'milestones.1.id', message: '"expired" is the outcome of a case closed by expiry; choose another id' },
      { path: 'measures.0.id', message: '"rings" is a field of calls and visits; choose another id' },
      { path: 'maxOpenSeconds', message: 'must be > 0' },
      { path: 'milestones.2.role', message: 'a step must come before every stop (the case ends at its stop)' },
      { path: 'measures.0.to', message: 'must name a milestone of this type' },
    ]);
    expect((await server.getJson('/api/v1/event-types')).body.eventTypes.map((t: { id: string }) => t.id)).not.toContain('email');
  });

  it('refuses clashes: an existing id, a built-in, an unknown type to replace, a change dropping a judged measure', async () => {
    const again = await postJson(server, '/api/v1/event-types', CALLBACK);
    expect([again.status, fieldsOf(again.body)]).toEqual([409, ['id']]);
    const builtIn = await put('/api/v1/event-types/complaint', { ...CALLBACK, id: 'complaint' });
    expect([builtIn.status, fieldsOf(builtIn.body)]).toEqual([409, ['id']]);
    expect((await put('/api/v1/event-types/nope', { ...CALLBACK, id: 'nope' })).status).toBe(404);
    const dropping = await put('/api/v1/event-types/callback', { ...CALLBACK, measures: [{ id: 'otherSeconds', from: 'requested', to: 'calledBack' }] });
    expect([dropping.status, fieldsOf(dropping.body)]).toEqual([409, ['measures']]);
    expect(dropping.body.detail ?? dropping.body.errors[0].message).toMatch(/callback-2h/);
  });

  it('names a built-in id beside the body\'s other problems in one 400; a body otherwise fine is still 409', async () => {
    const builtIn = '"call" is a built-in event type and cannot be redefined';
    const bad = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'call', name: '', maxOpenSeconds: 0 });
    expect([bad.status, bad.body.errors]).toEqual([
      400,
      [
        { path: 'name', message: 'must not be empty' },
        { path: 'maxOpenSeconds', message: 'must be > 0' },
        { path: 'id', message: builtIn },
      ],
    ]);
    const replaced = await put('/api/v1/event-types/visit', { ...CALLBACK, id: 'visit', measures: [] });
    expect([replaced.status, fieldsOf(replaced.body)]).toEqual([400, ['measures', 'id']]);
    const fine = await postJson(server, '/api/v1/event-types', { ...CALLBACK, id: 'call' });
    expect([fine.status, fine.body.errors]).toEqual([409, [{ path: 'id', message: builtIn }]]);
  });

  it('replaces a type with PUT, keeps it across a restart, and logs each change', async () => {
    const renamed = await put('/api/v1/event-types/callback', { ...CALLBACK, name: 'Customer callbacks' });
    expect(renamed).toMatchObject({ status: 200, body: { id: 'callback', name: 'Customer callbacks' } });
    await server.close();
    const standardsFile = join(dir, 'standards.yaml');
    writeFileSync(standardsFile, 'eventTypes: []\n');
    server = await startTestServer({ dataDir: dir, clock, standardsFile });
    const types = (await server.getJson('/api/v1/event-types')).body.eventTypes;
    expect(types.find((t: { id: string }) => t.id === 'callback')).toEqual({ ...CALLBACK, name: 'Customer callbacks' });
    const log = await server.getJson('/api/v1/export/audit-log?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z&format=json');
    expect(log.body.rows.filter((r: { action: string }) => r.action.startsWith('eventType.')).map((r: { action: string; target: string }) => [r.action, r.target])).toEqual([
      ['eventType.create', 'callback'],
      ['eventType.update', 'callback'],
    ]);

    // The standards file may not define a type of the same id: its reload is refused, naming the field.
    writeFileSync(standardsFile, `eventTypes:\n  - ${JSON.stringify(CALLBACK)}\n`);
    const reloaded = await server.reloadStandards();
    expect(reloaded.ok ? [] : reloaded.problems.map((p) => p.path)).toEqual(['eventTypes.0.id']);
  });

  it('names a built-in id and reserved ids of a standards file beside its other problems in one refusal', async () => {
    const chat = { ...CALLBACK, id: 'chat', measures: [{ id: 'greetSeconds', from: 'requested', to: 'calledBack' }], maxOpenSeconds: 'a day' };
    writeFileSync(join(dir, 'standards.yaml'), `eventTypes:\n  - ${JSON.stringify({ ...CALLBACK, id: 'visit' })}\n  - ${JSON.stringify(chat)}\n`);
    const reloaded = await server.reloadStandards();
    expect(reloaded.ok ? [] : reloaded.problems).toEqual([
      { path: 'eventTypes.1.measures.0.id', message: '"greetSeconds" is a field of calls and visits; choose another id' },
      { path: 'eventTypes.1.maxOpenSeconds', message: 'must be a number (got text)' },
      { path: 'eventTypes.0.id', message: '"visit" is a built-in event type and cannot be redefined' },
    ]);
  });
});
