// Bad requests get clear 4xx problem bodies naming the field, never a 500, and store nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../../server/src/protocol';
import { countRows } from '../support/database';
import { adminHeaders, call, removeDir, startTestServer, visit, type TestServer } from '../support/testServer';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

function expectProblem(res: { status: number; contentType: string | null; body: any }, status: number) {
  expect(res.status).toBe(status);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/); // no stack traces
}

async function raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(`${server.url}${path}`, { method, ...init, headers: { ...adminHeaders(), ...init.headers } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

describe('invalid events', () => {
  it('names every bad field of a batch and stores nothing from it', async () => {
    const before = await server.getJson('/api/v1/compliance');
    const res = await server.postEvents({
      events: [
        call(),
        visit(),
        call({ site: '' }),
        call({ rings: 2.5 }),
        visit({ greetSeconds: -3, outcome: 'waved' }),
        call({ occurredAt: '2026-11-23 09:00' }),
        { type: 'fax', site: 'x' },
        call({ rings: undefined }),
        call({ mood: 'cheerful' }),
        call({ handleSeconds: -1 }),
        visit({ handleSeconds: 86_401 }),
        call({ handleSeconds: '90' }),
      ],
    });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([
      { path: 'events.2.site', message: 'must not be empty' },
      { path: 'events.3.rings', message: 'must be a whole number' },
      { path: 'events.4.outcome', message: 'must be one of greeted, left (got "waved")' },
      { path: 'events.4.greetSeconds', message: 'must be ≥ 0' },
      { path: 'events.5.occurredAt', message: expect.stringContaining('RFC 3339') },
      { path: 'events.6.type', message: 'must be one of call, visit (got "fax")' },
      { path: 'events.6.occurredAt', message: 'is required' },
      { path: 'events.7.rings', message: 'a call needs rings and/or answerSeconds' },
      { path: 'events.8.mood', message: 'is not a known field' },
      { path: 'events.9.handleSeconds', message: 'must be ≥ 0' },
      { path: 'events.10.handleSeconds', message: 'must be at most 86400 (one day)' },
      { path: 'events.11.handleSeconds', message: 'must be a number (got text)' },
    ]);
    expect(res.body.detail).toMatch(/nothing from this request was stored/);
    const after = await server.getJson('/api/v1/compliance');
    expect(after.body.standards.map((s: any) => s.total)).toEqual(before.body.standards.map((s: any) => s.total));
  });

  it('lists every problem of an incomplete call in one answer, each in our words', async () => {
    const res = await server.postEvents({ type: 'call' });
    expectProblem(res, 400);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/invalid-event$/), detail: '4 invalid field(s); nothing from this request was stored' });
    expect(res.body.errors).toEqual([
      { path: 'site', message: 'is required' },
      { path: 'occurredAt', message: 'is required' },
      { path: 'outcome', message: 'is required: one of answered, abandoned' },
      { path: 'rings', message: 'a call needs rings and/or answerSeconds' },
    ]);
  });

  it('says what to change in a timestamp written in another ISO 8601 form, wherever one is read', async () => {
    const rfc = 'must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00';
    const events = await server.postEvents({
      events: [
        call({ occurredAt: '2026-12-06T20:00:00+0100' }),
        call({ occurredAt: '20261206T200000Z' }),
        call({ occurredAt: '20261206T2000-0530' }),
        call({ occurredAt: 'soon' }),
      ],
    });
    expectProblem(events, 400);
    expect(events.body.errors).toEqual([
      { path: 'events.0.occurredAt', message: `${rfc}: write the offset as +01:00 (2026-12-06T20:00:00+01:00)` },
      { path: 'events.1.occurredAt', message: `${rfc}: write the date and time with their separators (2026-12-06T20:00:00Z)` },
      { path: 'events.2.occurredAt', message: `${rfc}: write the date and time with their separators (2026-12-06T20:00:00-05:30)` },
      { path: 'events.3.occurredAt', message: rfc },
    ]);
    const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const milestone = await raw('POST', '/api/v1/milestones', json({ type: 'call', site: 'downtown', caseId: 'ts-1', milestone: 'started', at: '2026-12-06T20:00+0100' }));
    expect(milestone.body.errors).toEqual([{ path: 'at', message: `${rfc}: write the offset as +01:00 (2026-12-06T20:00+01:00)` }]);
    const key = await raw('POST', '/api/v1/keys', json({ name: 'ts', scopes: ['read'], expiresAt: '20271206T200000Z' }));
    expect(key.body.errors).toEqual([{ path: 'expiresAt', message: `${rfc}: write the date and time with their separators (2027-12-06T20:00:00Z)` }]);
    const query = await raw('GET', `/api/v1/incidents?from=${encodeURIComponent('2026-12-06T20:00:00+0100')}`);
    expect(query.body.errors).toEqual([{ path: 'from', message: `${rfc}: write the offset as +01:00 (2026-12-06T20:00:00+01:00)` }]);
  });

  it("says what to change in the times a spreadsheet or Python writes by default: no offset, a space for the T, a date alone", async () => {
    const rfc = 'must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00';
    const events = await server.postEvents({ events: [call({ occurredAt: '2026-12-06T09:00:00' }), call({ occurredAt: '2026-12-06 09:00:00.123456+00:00' }), call({ occurredAt: '2026-12-06' })] });
    expect(events.body.errors).toEqual([
      { path: 'events.0.occurredAt', message: `${rfc}: add its offset from UTC (2026-12-06T09:00:00Z for UTC, or the local one such as +01:00)` },
      { path: 'events.1.occurredAt', message: `${rfc}: write a T between the date and the time (2026-12-06T09:00:00.123456+00:00)` },
      { path: 'events.2.occurredAt', message: `${rfc}: add a time and its offset (2026-12-06T00:00:00Z is the start of that day in UTC)` },
    ]);
    // Python's str(datetime) in a query, its + encoded; and a naive time with a space, as a spreadsheet writes one.
    const spaced = await raw('GET', `/api/v1/compliance?from=${encodeURIComponent('2026-12-06 09:00:00+00:00')}&to=${encodeURIComponent('2026-12-07 09:00')}`);
    expect(spaced.body.errors).toEqual([
      { path: 'from', message: `${rfc}: write a T between the date and the time (2026-12-06T09:00:00+00:00)` },
      { path: 'to', message: `${rfc}: add its offset from UTC (2026-12-07T09:00Z for UTC, or the local one such as +01:00)` },
    ]);
  });

  it('says what arrived and how to write the + of a time whose offset a URL turned into a space', async () => {
    // The + left unencoded, as typed into a URL: the query parser reads it as a space.
    const res = await raw('GET', '/api/v1/incidents?from=2026-12-01T00:00:00+01:00');
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([
      {
        path: 'from',
        message:
          'must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00: it arrived as "2026-12-01T00:00:00 01:00", with a space where the offset\'s sign would be, which is what a + in a URL\'s query becomes: write the + as %2B (2026-12-01T00:00:00%2B01:00)',
      },
    ]);
    // Written so, it is taken.
    expect((await raw('GET', '/api/v1/incidents?from=2026-12-01T00:00:00%2B01:00')).status).toBe(200);
  });

  it('names an occurredAt in the future beside every other problem of its event', async () => {
    const future = 'is more than 5 minutes in the future';
    const paths = async (event: Record<string, unknown>) => {
      const res = await server.postEvents(event);
      expectProblem(res, 400);
      return res.body.errors.map((e: { path: string; message: string }) => `${e.path} ${e.message}`);
    };
    expect(await paths(call({ occurredAt: '2099-01-01T00:00:00Z', rings: '1' }))).toEqual(['rings must be a number (got text)', expect.stringContaining(`occurredAt ${future}`)]);
    expect(await paths(call({ occurredAt: '2099-01-01T00:00:00Z', outcome: 'answerd' }))).toEqual([
      'outcome must be one of answered, abandoned (got "answerd") (did you mean "answered"?)',
      expect.stringContaining(`occurredAt ${future}`),
    ]);
    expect(await paths(call({ type: 'cal', occurredAt: '2099-01-01T00:00:00Z', colour: 1 }))).toEqual([
      'type must be one of call, visit (got "cal") (did you mean "call"?)',
      'colour is not a known field',
      expect.stringContaining(`occurredAt ${future}`),
    ]);
  });

  it('refuses an event without a type as every object: the type, the fields every type shares and unknown fields', async () => {
    const res = await server.postEvents({ a: 1 });
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([
      { path: 'type', message: 'is required: one of call, visit' },
      { path: 'site', message: 'is required' },
      { path: 'occurredAt', message: 'is required' },
      { path: 'a', message: 'is not a known field' },
    ]);
    // A field of either type is known; a wrong one is named as such.
    const wrong = await server.postEvents({ type: 'fax', site: 'x', occurredAt: '2026-11-23T09:00:00Z', rings: 1, greetSeconds: 3, colour: 'red' });
    expect(wrong.body.errors).toEqual([
      { path: 'type', message: 'must be one of call, visit (got "fax")' },
      { path: 'colour', message: 'is not a known field' },
    ]);
  });

  it('tells a type of case posted as milestones (a complaint, a user type) where it goes; an unknown type keeps its suggestion', async () => {
    const toMilestones = (id: string, milestones: string) => `must be one of call, visit (got "${id}"): "${id}" is a type of case posted as milestones (${milestones}) to POST /api/v1/milestones, not as an event`;
    const complaint = await server.postEvents({ type: 'complaint', site: 'downtown', occurredAt: new Date().toISOString() });
    expectProblem(complaint, 400);
    expect(complaint.body.errors).toEqual([{ path: 'type', message: toMilestones('complaint', 'received, acknowledged, resolved, followedUp') }]);
    // A type defined over the API, on a server of its own (the other tests' answers list the types there are).
    const own = await startTestServer();
    try {
      const created = await fetch(`${own.url}/api/v1/event-types`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...adminHeaders() },
        body: JSON.stringify({ id: 'callback', name: 'Callbacks', milestones: [{ id: 'requested', role: 'start' }, { id: 'calledBack', role: 'stop', outcome: 'served' }], measures: [{ id: 'callbackSeconds', from: 'requested', to: 'calledBack' }], maxOpenSeconds: 86_400 }),
      });
      expect(created.status).toBe(201);
      const batch = await own.postEvents({ events: [call(), { ...call(), type: 'callback' }, { ...call(), type: 'cal' }] });
      expect(batch.body.errors).toEqual([
        { path: 'events.1.type', message: toMilestones('callback', 'requested, calledBack') },
        { path: 'events.2.type', message: 'must be one of call, visit (got "cal") (did you mean "call"?)' },
      ]);
    } finally {
      await own.close();
      removeDir(own.dataDir);
    }
  });

  it('tells a batch or an item posted to the wrong one of /events and /milestones where it belongs, and stores nothing', async () => {
    const before = await server.getJson('/api/v1/compliance');
    const at = new Date().toISOString();
    const milestone = { type: 'call', site: 'downtown', caseId: 'wrong-route-1', milestone: 'ringing', at };
    const toMilestones = (what: string) => `: ${what} is posted to POST /api/v1/milestones`;
    const toEvents = (what: string) => `: ${what} is posted to POST /api/v1/events`;
    const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const milestonesAsEvents = await raw('POST', '/api/v1/events', json({ milestones: [milestone] }));
    expect(milestonesAsEvents.status).toBe(400);
    expect(milestonesAsEvents.body.errors).toEqual([{ path: 'milestones', message: `is not a known field of a batch (only "events")${toMilestones('a batch of milestones')}` }]);
    const oneAsEvent = await raw('POST', '/api/v1/events', json(milestone));
    expect(oneAsEvent.status).toBe(400);
    expect(oneAsEvent.body.errors).toContainEqual({ path: 'milestone', message: `is not a known field${toMilestones('a milestone (one step of a case: a call ringing, a visitor arriving)')}` });
    const inABatch = await raw('POST', '/api/v1/events', json({ events: [call(), milestone] }));
    expect(inABatch.body.errors).toContainEqual({ path: 'events.1.milestone', message: `is not a known field${toMilestones('a milestone (one step of a case: a call ringing, a visitor arriving)')}` });

    const eventsAsMilestones = await raw('POST', '/api/v1/milestones', json({ events: [call()] }));
    expect(eventsAsMilestones.status).toBe(400);
    expect(eventsAsMilestones.body.errors).toEqual([{ path: 'events', message: `is not a known field of a batch (only "milestones")${toEvents('a batch of events')}` }]);
    const oneAsMilestone = await raw('POST', '/api/v1/milestones', json(call()));
    expect(oneAsMilestone.status).toBe(400);
    expect(oneAsMilestone.body.errors).toContainEqual({ path: 'occurredAt', message: `is not a known field${toEvents('an event (a finished call or visit, with its outcome)')}` });
    // A field of the other route's items deeper in the body, or any other unknown field, gets no such words.
    const other = await server.postEvents({ ...call(), colour: 'red' });
    expect(other.body.errors).toEqual([{ path: 'colour', message: 'is not a known field' }]);

    const after = await server.getJson('/api/v1/compliance');
    expect(after.body.standards.map((s: any) => s.total)).toEqual(before.body.standards.map((s: any) => s.total));
    expect((await server.getJson('/api/v1/clocks')).body.clocks.filter((c: any) => c.caseId === 'wrong-route-1')).toEqual([]);
  });

  it('suggests the field an unknown one most likely mistypes, among the fields of the event\'s own type', async () => {
    const res = await server.postEvents({ events: [call({ outcome: undefined, outcom: 'answered' }), visit({ greetSeconds: undefined, greetSecond: 4, rings: 2 })] });
    expectProblem(res, 400);
    const unknown = res.body.errors.filter((e: { message: string }) => e.message.startsWith('is not a known field'));
    expect(Object.fromEntries(unknown.map((e: { path: string; message: string }) => [e.path, e.message]))).toEqual({
      'events.0.outcom': 'is not a known field (did you mean "outcome"?)',
      'events.1.greetSecond': 'is not a known field (did you mean "greetSeconds"?)',
      // A call's field on a visit is unknown there, and suggests nothing of the visit's.
      'events.1.rings': 'is not a known field',
    });
  });

  it('names a wrong JSON type by what the field must be and what it got', async () => {
    // null for an optional field is the field left out (queue); for a required one it is a value of the wrong type.
    const res = await server.postEvents(call({ rings: '2', agent: 5, queue: null, outcome: null }));
    expect(res.body.errors).toEqual([
      { path: 'outcome', message: 'must be one of answered, abandoned (got null)' },
      { path: 'rings', message: 'must be a number (got text)' },
      { path: 'agent', message: 'must be text (got a number)' },
    ]);
  });

  it('names the field of a single invalid event without a batch prefix', async () => {
    const res = await server.postEvents(call({ rings: LIMITS.maxRings + 1 }));
    expectProblem(res, 400);
    expect(res.body.errors).toEqual([{ path: 'rings', message: `must be at most ${LIMITS.maxRings}` }]);
  });

  it('keeps the SQLite file free of any event from refused batches', async () => {
    const dataDir = server.dataDir;
    await server.postEvents({ events: [call({ id: 'ok-but-batch-bad' }), call({ rings: -1 })] });
    await server.postEvents({ events: [call({ id: 'ok-then-conflict' }), call({ id: 'ok-then-conflict', rings: 9 })] });
    await server.close();
    expect(countRows(dataDir)).toEqual({ events: 0, judgements: 0 });
    server = await startTestServer({ dataDir });
  });
});

