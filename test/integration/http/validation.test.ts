// The one validation step and the one error handler, through a real server: every route refuses bad input in the
// same shape, the 405s come from the route tables, and the fixes of the derived access policy hold.
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../../server/src/http/routes';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer();
const keys: Record<'read' | 'audit' | 'ingest', string> = { read: '', audit: '', ingest: '' };

async function send(method: string, path: string, body?: unknown, key = server().apiKey) {
  const res = await fetch(`${server().url}/api/v1${path}`, {
    method,
    headers: { ...adminHeaders(key), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = res.headers.get('content-type');
  const text = await res.text();
  return { status: res.status, type, allow: res.headers.get('allow'), body: /json/.test(type ?? '') ? JSON.parse(text) : text };
}

beforeAll(async () => {
  for (const scope of ['read', 'audit', 'ingest'] as const) keys[scope] = (await send('POST', '/keys', { name: `${scope} key`, scopes: [scope] })).body.key;
  expect((await send('POST', '/events', call({ id: 'v1' }))).status).toBe(201);
});

const NOPE_TYPE = {
  id: 'nope',
  name: 'Nope',
  milestones: [{ id: 'opened', role: 'start' }, { id: 'closed', role: 'stop', outcome: 'served' }],
  measures: [{ id: 'closeSeconds', from: 'opened', to: 'closed' }],
  maxOpenSeconds: 60,
};

describe('one problem shape for bad input', () => {
  it('names an unknown field of a correction body, as every body does', async () => {
    const res = await send('POST', '/events/v1/void', { reason: 'duplicate', colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/invalid-body$/), detail: 'colour is not a known field', errors: [{ path: 'colour', message: 'is not a known field' }] });
    expect((await send('POST', '/events/v1/amend', { changes: { rings: 2 } })).body.errors).toEqual([{ path: 'reason', message: 'is required' }]);
  });

  it('names a field an amendment may not change alone, and an outcome of the other type with the value given', async () => {
    const unknown = await send('POST', '/events/v1/amend', { reason: 'x', changes: { site: 'airport' } });
    expect(unknown.body).toMatchObject({ detail: 'changes.site is not a known field', errors: [{ path: 'changes.site', message: 'is not a known field' }] });
    const empty = await send('POST', '/events/v1/amend', { reason: 'x', changes: {} });
    expect(empty.body.errors).toEqual([{ path: 'changes', message: 'must change at least one of outcome, rings, answerSeconds, greetSeconds' }]);
    const visitOutcome = await send('POST', '/events/v1/amend', { reason: 'x', changes: { outcome: 'greeted', greetSeconds: 3 } });
    expect(visitOutcome).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-body$/) } });
    expect(visitOutcome.body.errors).toEqual([
      { path: 'changes.outcome', message: 'must be one of answered, abandoned (got "greeted"), as the event is a call' },
      { path: 'changes.greetSeconds', message: 'a call has no greetSeconds' },
    ]);
  });

  it('suggests the field an unknown one most likely mistypes, in every body and at any depth, as an unknown parameter is', async () => {
    const patch = await send('PATCH', '/standards/call-answer-2-rings', { treshold: 3, scope: { sitez: ['downtown'] } });
    expect(patch).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-body$/) } });
    expect(patch.body.detail).toBe('scope.sitez is not a known field (did you mean "sites"?); treshold is not a known field (did you mean "threshold"?)');
    const milestone = await send('POST', '/milestones', { type: 'call', site: 'downtown', caseId: 'k1', milestone: 'started', att: '2026-12-01T09:00:00Z' });
    expect(milestone.body.errors).toContainEqual({ path: 'att', message: 'is not a known field (did you mean "at"?)' });
    expect((await send('POST', '/keys', { nmae: 'pbx', scopes: ['ingest'] })).body.errors).toEqual([
      { path: 'nmae', message: 'is not a known field (did you mean "name"?)' },
      { path: 'name', message: 'is required (a string)' },
    ]);
    expect((await send('GET', '/standards/call-answer-2-rings')).body.threshold).toBe(2);
  });

  it('refuses a JSON value that is not an object in one wording on every route taking an object', async () => {
    const routes = ['POST /events/1/void', 'POST /events/1/amend', 'POST /event-types', 'PUT /event-types/1', 'POST /standards', 'PUT /standards/1', 'PATCH /standards/1', 'POST /sites', 'PUT /sites/1', 'PATCH /sites/1', 'POST /incidents/ack', 'POST /incidents/1/ack', 'POST /keys'];
    for (const r of routes) {
      const [method, path] = r.split(' ') as [string, string];
      for (const [value, got] of [[false, 'true or false'], [[1], 'a list'], ['x', 'text']] as const) {
        const res = await send(method, path, value);
        expect({ r, value, status: res.status, errors: res.body.errors }).toEqual({ r, value, status: 400, errors: [{ path: '(body)', message: `must be a JSON object (got ${got})` }] });
      }
    }
  });

  it('keeps the ingest limits for amendments, and refuses text that is not well-formed', async () => {
    const over = await send('POST', '/events/v1/amend', { reason: 'x', changes: { rings: 101, answerSeconds: 86_401 } });
    expect(over.body.errors).toEqual([
      { path: 'changes.rings', message: 'must be at most 100' },
      { path: 'changes.answerSeconds', message: 'must be at most 86400 (one day)' },
    ]);
    const malformed = await send('POST', '/events/v1/void', { reason: 'bad \udfff' });
    expect(malformed.body.errors).toEqual([{ path: 'reason', message: expect.stringMatching(/^must be well-formed Unicode text/) }]);
  });

  it('reads the query of every route one way: unknown, repeated and empty parameters named', async () => {
    for (const path of ['/compliance', '/distribution', '/incidents', '/export/events']) {
      const res = await send('GET', `${path}?colour=red`);
      expect(res.status, path).toBe(400);
      expect(res.body.type, path).toMatch(/\/invalid-query$/);
      expect(res.body.errors[0], path).toMatchObject({ path: 'colour', message: expect.stringMatching(/^is not a known parameter \(known: .*from, to/) });
      expect((await send('GET', `${path}?from=a&from=b`)).body.errors, path).toEqual([{ path: 'from', message: 'is given twice: give it once' }]);
      expect((await send('GET', `${path}?from=%20`)).body.errors, path).toEqual([{ path: 'from', message: 'must not be empty' }]);
      const reversed = await send('GET', `${path}?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`);
      expect(reversed.body.errors, path).toEqual([{ path: 'to', message: 'must be later than from' }]);
    }
  });

  it('says a parameter read once is given twice, on every route, whatever reads it', async () => {
    const twice = { message: 'is given twice: give it once' };
    const cases: Array<[string, string, string]> = [
      ['POST', '/integrations/asterisk/queue-log?site=hq&site=b', 'site'],
      ['GET', '/kiosk?site=hq&site=b', 'site'],
      ['GET', '/clocks?type=call&type=visit', 'type'],
      ['GET', '/compliance?window=1h&window=today&window=7d', 'window'],
      ['GET', '/staffing/erlang?arrivalsPerHour=1&arrivalsPerHour=2&handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour'],
      ['GET', '/staffing/forecast?site=downtown&standard=call-answer-2-rings&date=today&date=tomorrow', 'date'],
    ];
    for (const [method, path, name] of cases) {
      const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { ...adminHeaders(server().apiKey), 'content-type': 'text/plain' }, body: method === 'POST' ? '1772438400|1.1|support|NONE|QUEUESTART||\n' : undefined });
      const body = (await res.json()) as { errors: unknown[] };
      const message = path.includes('window=7d') ? 'is given 3 times: give it once' : twice.message;
      expect({ path, status: res.status, errors: body.errors }).toEqual({ path, status: 400, errors: [{ path: name, message }] });
    }
  });

  it('refuses an incident filter on a standard that never existed, as the incidents export does', async () => {
    for (const path of ['/incidents?standard=nope', '/export/incidents?standard=nope']) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors, path).toEqual([{ path: 'standard', message: expect.stringMatching(/^unknown standard "nope" \(known: .*call-answer-2-rings/) }]);
    }
    expect(await send('GET', '/incidents?standard=call-answer-2-rings')).toMatchObject({ status: 200, body: { incidents: [] } });
  });

  it('sets a message that names its field apart from the path in the detail, and runs any other on after it', async () => {
    const res = await send('GET', '/compliance?standard=nope&site=nosuch&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(res).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-query$/) } });
    expect(res.body.detail).toBe(
      'standard: unknown standard "nope" (known: call-answer-2-rings, visit-greet-30s); site: unknown site "nosuch": no site of that name is configured or has events; to must be later than from',
    );
    expect(res.body.errors.map((e: { message: string }) => e.message)).toEqual([expect.stringMatching(/^unknown standard "nope"/), expect.stringMatching(/^unknown site "nosuch"/), 'must be later than from']);
    // A name in quotes (a value sent, a name suggested) or in another case is not the message naming its field.
    expect((await send('GET', '/compliance?Site=downtown')).body.detail).toBe('Site is not a known parameter (known: standard, site, from, to, window, tz, bucket, groupBy) (did you mean "site"?)');
    expect((await send('GET', '/compliance?window=window')).body.detail).toBe('window must be one of 15m, 1h, today, 7d, 30d, month (got "window")');
  });

  it('refuses a number or a time with white space around it in any query or path, naming it, where text is trimmed', async () => {
    const T = '2026-12-05T00:00:00Z';
    const erlang = 'handleSeconds=180&thresholdSeconds=20&target=0.8';
    // [method, path, the parameter, its value as it arrived]
    const cases: Array<[string, string, string, string]> = [
      ['GET', '/export/compliance?asOf=%205&format=json', 'asOf', ' 5'],
      ['GET', '/export/compliance?asOf=5%20&format=json', 'asOf', '5 '],
      ['GET', '/export/compliance?asOf=%095&format=json', 'asOf', '\t5'],
      // A raw + in a query is a space: +5 arrives as " 5", refused as %2B5 is.
      ['GET', '/export/events?asOf=+5', 'asOf', ' 5'],
      ['GET', '/export/milestones?since=%205', 'since', ' 5'],
      ['GET', `/export/compliance?from=%20${T}`, 'from', ` ${T}`],
      ['GET', `/export/report?to=${T}%0A`, 'to', `${T}\n`],
      ['GET', `/compliance?from=%20${T}`, 'from', ` ${T}`],
      ['GET', `/distribution?from=2026-12-01T00:00:00Z&to=${T}%20`, 'to', `${T} `],
      ['GET', '/incidents?limit=%205', 'limit', ' 5'],
      ['GET', `/incidents?from=${T}%09`, 'from', `${T}\t`],
      ['GET', `/staffing/erlang?arrivalsPerHour=%20200&${erlang}`, 'arrivalsPerHour', ' 200'],
      ['GET', '/staffing/forecast?site=downtown&standard=call-answer-2-rings&date=2026-12-05%20', 'date', '2026-12-05 '],
      ['DELETE', `/standards/call-answer-2-rings?validFrom=%20${T}`, 'validFrom', ` ${T}`],
      ['DELETE', '/standards/call-answer-2-rings/versions/%201', 'version', ' 1'],
    ];
    for (const [method, path, field, got] of cases) {
      const res = await send(method, path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors, path).toContainEqual({ path: field, message: `must not have spaces around it (got ${JSON.stringify(got)})` });
    }
    // Blank is empty, as for every parameter; text (a zone, a site, a format) is trimmed.
    expect((await send('GET', '/export/compliance?asOf=%20')).body.errors).toEqual([{ path: 'asOf', message: 'must not be empty' }]);
    expect((await send('GET', '/export/compliance?asOf=5&format=json')).status).not.toBe(400);
    expect((await send('GET', '/compliance?tz=%20UTC&site=downtown%20')).status).toBe(200);
  });

  it('refuses a parameter on a route that takes none, before anything is done', async () => {
    const takesNone = API_ROUTES.filter((r) => !r.query && !r.probe && r.method !== 'ALL');
    expect(takesNone.length).toBeGreaterThan(20);
    for (const r of takesNone) {
      const path = r.path.replace(/:[A-Za-z]+/g, '1');
      const res = await send(r.method, `${path}?colour=red`, r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      expect({ route: `${r.method} ${r.path}`, status: res.status, type: res.body.type }).toEqual({ route: `${r.method} ${r.path}`, status: 400, type: 'https://ringside.dev/problems/invalid-query' });
      expect(res.body.errors).toEqual([{ path: 'colour', message: 'is not a known parameter (this route takes none)' }]);
    }
    const before = (await send('GET', '/export/events?format=json&proof=none')).body.rows.length;
    expect((await send('POST', '/events?dryRun=1', call({ id: 'dry-run' }))).status).toBe(400);
    expect((await send('GET', '/export/events?format=json&proof=none')).body.rows.length).toBe(before);
    expect((await send('GET', '/health?')).status).toBe(200);
  });

  it('lets a liveness or readiness probe carry any query (load balancers add cache-busting parameters): both ignore it', async () => {
    for (const query of ['?x=1', '?_=1712345678901', '?colour=red&colour=blue', '?site=%ff', '?=', '?x']) {
      const res = await send('GET', `/health${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      expect(res.body).toMatchObject({ status: 'ok', version: expect.any(String), serverTime: expect.any(String) });
      // As a load balancer asks: without a key.
      expect({ query, status: (await fetch(`${server().url}/api/v1/health${query}`)).status }).toEqual({ query, status: 200 });
      const ready = await fetch(`${server().url}/api/v1/health/ready${query}`);
      expect({ query, status: ready.status, body: await ready.json() }).toMatchObject({ query, status: 200, body: { status: 'ready' } });
    }
    expect((await fetch(`${server().url}/api/v1/health?x=1`, { method: 'HEAD' })).status).toBe(200);
    // The two probes: every other route refuses what it does not read (above).
    expect(API_ROUTES.filter((r) => r.probe).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'GET /health/ready']);
  });

  it('refuses a query parameter that is not percent-encoded UTF-8, naming it, as a path parameter is refused', async () => {
    const message = 'is not valid percent-encoded UTF-8 (é is %C3%A9)';
    for (const path of ['/compliance?site=%ff', '/incidents?site=caf%E9', '/distribution?site=%']) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({ type: expect.stringMatching(/\/invalid-query$/), errors: [{ path: 'site', message }] });
    }
    const both = await send('GET', '/compliance?site=%ff&from=soon');
    expect(both.body.errors).toEqual([{ path: 'site', message }, { path: 'from', message: expect.stringMatching(/^must be an RFC 3339 timestamp/) }]);
    // Decoded as sent: the site is named in its own letters (and is unknown here, never having had an event).
    expect((await send('GET', '/compliance?site=caf%C3%A9+bar')).body.errors).toEqual([{ path: 'site', message: 'unknown site "café bar": no site of that name is configured or has events' }]);
    expect((await send('GET', '/standards/%ff')).status).toBe(400);
  });

  it('names a range out of order and a window with from/to beside other bad parameters', async () => {
    const both = await send('GET', '/compliance?standard=nope&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(['standard', 'to']);
    const window = await send('GET', '/distribution?window=fortnight&from=yesterday');
    expect(window.body.errors).toEqual([
      { path: 'from', message: expect.stringMatching(/^must be an RFC 3339 timestamp/) },
      { path: 'window', message: expect.stringMatching(/^must be one of/) },
      { path: 'from', message: 'cannot be combined with window' },
    ]);
  });

  it('lists a standard\'s problems between fields in the same answer as its fields\' own', async () => {
    const tester = { id: 'bad', name: 'x', eventType: 'call', measure: 'greetSeconds', operator: '=<', threshold: -1, target: 1.5, formula: 'F9', bands: { green: 0.5, amber: 0.9 } };
    const res = await send('POST', '/standards', tester);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['operator', 'threshold', 'target', 'formula', 'measure', 'bands.amber']);
  });

  it('checks the rules between query parameters also when other parameters are wrong, unless one they read is', async () => {
    const paths = async (path: string) => ((await send('GET', path)).body.errors as Array<{ path: string }>).map((e) => e.path);
    // A range out of order (one end a default), too many buckets or periods: known though another parameter is wrong.
    expect(await paths('/compliance?to=2000-01-01T00:00:00Z&tz=UTC&standard=nope')).toEqual(['standard', 'to']);
    expect(await paths('/compliance?bucket=minute&from=2000-01-01T00:00:00Z&groupBy=colour')).toEqual(['groupBy', 'bucket']);
    expect(await paths('/distribution?to=2000-01-01T00:00:00Z&tz=UTC&standard=nope')).toEqual(['standard', 'to']);
    expect(await paths('/export/events?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z&format=pdf')).toEqual(['format', 'to']);
    expect(await paths('/export/compliance?from=1990-01-01T00:00:00Z&period=hour&format=pdf')).toEqual(['format', 'period']);
    expect(await paths('/export/report?from=1990-01-01T00:00:00Z&format=pdf')).toEqual(['format', 'to']);
    // A parameter the export does not take is named beside another's problem, unless its own value is wrong.
    expect(await paths('/export/events?period=day&format=pdf')).toEqual(['format', 'period']);
    expect(await paths('/export/events?period=fortnight&format=pdf')).toEqual(['format', 'period']);
    expect(await paths('/export/events?period=fortnight')).toEqual(['period']);
    // A type this server does not know, beside a bad state.
    expect(await paths('/clocks?type=nosuch&state=late')).toEqual(['state', 'type']);
    // A rule reading a wrong parameter says nothing more: the range with a wrong zone.
    expect(await paths('/compliance?to=2000-01-01T00:00:00Z&tz=Mars/Base')).toEqual(['tz']);
  });

  it('says a time before 1970 is too early, not unreal, in a query and in a body', async () => {
    const early = await send('GET', '/compliance?from=1900-01-01T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(early).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-query$/), errors: [{ path: 'from', message: 'must be 1970-01-01T00:00:00Z or later' }] } });
    // The limit is the instant: 00:30 on 1 January 1970 at +01:00 is still 1969 in UTC.
    const offset = await send('POST', '/events', call({ occurredAt: '1970-01-01T00:30:00+01:00' }));
    expect(offset).toMatchObject({ status: 400, body: { errors: [{ path: 'occurredAt', message: 'must be 1970-01-01T00:00:00Z or later' }] } });
    const milestone = await send('POST', '/milestones', { type: 'call', site: 'a', caseId: 'c1', milestone: 'ringing', at: '1969-07-20T20:17:00Z' });
    expect(milestone.status).toBe(400);
    expect(milestone.body.errors).toEqual([
      { path: 'milestone', message: 'is not a milestone of a call: must be one of started, answered, abandoned (got "ringing")' },
      { path: 'at', message: 'must be 1970-01-01T00:00:00Z or later' },
    ]);
    expect((await send('POST', '/events', call({ occurredAt: '2026-02-30T09:00:00Z' }))).body.errors).toEqual([{ path: 'occurredAt', message: 'is not a real date and time, got "2026-02-30T09:00:00Z"' }]);
  });

  it('names a path parameter that is not percent-encoded UTF-8, with the route\'s problem type, before the router fails on it', async () => {
    const message = 'is not valid percent-encoded UTF-8 (é is %C3%A9)';
    for (const [method, path] of [['GET', '/standards/%ff'], ['GET', '/sites/caf%E9/history'], ['GET', '/keys/%'], ['DELETE', '/keys/%ff'], ['POST', '/events/%ff/void'], ['POST', '/integrations/custom/%ff'], ['GET', '/standards/%ff/'], ['DELETE', '/keys/%ff/']] as const) {
      const res = await send(method, path, method === 'POST' ? { reason: 'r' } : undefined);
      expect({ path, status: res.status, type: res.type }).toEqual({ path, status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(res.body, path).toMatchObject({ type: 'https://ringside.dev/problems/invalid-path', detail: `id ${message}`, errors: [{ path: 'id', message }] });
    }
    expect((await send('GET', '/incidents/%ff')).body).toMatchObject({ type: 'https://ringside.dev/problems/invalid-incident-id', errors: [{ path: 'id', message }] });
    expect((await send('GET', '/no-such-route/%ff')).status).toBe(404);
    expect((await send('GET', '/sites/caf%C3%A9')).body.errors).toEqual([{ path: 'id', message: 'no site with id "café"' }]);
  });

  it('tells an incident id past the largest one its bound, in the path and in an acknowledgement\'s ids', async () => {
    const bound = `must be at most ${Number.MAX_SAFE_INTEGER}, the largest an incident can have`;
    const path = await send('GET', '/incidents/999999999999999999999');
    expect(path).toMatchObject({ status: 400, body: { type: 'https://ringside.dev/problems/invalid-incident-id', detail: `id ${bound} (got "999999999999999999999")`, errors: [{ path: 'id', message: `${bound} (got "999999999999999999999")` }] } });
    // Within the bound, a whole number is an id that may exist: asked for, it is not found.
    expect((await send('GET', `/incidents/${Number.MAX_SAFE_INTEGER}`)).status).toBe(404);
    const ack = await send('POST', '/incidents/ack', { ids: [0, 1e21, '7', 2.5, null] });
    // Each refused id is quoted as sent, as the path's is: which one of a long list was wrong, and how. A place in
    // the list is no name, so the detail reads as every other field's, without a colon.
    expect(ack).toMatchObject({
      status: 400,
      body: {
        detail: expect.stringMatching(/^ids\.0 must be a positive whole number \(got 0\); ids\.1 must be at most \d+, the largest an incident can have \(got 1e\+21\);/),
        errors: [
          { path: 'ids.0', message: 'must be a positive whole number (got 0)' },
          { path: 'ids.1', message: `${bound} (got 1e+21)` },
          { path: 'ids.2', message: 'must be a positive whole number (got "7")' },
          { path: 'ids.3', message: 'must be a positive whole number (got 2.5)' },
          { path: 'ids.4', message: 'must be a positive whole number (got null)' },
        ],
      },
    });
  });

  it('names the parameter that was sent when the default other end of the range is out of order', async () => {
    const future = await send('GET', '/compliance?from=2999-01-01T00:00:00Z');
    expect(future).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-query$/) } });
    expect(future.body.errors).toEqual([{ path: 'from', message: expect.stringMatching(/^must be earlier than now \(\d{4}-\d\d-\d\dT[\d:.]+Z\), the default to$/) }]);
    const past = await send('GET', '/distribution?to=2000-01-01T00:00:00Z&tz=UTC');
    expect(past.body.errors).toEqual([{ path: 'to', message: expect.stringMatching(/^must be later than the start of today in UTC \(\d{4}-\d\d-\d\dT00:00:00.000Z\), the default from$/) }]);
  });

  it('reads every query parameter, past the 1,000 node\'s parser keeps: one after them is refused or applied, never dropped', async () => {
    expect((await send('POST', '/events', call({ id: 'many-params', site: 'd' }))).status).toBe(201);
    const sites = Array.from({ length: 1000 }, () => 'site=d').join('&');
    const unknown = await send('GET', `/export/events?${sites}&zzz=1`);
    expect(unknown).toMatchObject({ status: 400, body: { errors: [{ path: 'zzz', message: expect.stringMatching(/^is not a known parameter/) }] } });
    const reversed = await send('GET', `/export/events?${sites}&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(reversed).toMatchObject({ status: 400, body: { errors: [{ path: 'to', message: 'must be later than from' }] } });
  });

  it('answers a bad time of DELETE /standards/:id as a query problem', async () => {
    const res = await send('DELETE', '/standards/call-answer-2-rings?validFrom=soon');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: expect.stringMatching(/\/invalid-query$/), errors: [{ path: 'validFrom' }] });
    // A misspelt validFrom is named, not ignored (it would retire the standard now).
    const misspelt = await send('DELETE', '/standards/call-answer-2-rings?validfrom=2099-01-01T00:00:00Z');
    expect(misspelt).toMatchObject({ status: 400, body: { errors: [{ path: 'validfrom', message: 'is not a known parameter (known: validFrom) (did you mean "validFrom"?)' }] } });
    expect((await send('GET', '/standards/call-answer-2-rings')).body.retired).toBe(false);
  });

  it('answers unknown ids through the one error handler, naming the field, set off by a colon as every message naming its field', async () => {
    expect(await send('GET', '/standards/nope')).toMatchObject({ status: 404, body: { detail: 'id: no standard with id "nope"', errors: [{ path: 'id', message: 'no standard with id "nope"' }] } });
    expect(await send('GET', '/incidents/999')).toMatchObject({ status: 404, body: { type: expect.stringMatching(/\/incident-not-found$/), title: 'Incident not found', detail: 'id: no incident with id 999' } });
    for (const method of ['GET', 'DELETE']) {
      expect(await send(method, '/keys/k_nope')).toMatchObject({ status: 404, body: { type: expect.stringMatching(/\/key-not-found$/), detail: 'id: no API key with id "k_nope"', errors: [{ path: 'id', message: 'no API key with id "k_nope"' }] } });
    }
    const details = [await send('GET', '/sites/nope'), await send('DELETE', '/sites/nope'), await send('POST', '/events/nope/void', { reason: 'x' }), await send('PUT', '/event-types/nope', NOPE_TYPE)].map((r) => [r.status, r.body.detail]);
    expect(details).toEqual([
      [404, 'id: no site with id "nope"'],
      [404, 'id: no site with id "nope"'],
      [404, 'id: no event with id "nope"'],
      [404, 'id: no event type with id "nope" (POST /api/v1/event-types defines one)'],
    ]);
    const env = await send('DELETE', '/keys/env');
    expect(env).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/key-not-revocable$/), errors: [{ path: 'id', message: 'is the RINGSIDE_API_KEY key, which lives in the environment: restart without it' }] } });
  });
});

