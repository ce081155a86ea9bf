// An amendment that would leave an event exactly as it stands (its fields, what was measured and what derived, its
// judgements), and a void of an event void already, record nothing: no correction, no audit-log entry, no chain link.
// Each answers 200 with the event as it stands and `changed: false`, so an integration that retries a correction it
// already made gets the same state back.
// Whatever a correction answers, it gives each judgement as every other answer does: met and counted as booleans, the
// fields in the order of POST /events' judgements, also when read back from a chained record (which keeps 1/0 with its
// keys sorted, and is not changed by this).
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, chainHead, useTestServer, visit } from '../support/testServer';

const server = useTestServer();

beforeAll(async () => {
  expect((await server().postEvents({ events: [call({ id: 'c1', rings: 3 }), visit({ id: 'v1', greetSeconds: 40 })] })).status).toBe(201);
});

const amend = async (id: string, changes: Record<string, unknown>) => {
  const res = await fetch(`${server().url}/api/v1/events/${id}/amend`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'checked against the PBX log', changes }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

const headSeq = async (): Promise<number> => (await chainHead(server())).seq;

const amendmentsLogged = async (): Promise<unknown[]> => {
  const { body } = await server().getJson('/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json');
  return (body as { rows: Array<{ action: string; target: string }> }).rows.filter((r) => r.action === 'event.amend').map((r) => r.target);
};

describe('an amendment that changes nothing', () => {
  it('records no correction, audit entry or link, and answers 200 with the event as it stands', async () => {
    const head = await headSeq();
    const same = await amend('c1', { outcome: 'answered', rings: 3 });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ changed: false, seq: null, at: null, eventId: 'c1', action: 'amend', fields: { outcome: 'answered', rings: 3, derived: ['answerSeconds'] } });
    expect(same.body.judgements['call-answer-2-rings']).toMatchObject({ met: false, counted: true, value: 3 });
    expect(same.body.previous).toEqual(same.body.judgements);
    const sameVisit = await amend('v1', { greetSeconds: 40, outcome: 'greeted' });
    expect(sameVisit.status).toBe(200);
    expect(sameVisit.body).toMatchObject({ changed: false, fields: { greetSeconds: 40 } });
    expect(await headSeq()).toBe(head);
    expect(await amendmentsLogged()).toEqual([]);
  });

  it('a retried amendment is recorded once: the retry answers 200, changed false, with the state the first left', async () => {
    const first = await amend('c1', { rings: 2 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ changed: true, eventId: 'c1', fields: { rings: 2 } });
    const head = await headSeq();
    const retry = await amend('c1', { rings: 2 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ changed: false, seq: null, fields: first.body.fields, judgements: first.body.judgements });
    expect(await headSeq()).toBe(head);
    expect(await amendmentsLogged()).toEqual(['c1']);
  });

  it('making a derived value measured is a change, even at the value it was derived as', async () => {
    const before = await amend('c1', { rings: 2 });
    const derivedAnswer = before.body.fields.answerSeconds as number;
    expect(before.body.fields.derived).toEqual(['answerSeconds']);
    const measured = await amend('c1', { answerSeconds: derivedAnswer });
    expect(measured.status).toBe(201);
    expect(measured.body).toMatchObject({ changed: true, fields: { rings: 2, answerSeconds: derivedAnswer, derived: [] } });
    expect(await amendmentsLogged()).toEqual(['c1', 'c1']);
  });
});

describe('a void of an event void already', () => {
  const correct = async (id: string, action: 'amend' | 'void', body: Record<string, unknown>) => {
    const res = await fetch(`${server().url}/api/v1/events/${id}/${action}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const voidsLogged = async (): Promise<unknown[]> => {
    const { body } = await server().getJson('/api/v1/export/audit-log?from=2000-01-01T00:00:00Z&format=json');
    return (body as { rows: Array<{ action: string; target: string }> }).rows.filter((r) => r.action === 'event.void').map((r) => r.target);
  };

  it('is recorded once: a retry whose first answer was lost gets 200, changed false, the event as it stands (void)', async () => {
    expect((await server().postEvents({ events: [call({ id: 'x1', rings: 1 })] })).status).toBe(201);
    const first = await correct('x1', 'void', { reason: 'test call' });
    expect(first.status).toBe(201);
    const head = await headSeq();
    for (const reason of ['test call', 'a test call, as said']) {
      const retry = await correct('x1', 'void', { reason });
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ changed: false, seq: null, at: null, eventId: 'x1', action: 'void', judgements: {}, previous: {}, fields: first.body.fields });
    }
    expect(await headSeq()).toBe(head);
    expect(await voidsLogged()).toEqual(['x1']);
    const standing = (await server().getJson('/api/v1/events/x1')).body as { standing: { void: boolean; corrections: number } };
    expect(standing.standing).toMatchObject({ void: true, corrections: 1 });
  });

  it('cannot be amended: 409 naming id, a void is final', async () => {
    const head = await headSeq();
    const amended = await correct('x1', 'amend', { reason: 'rang twice', changes: { rings: 2 } });
    expect(amended.status).toBe(409);
    expect(amended.body).toMatchObject({ errors: [{ path: 'id', message: 'the event with id "x1" is void; a void is final, so it cannot be amended' }] });
    expect(await headSeq()).toBe(head);
  });
});

describe("a correction's answer", () => {
  const correct = async (id: string, action: 'amend' | 'void', body: Record<string, unknown>) => {
    const res = await fetch(`${server().url}/api/v1/events/${id}/${action}`, { method: 'POST', headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'checked against the PBX log', ...body }) });
    return { status: res.status, body: (await res.json()) as { judgements: Record<string, object>; previous: Record<string, object> } };
  };

  it('gives every judgement, in force or previous, in the fields and order of every other answer', async () => {
    const posted = await server().postEvents({ events: [call({ id: 'k1', rings: 3 })] });
    const { standardId, ...ingested } = posted.body.results[0].judgements[0];
    const order = Object.keys(ingested);
    const shapeOf = (j: object) => [Object.keys(j), Object.values(j).filter((v) => typeof v === 'boolean').length];
    const amended = await correct('k1', 'amend', { changes: { rings: 1 } });
    const again = await correct('k1', 'amend', { changes: { rings: 1 } });
    const voided = await correct('k1', 'void', {});
    expect([amended.status, again.status, voided.status]).toEqual([201, 200, 201]);
    // The unchanged amendment's and the void's previous are the state the first amendment chained, read back.
    const answered = [amended.body.judgements, amended.body.previous, again.body.judgements, again.body.previous, voided.body.previous].map((js) => js[standardId]!);
    expect(answered.map(shapeOf)).toEqual(answered.map(() => [order, 2]));
    expect(voided.body.previous[standardId]).toEqual({ ...ingested, value: 1, met: true });
  });
});
