// A 409 for an id (or a milestone's pairing key) reused with other content names each field that differs: an
// integrator whose "retry" was refused sees whether a value changed or the same instant was written another way, on
// both stores. A stored content's values are not shown; its differing fields only to a key that may read the stored
// record (scope read, and its site among a site-limited key's), as they would otherwise answer field by field whether
// a guess is the stored value. Two items of one request are shown with both values.
import { describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones } from '../clocks/support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const server = useTestServer({ clock: testClock(T0) });

describe('409 answers name what differs', () => {
  it('an event id stored before: each differing field, a field left out too, and none of the stored values', async () => {
    const first = call({ id: 'diff-1', occurredAt: '2026-06-01T09:00:00+00:00', answerSeconds: 9, rings: undefined, agent: 'ana' });
    expect((await server().postEvents(first)).status).toBe(201);
    const res = await server().postEvents({ ...first, occurredAt: '2026-06-01T09:00:00Z', answerSeconds: 10, queue: 'support' });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{
      path: 'id',
      message: expect.stringMatching(/^id "diff-1" was already used for a different event \(seq \d+\): answerSeconds, occurredAt, queue differ$/),
    }]);
  });

  it('one id twice in a batch: the field, labelled by the two items', async () => {
    const res = await server().postEvents({ events: [visit({ id: 'diff-2', occurredAt: '2026-06-01T09:00:00Z', greetSeconds: 1 }), visit({ id: 'diff-2', occurredAt: '2026-06-01T09:00:00Z', greetSeconds: 2 })] });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{ path: 'events.1.id', message: 'events.0.id and events.1.id are the same id ("diff-2") with different content: greetSeconds differs (events.0 1, events.1 2)' }]);
  });

  it('a milestone posted again with another agent, and a milestone id used for another milestone', async () => {
    expect((await postMilestones(server(), callMilestone('d1', 'started', T0 - 5000, { id: 'ms-d1' }))).status).toBe(201);
    const key = await postMilestones(server(), callMilestone('d1', 'started', T0 - 5000, { id: 'ms-d1', agent: 'bo' }));
    expect(key.status).toBe(409);
    expect(key.body.errors).toEqual([{ path: 'milestone', message: expect.stringMatching(/^call "d1" at "north" already has a different "started" milestone \(seq \d+\): agent differs; a milestone is posted once$/) }]);
    const id = await postMilestones(server(), callMilestone('d2', 'started', T0 - 5000, { id: 'ms-d1' }));
    expect(id.status).toBe(409);
    expect(id.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "ms-d1" was already used for a different milestone \(seq \d+\): caseId differs$/) }]);
  });

  it('one milestone twice in a request: the field, labelled by the two items', async () => {
    const res = await postMilestones(server(), { milestones: [callMilestone('d3', 'started', T0 - 5000), callMilestone('d3', 'started', T0 - 4000)] });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{
      path: 'milestones.1.milestone',
      message: 'milestones.0 and milestones.1 are the same milestone of one case with different content: at differs (milestones.0 "2026-06-01T09:59:55.000Z", milestones.1 "2026-06-01T09:59:56.000Z")',
    }]);
  });
});

describe('the differing fields of a stored record only to a key that may read it', () => {
  let made = 0;
  const keyOf = async (scopes: string[], sites?: string[]): Promise<string> => {
    const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify({ name: `key ${(made += 1)}`, scopes, ...(sites ? { sites } : {}) }) });
    const body = (await res.json()) as { key: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.key;
  };
  const postEventsAs = async (key: string, body: unknown) => {
    const res = await fetch(`${server().url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { detail: string; errors: Array<{ path: string; message: string }> } };
  };

  it('an event id stored at downtown: no fields to an ingest-only key, nor to one limited to other sites; the fields to a read+ingest key', async () => {
    const stored = call({ id: 'probe-1', occurredAt: '2026-06-01T09:00:00Z', answerSeconds: 9, rings: undefined, agent: 'ana' });
    expect((await server().postEvents(stored)).status).toBe(201);
    const guess = { ...stored, answerSeconds: 10 };
    const fieldless = /^id "probe-1" was already used for a different event \(seq \d+\)$/;
    const ingestOnly = await postEventsAs(await keyOf(['ingest']), guess);
    expect(ingestOnly.status).toBe(409);
    expect(ingestOnly.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(fieldless) }]);
    expect(ingestOnly.body.detail).not.toMatch(/answerSeconds/);
    const elsewhere = await postEventsAs(await keyOf(['ingest'], ['north', 'harbour']), { ...guess, site: 'north' });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(fieldless) }]);
    const reader = await postEventsAs(await keyOf(['read', 'ingest']), guess);
    expect(reader.status).toBe(409);
    expect(reader.body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "probe-1" was already used for a different event \(seq \d+\): answerSeconds differs$/) }]);
  });

  it('a milestone id and pairing key: no fields to an ingest-only key, the fields to a read+ingest key', async () => {
    expect((await postMilestones(server(), callMilestone('p1', 'started', T0 - 5000, { id: 'ms-p1' }))).status).toBe(201);
    const ingestOnly = { url: server().url, apiKey: await keyOf(['ingest']) };
    const reader = { url: server().url, apiKey: await keyOf(['read', 'ingest']) };
    const sameKey = callMilestone('p1', 'started', T0 - 5000, { id: 'ms-p1', agent: 'bo' });
    const keyWords = (fields: string) => new RegExp(`^call "p1" at "north" already has a different "started" milestone \\(seq \\d+\\)${fields}; a milestone is posted once$`);
    expect((await postMilestones(ingestOnly, sameKey)).body.errors).toEqual([{ path: 'milestone', message: expect.stringMatching(keyWords('')) }]);
    expect((await postMilestones(reader, sameKey)).body.errors).toEqual([{ path: 'milestone', message: expect.stringMatching(keyWords(': agent differs')) }]);
    const otherCase = callMilestone('p2', 'started', T0 - 5000, { id: 'ms-p1' });
    expect((await postMilestones(ingestOnly, otherCase)).body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "ms-p1" was already used for a different milestone \(seq \d+\)$/) }]);
    expect((await postMilestones(reader, otherCase)).body.errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "ms-p1" was already used for a different milestone \(seq \d+\): caseId differs$/) }]);
  });
});

describe('the differing fields of a stored record on a server without keys', () => {
  const open = useTestServer({ clock: testClock(T0), noAuth: true });

  it('are named to every caller (--no-auth: every local client may read)', async () => {
    const stored = call({ id: 'open-1', occurredAt: '2026-06-01T09:00:00Z', answerSeconds: 9, rings: undefined });
    const post = (body: unknown) => fetch(`${open().url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(stored)).status).toBe(201);
    const res = await post({ ...stored, answerSeconds: 10 });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ path: 'id', message: expect.stringMatching(/^id "open-1" was already used for a different event \(seq \d+\): answerSeconds differs$/) }]);
  });
});