describe('the content type before the body', () => {
  // Every route taking a JSON body, its path parameters filled in and its required query given (the URL is read first).
  const jsonRoutes = API_ROUTES.filter((r) => r.body && (r.body.format ?? 'json') === 'json' && r.method !== 'ALL');
  const urlOf = (path: string) => `${server().url}/api/v1${path.replace(/:[A-Za-z]+/g, path.includes('custom') ? 'doors' : '1')}${path.startsWith('/integrations/') && !path.includes('custom') ? '?site=hq' : ''}`;
  const post = async (method: string, path: string, contentType: string, body: string) => {
    const res = await fetch(urlOf(path), { method, headers: { ...adminHeaders(server().apiKey), 'content-type': contentType }, body });
    return { status: res.status, body: (await res.json()) as { type: string; detail: string } };
  };

  it('covers the JSON endpoints the docs name', () => {
    const paths = jsonRoutes.map((r) => `${r.method} ${r.path}`);
    for (const p of ['POST /events', 'POST /milestones', 'POST /events/:id/void', 'POST /events/:id/amend', 'POST /integrations/amazon-connect/firehose', 'POST /integrations/custom/:id', 'POST /keys']) expect(paths).toContain(p);
  });

  it('answers text/plain with 415 naming the content type and application/json, whether the text is JSON or not', async () => {
    for (const r of jsonRoutes) {
      for (const text of ['x', '{"reason": "r", "requestId": "r-1", "timestamp": 1, "records": []}']) {
        const res = await post(r.method, r.path, 'text/plain', text);
        expect({ route: `${r.method} ${r.path}`, text, status: res.status, type: res.body.type }).toEqual({ route: `${r.method} ${r.path}`, text, status: 415, type: expect.stringMatching(/\/unsupported-media-type$/) });
        expect(res.body.detail).toMatch(/application\/json \(got text\/plain\)$/);
      }
    }
  });

  it('answers the tester\'s requests: custom and Firehose with text/plain are 415, malformed JSON as JSON is 400', async () => {
    expect(await post('POST', '/integrations/custom/:id', 'text/plain', 'x')).toMatchObject({ status: 415, body: { detail: 'send the JSON your mapping reads as application/json (got text/plain)' } });
    expect(await post('POST', '/integrations/custom/:id', 'text/plain', '{"event": "door.open"}')).toMatchObject({ status: 415 });
    expect(await post('POST', '/integrations/amazon-connect/firehose', 'text/plain', '{}')).toMatchObject({ status: 415, body: { detail: 'send the Firehose delivery as application/json (got text/plain)' } });
    expect(await post('POST', '/events/:id/void', 'text/plain', '{"reason": "r"}')).toMatchObject({ status: 415, body: { detail: 'send the correction as application/json (got text/plain)' } });
    expect(await post('POST', '/integrations/custom/:id', 'application/json', 'x')).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/malformed-json$/) } });
  });
});

