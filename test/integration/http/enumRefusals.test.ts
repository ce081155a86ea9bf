// A value not among those a field or parameter accepts is refused in one wording, in a query or a body, by a schema
// or a route's own check: the values accepted, the value given, and the one it most likely mistypes, if any
// (protocol/issues.ts oneOfMessage, the wording POST /keys and the command line give a scope).
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';

const server = useTestServer();

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server().url}/api/v1${path}`, {
    method,
    headers: { ...adminHeaders(server().apiKey), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The status, problem type (its last segment) and errors of an answer. */
async function refusal(method: string, path: string, body?: unknown) {
  const res = await send(method, path, body);
  return [res.status, String(res.body.type).split('/').pop(), res.body.errors];
}

beforeAll(async () => {
  expect((await send('POST', '/events', call({ id: 'c1' }))).status).toBe(201);
});

describe('a value not among those accepted', () => {
  it('is named with its near miss in a query parameter, quoted as a body value is', async () => {
    expect(await refusal('GET', '/compliance?window=7dd')).toEqual([400, 'invalid-query', [{ path: 'window', message: 'must be one of 15m, 1h, today, 7d, 30d, month (got "7dd") (did you mean "7d"?)' }]]);
    expect(await refusal('GET', '/compliance?bucket=hours&groupBy=sight')).toEqual([
      400,
      'invalid-query',
      [
        { path: 'bucket', message: 'must be one of minute, hour, day (got "hours") (did you mean "hour"?)' },
        { path: 'groupBy', message: 'must be one of site, queue, agent (got "sight")' },
      ],
    ]);
    expect(await refusal('GET', '/incidents?state=opne')).toEqual([400, 'invalid-query', [{ path: 'state', message: 'must be one of open, recovered, all (got "opne") (did you mean "open"?)' }]]);
    expect(await refusal('GET', '/clocks?state=breachd')).toEqual([400, 'invalid-query', [{ path: 'state', message: 'must be one of open, at-risk, breached (got "breachd") (did you mean "breached"?)' }]]);
  });

  it('is named with its near miss in an export’s parameters, a list’s included', async () => {
    const [status, type, errors] = await refusal('GET', '/export/events?format=jsn&proof=chian&outcome=answered,abandonned');
    expect([status, type]).toEqual([400, 'invalid-query']);
    expect(errors).toEqual([
      { path: 'outcome', message: expect.stringMatching(/^must be one of .*abandoned.* \(got "abandonned"\) \(did you mean "abandoned"\?\)$/) },
      { path: 'format', message: expect.stringMatching(/^must be one of .*json.* \(got "jsn"\) \(did you mean "json"\?\)$/) },
      { path: 'proof', message: 'must be one of chain, none (got "chian") (did you mean "chain"?)' },
    ]);
  });

  it('is named with its near miss in a body, an event’s type and outcome and a correction’s alike', async () => {
    expect(await refusal('POST', '/events', call({ outcome: 'answerd' }))).toEqual([400, 'invalid-event', [{ path: 'outcome', message: 'must be one of answered, abandoned (got "answerd") (did you mean "answered"?)' }]]);
    expect(await refusal('POST', '/events', { events: [visit({ outcome: 'left' }), visit({ type: 'vist', outcome: 'grete' })] })).toEqual([
      400,
      'invalid-event',
      [{ path: 'events.1.type', message: 'must be one of call, visit (got "vist") (did you mean "visit"?)' }],
    ]);
    expect(await refusal('POST', '/events/c1/amend', { reason: 'typo', changes: { outcome: 'abandond' } })).toEqual([
      400,
      'invalid-body',
      [{ path: 'changes.outcome', message: 'must be one of answered, abandoned, greeted, left (got "abandond") (did you mean "abandoned"?)' }],
    ]);
  });

  it('is named with its near miss in a standard, its measure included', async () => {
    const standard = { id: 'calls-fast', name: 'Calls fast', eventType: 'call', measure: 'answerSecond', operator: '<=', threshold: 20, target: 0.8, formula: 'F1', windows: ['1h', '1hr'], clock: 'wal' };
    expect(await refusal('POST', '/standards', standard)).toEqual([
      400,
      'invalid-body',
      [
        { path: 'clock', message: 'must be one of wall, business (got "wal") (did you mean "wall"?)' },
        { path: 'windows.1', message: 'must be one of 15m, 1h, today, 7d, 30d, month (got "1hr") (did you mean "1h"?)' },
        { path: 'measure', message: 'is not a measure of a call: must be one of rings, answerSeconds (got "answerSecond") (did you mean "answerSeconds"?)' },
      ],
    ]);
  });

  it('names a wrong measure of any built-in type with the definition\'s other problems, in the one wording', async () => {
    // The definition's schema and the event type registry check a measure by one rule: a complaint's is named beside
    // a wrong operator as a call's is, not only once the operator is fixed.
    const complaint = { id: 'complaints-fast', name: 'Complaints fast', eventType: 'complaint', measure: 'acknowledgeSecond', operator: '=<', threshold: 3_600, target: 0.9 };
    const measure = { path: 'measure', message: 'is not a measure of a complaint: must be one of acknowledgeSeconds, resolveSeconds, followUpSeconds (got "acknowledgeSecond") (did you mean "acknowledgeSeconds"?)' };
    expect(await refusal('POST', '/standards', complaint)).toEqual([400, 'invalid-body', [{ path: 'operator', message: 'must be one of <=, <, >=, > (got "=<")' }, measure]]);
    expect(await refusal('POST', '/standards', { ...complaint, operator: '<=' })).toEqual([400, 'invalid-body', [measure]]);
  });
});

describe('an id or a parameter name not known', () => {
  it('is named with its near miss, after the list of those known, as a value is: a query parameter', async () => {
    expect(await refusal('GET', '/compliance?windw=7d')).toEqual([
      400,
      'invalid-query',
      [{ path: 'windw', message: 'is not a known parameter (known: standard, site, from, to, window, tz, bucket, groupBy) (did you mean "window"?)' }],
    ]);
  });

  it('is named with its near miss, after the list of those known: a standard id', async () => {
    expect(await refusal('GET', '/compliance?standard=call-answer-2-ring')).toEqual([
      400,
      'invalid-query',
      [{ path: 'standard', message: 'unknown standard "call-answer-2-ring" (known: call-answer-2-rings, visit-greet-30s) (did you mean "call-answer-2-rings"?)' }],
    ]);
  });

  it('is named without a suggestion when nothing known is near it', async () => {
    expect(await refusal('GET', '/compliance?colour=red&standard=nope')).toEqual([
      400,
      'invalid-query',
      [
        { path: 'colour', message: 'is not a known parameter (known: standard, site, from, to, window, tz, bucket, groupBy)' },
        { path: 'standard', message: 'unknown standard "nope" (known: call-answer-2-rings, visit-greet-30s)' },
      ],
    ]);
  });
});
