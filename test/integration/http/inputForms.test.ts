// How the API reads the forms integrations write, on a real server and store: null for an optional field of an event
// or milestone is the field left out (the same content, judgement and idempotency: a retry that differs only so is a
// duplicate), a key request names every problem in one answer (a site no key could write too), and an RFC 3339
// timestamp with lower-case "t" and "z" is taken and kept with upper-case ones.
import { describe, expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import { adminHeaders, chainHead, useTestServer } from '../support/testServer';

const NOW = Date.parse('2026-12-06T08:10:00Z');
const AT = '2026-12-06T08:00:00Z';

describe('API input forms', () => {
  const server = useTestServer({ clock: testClock(NOW) });

  async function send(method: string, path: string, body: unknown) {
    const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify(body) });
    const answer: any = await res.json();
    return { status: res.status, body: answer };
  }
  const call = (fields: Record<string, unknown>) => ({ type: 'call', site: 's9', occurredAt: AT, outcome: 'answered', rings: 1, ...fields });

  it('takes null for an optional field of an event as the field left out: a retry with or without it is a duplicate', async () => {
    const nulls = { handleSeconds: null, queue: null, agent: null, caseId: null };
    const first = await send('POST', '/events', call({ id: 'null-1', ...nulls }));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const head = await chainHead(server());
    const retry = await send('POST', '/events', call({ id: 'null-1' }));
    expect([retry.status, retry.body.results[0].duplicate]).toEqual([200, true]);
    expect(retry.body.results[0].event).toEqual(first.body.results[0].event);
    expect(retry.body.results[0].judgements).toEqual(first.body.results[0].judgements);
    // The other way round, and with a wait field given as null beside the one given: the same content as without it.
    expect((await send('POST', '/events', call({ id: 'null-2', answerSeconds: null }))).status).toBe(201);
    expect((await send('POST', '/events', call({ id: 'null-2', ...nulls, answerSeconds: null }))).body.results[0].duplicate).toBe(true);
    expect((await send('POST', '/events', call({ id: 'null-2' }))).body.results[0].duplicate).toBe(true);
    // The id given as null is no id: the server assigns one, as when it is left out.
    const noId = await send('POST', '/events', { type: 'visit', site: 's9', occurredAt: AT, outcome: 'greeted', greetSeconds: 4, id: null, agent: null, handleSeconds: null });
    expect([noId.status, noId.body.results[0].event.id]).toEqual([201, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect((await chainHead(server())).seq).toBeGreaterThan(head.seq);
    expect((await server().getJson('/api/v1/audit/verify')).body.intact).toBe(true);
  });

  it('still names a required field given as null, and a call whose waits are both null', async () => {
    const res = await send('POST', '/events', call({ site: null, rings: null, answerSeconds: null, queue: null }));
    expect([res.status, res.body.errors]).toEqual([
      400,
      [
        { path: 'site', message: 'must be text (got null)' },
        { path: 'rings', message: 'a call needs rings and/or answerSeconds' },
      ],
    ]);
    const milestone = await send('POST', '/milestones', { type: 'call', site: 's9', caseId: null, milestone: 'started', at: AT });
    expect([milestone.status, milestone.body.errors]).toEqual([400, [{ path: 'caseId', message: 'must be text (got null)' }]]);
  });

  it('takes null for an optional field of a milestone as the field left out', async () => {
    const started = { type: 'call', site: 's9', caseId: 'm-null', milestone: 'started', at: AT };
    const first = await send('POST', '/milestones', { ...started, agent: null, queue: null, id: null, handleSeconds: null });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const retry = await send('POST', '/milestones', started);
    expect([retry.status, retry.body.results[0].duplicate, retry.body.results[0].milestone]).toEqual([200, true, first.body.results[0].milestone]);
  });

  it('names every problem of a key request in one answer, a site no key could write among them', async () => {
    const res = await send('POST', '/keys', { name: 'bad', scopes: ['ingest', 'reed'], sites: ['a,b'], expiresAt: '2020-01-01T00:00:00Z', extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['expiresAt', 'extra', 'scopes.1', 'sites.0']);
    expect(res.body.errors).toContainEqual({ path: 'sites.0', message: expect.stringMatching(/^must not contain a comma: .* \(no site "a,b" is stored\)$/) });
    expect((await server().getJson('/api/v1/keys')).body.keys.map((k: { name: string }) => k.name)).not.toContain('bad');
  });

  it('takes lower-case "t" and "z" in a timestamp and keeps them upper-case: a retry so spelt is a duplicate, another offset is not', async () => {
    const lower = await send('POST', '/events', call({ id: 'tz-1', occurredAt: '2026-12-06t08:00:00.5z' }));
    expect([lower.status, lower.body.results[0].event.occurredAt]).toEqual([201, '2026-12-06T08:00:00.5Z']);
    expect((await send('POST', '/events', call({ id: 'tz-1', occurredAt: '2026-12-06T08:00:00.5Z' }))).body.results[0].duplicate).toBe(true);
    const offset = await send('POST', '/events', call({ id: 'tz-1', occurredAt: '2026-12-06T08:00:00.5+00:00' }));
    expect([offset.status, offset.body.type]).toEqual([409, expect.stringMatching(/\/id-conflict$/)]);
    const milestone = await send('POST', '/milestones', { type: 'call', site: 's9', caseId: 'tz-m', milestone: 'started', at: '2026-12-06t09:00:00+01:00' });
    expect([milestone.status, milestone.body.results[0].milestone.at]).toEqual([201, '2026-12-06T09:00:00+01:00']);
    const key = await send('POST', '/keys', { name: 'lower', scopes: ['read'], expiresAt: '2027-01-01t00:00:00z' });
    expect([key.status, key.body.expiresAt]).toEqual([201, '2027-01-01T00:00:00.000Z']);
    const compliance = await server().getJson(`/api/v1/compliance?from=2026-12-06t00:00:00z&to=2026-12-06t09:00:00z`);
    expect(compliance.status, JSON.stringify(compliance.body)).toBe(200);
    const standard = await send('POST', '/standards', { id: 'lower-t', name: 'Lower t', eventType: 'call', measure: 'rings', threshold: 3, target: 0.9, validFrom: '2026-12-07t00:00:00z' });
    expect([standard.status, standard.body.validFrom]).toEqual([201, '2026-12-07T00:00:00.000Z']);
  });
});