describe('methods and scopes from the route tables', () => {
  it('answers another method with 405 and the methods the table declares, HEAD beside every GET', async () => {
    expect(await send('POST', '/standards/call-answer-2-rings')).toMatchObject({ status: 405, allow: 'GET, HEAD, PUT, PATCH, DELETE' });
    expect(await send('DELETE', '/keys')).toMatchObject({ status: 405, allow: 'GET, HEAD, POST' });
  });

  it('answers another method 405 with Allow to a key of any scope, not a scope refusal; without a key it is 401', async () => {
    // The integrator's GET of the queue_log door with the PBX's ingest key: told to POST, not sent for an admin key.
    const integrator = await send('GET', '/integrations/asterisk/queue-log?site=hq', undefined, keys.ingest);
    expect(integrator).toMatchObject({
      status: 405,
      allow: 'POST',
      body: { type: 'https://ringside.dev/problems/method-not-allowed', detail: 'GET is not supported on /api/v1/integrations/asterisk/queue-log; use POST' },
    });
    expect(await send('GET', '/integrations/asterisk/queue-log?site=hq')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await send('DELETE', '/compliance', undefined, keys.read)).toMatchObject({ status: 405, allow: 'GET, HEAD', body: { type: 'https://ringside.dev/problems/method-not-allowed' } });
    expect(await send('PUT', '/events', undefined, keys.audit)).toMatchObject({ status: 405, allow: 'POST' });
    // A method its path does take keeps its route's scope.
    expect((await send('PATCH', '/standards/call-answer-2-rings', {}, keys.audit)).status).toBe(403);
    expect((await send('POST', '/integrations/asterisk/queue-log?site=hq', undefined, keys.read)).status).toBe(403);
    const bare = await fetch(`${server().url}/api/v1/integrations/asterisk/queue-log?site=hq`);
    expect([bare.status, bare.headers.get('www-authenticate'), bare.headers.get('allow')]).toEqual([401, 'Bearer realm="ringside"', null]);
    expect((await send('GET', '/integrations/asterisk/queue-log?site=hq', undefined, 'rs_nosuchkey')).status).toBe(401);
    // Another method of a path whose routes take the key elsewhere (Twilio's Basic credentials): with it a 405, and
    // without one the 401 says where the path takes it, as its route's own 401 does.
    const basic = { authorization: `Basic ${Buffer.from(`twilio:${keys.ingest}`).toString('base64')}` };
    const twilioGet = await fetch(`${server().url}/api/v1/integrations/twilio/taskrouter?site=hq`, { headers: basic });
    expect([twilioGet.status, twilioGet.headers.get('allow')]).toEqual([405, 'POST']);
    const keyless = await fetch(`${server().url}/api/v1/integrations/twilio/taskrouter?site=hq`);
    expect(keyless.status).toBe(401);
    expect((await keyless.json()).detail).toContain('the password of HTTP Basic credentials');
  });

  it('answers a path no route serves 404 for a key of any scope (a valid key still needed)', async () => {
    // The auditor's mistyped export: told there is no such path, not sent for an admin key.
    const mistyped = await send('GET', '/export/event?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z&format=csv', undefined, keys.audit);
    expect(mistyped).toMatchObject({ status: 404, body: { type: 'https://ringside.dev/problems/not-found', detail: 'no such resource: GET /api/v1/export/event' } });
    expect((await send('GET', '/rollups', undefined, keys.read)).status).toBe(404);
    expect((await send('GET', '/rollups')).status).toBe(404);
    const ingest = (await send('POST', '/keys', { name: 'desk', scopes: ['ingest'], sites: ['downtown'] })).body.key;
    expect((await send('GET', '/rollups?site=airport', undefined, ingest)).status).toBe(404);
    // Without a valid key it is refused as everywhere in the API: nobody without one learns which paths exist.
    const bare = await fetch(`${server().url}/api/v1/export/event`);
    expect([bare.status, bare.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="ringside"']);
    expect((await send('GET', '/export/event', undefined, 'rs_nosuchkey')).status).toBe(401);
    // A path a route serves, asked with another method: 405 for any key.
    expect((await send('POST', '/export/events', {}, keys.audit)).status).toBe(405);
    expect((await send('POST', '/export/events', {})).status).toBe(405);
    expect((await send('GET', '/export/events?format=csv', undefined, keys.audit)).status).toBe(200);
  });

  it('answers a path no route serves outside /api 404 for a key of any scope, not a 403 needing admin', async () => {
    // An integrator who left out /api/v1 (or put another prefix before it) is told the path is wrong.
    const outside = async (method: string, path: string, key: string | null) => {
      const body = method === 'GET' ? undefined : '{}';
      const headers = { ...(key === null ? {} : adminHeaders(key)), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
      const res = await fetch(`${server().url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      return { status: res.status, www: res.headers.get('www-authenticate'), body: await res.json() };
    };
    for (const key of [keys.ingest, keys.read, keys.audit, server().apiKey]) {
      for (const [method, path] of [['POST', '/events'], ['GET', '/foo'], ['POST', '/ringside/api/v1/milestones'], ['DELETE', '/first-paint']] as const) {
        expect(await outside(method, path, key), `${method} ${path}`).toMatchObject({
          status: 404,
          body: { type: 'https://ringside.dev/problems/not-found', detail: `no such resource: ${method} ${path}` },
        });
      }
    }
    // Without a valid key a method the static files do not take is refused as in the API; a GET is public there.
    expect(await outside('POST', '/events', null)).toMatchObject({ status: 401, www: 'Bearer realm="ringside"', body: { type: 'https://ringside.dev/problems/missing-key' } });
    expect((await outside('POST', '/events', 'rs_nosuchkey')).status).toBe(401);
    expect((await outside('GET', '/foo', null)).status).toBe(404);
    // The one route outside /api that needs a scope still refuses a key without it.
    expect(await outside('GET', '/first-paint', keys.ingest)).toMatchObject({ status: 403, body: { type: 'https://ringside.dev/problems/insufficient-scope' } });
  });
});