describe('invalid milestones', () => {
  const milestone = (fields: Record<string, unknown>) => ({ type: 'call', site: 'downtown', caseId: 'bad-1', milestone: 'started', at: new Date().toISOString(), ...fields });
  const refusal = async (body: unknown) => {
    const res = await fetch(`${server.url}/api/v1/milestones`, { method: 'POST', headers: { ...adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = { status: res.status, contentType: res.headers.get('content-type'), body: await res.json() };
    expectProblem(answer, 400);
    expect(answer.body.type).toMatch(/\/invalid-milestone$/);
    return answer.body.errors as Array<{ path: string; message: string }>;
  };
  const TYPE = { path: 'type', message: 'must be one of call, visit, complaint (got "cal") (did you mean "call"?)' };
  const MILESTONE = { path: 'milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "strated") (did you mean "started"?)' };

  it('names an unknown type or milestone beside every other problem of the milestone, in one answer', async () => {
    const at = { path: 'at', message: 'must be an RFC 3339 timestamp with an offset, e.g. 2026-11-23T09:15:00+01:00' };
    expect(await refusal(milestone({ type: 'cal', at: 'nope' }))).toEqual([TYPE, at]);
    expect(await refusal(milestone({ milestone: 'strated', at: 'nope' }))).toEqual([MILESTONE, at]);
    expect(await refusal(milestone({ type: 'cal', site: 'a,b' }))).toEqual([TYPE, { path: 'site', message: expect.stringMatching(/^must not contain a comma/) }]);
    expect(await refusal(milestone({ type: 'cal', colour: 'red' }))).toEqual([TYPE, { path: 'colour', message: 'is not a known field' }]);
    expect(await refusal(milestone({ milestone: 'strated', handleSeconds: -1 }))).toEqual([MILESTONE, { path: 'handleSeconds', message: 'must be ≥ 0' }]);
    expect(await refusal({ milestones: [milestone({}), milestone({ type: 'cal', caseId: '' })] })).toEqual([
      { path: 'milestones.1.type', message: TYPE.message },
      { path: 'milestones.1.caseId', message: 'must not be empty' },
    ]);
  });

  it('names an `at` in the future and handleSeconds on a start beside the other problems', async () => {
    const errors = await refusal(milestone({ at: '2099-01-01T00:00:00Z', handleSeconds: 5, colour: 1 }));
    expect(errors.map((e) => e.path)).toEqual(['at', 'handleSeconds', 'colour']);
    expect(errors[0]!.message).toMatch(/^is more than 5 minutes in the future/);
    expect(errors[1]!.message).toBe('is only given on a stop (answered, abandoned)');
  });
});

describe('malformed requests', () => {
  it.each([
    ['malformed JSON', { 'content-type': 'application/json' }, '{"type": "call",', 400, /not valid JSON/],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'type=call', 415, /application\/json/],
    ['plain text', { 'content-type': 'text/plain' }, 'hello', 415, /application\/json/],
    ['no content type', {}, '{}', 415, /application\/json/],
    ['a JSON array', { 'content-type': 'application/json' }, '[]', 400, /event object/],
    ['a JSON string', { 'content-type': 'application/json' }, '"call"', 400, /event object/],
    ['an empty batch', { 'content-type': 'application/json' }, '{"events": []}', 400, /at least one event/],
    ['events not an array', { 'content-type': 'application/json' }, '{"events": {"type": "call"}}', 400, /array/],
    ['an empty body', { 'content-type': 'application/json' }, '', 400, /event object/],
  ])('%s → clear %s', async (_name, headers, body, status, detail) => {
    const res = await raw('POST', '/api/v1/events', { headers: headers, body });
    expectProblem(res, status);
    expect(res.body.detail).toMatch(detail);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await raw('POST', '/api/v1/events', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [call({ agent: 'x'.repeat(1_100_000) })] }) });
    expectProblem(res, 413);
  });

  it('refuses a batch over LIMITS.maxBatch with 413 naming events', async () => {
    const events = Array.from({ length: LIMITS.maxBatch + 1 }, () => ({ type: 'call', site: 's', occurredAt: '2026-11-23T09:00:00Z', outcome: 'answered', rings: 1 }));
    const res = await server.postEvents({ events });
    expectProblem(res, 413);
    expect(res.body.errors).toEqual([{ path: 'events', message: expect.stringContaining(String(LIMITS.maxBatch)) }]);
  });

  it('answers unknown API routes with a 404 problem and wrong methods with 405 + Allow', async () => {
    expectProblem(await raw('GET', '/api/v1/nothing-here'), 404);
    expectProblem(await raw('POST', '/api/v2/events'), 404);
    const wrong = await fetch(`${server.url}/api/v1/events`, { method: 'GET', headers: adminHeaders() });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expectProblem(await raw('DELETE', '/api/v1/compliance'), 405);
    expectProblem(await raw('PUT', '/api/v1/health'), 405);
  });

  it.each([
    ['from=yesterday', 'from'],
    ['to=2026-11-23', 'to'],
    ['bucket=week', 'bucket'],
    ['standard=nope', 'standard'],
    ['site=a&site=b', 'site'],
    ['colour=red', 'colour'],
    ['from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z', 'to'],
    ['from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=minute', 'bucket'],
  ])('GET /compliance?%s → 400 naming %s', async (query, param) => {
    const res = await server.getJson(`/api/v1/compliance?${query}`);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: any) => e.path)).toEqual([param]);
  });
});
