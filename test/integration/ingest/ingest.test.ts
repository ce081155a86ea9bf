// POST /api/v1/events against a real server: single, batch, idempotent retries, id conflicts.
import { describe, expect, it } from 'vitest';
import type { IngestResponse } from '../../../server/src/protocol';
import { adminHeaders, call, useTestServer, visit } from '../support/testServer';

const server = useTestServer();

describe('POST /api/v1/events', () => {
  it('stores a single call, derives rings from seconds and returns its judgement', async () => {
    const res = await server().postEvents(call({ id: 'single-1', answerSeconds: 6, rings: undefined, queue: 'sales', agent: 'ana', handleSeconds: 240.5 }));
    expect(res.status).toBe(201);
    const body = res.body as IngestResponse;
    expect(body.results).toHaveLength(1);
    const [result] = body.results;
    expect(result).toMatchObject({ id: 'single-1', duplicate: false });
    expect(result!.seq).toBeGreaterThan(0);
    expect(result!.event).toMatchObject({ rings: 2, answerSeconds: 6, derived: ['rings'], queue: 'sales', agent: 'ana', site: 'downtown', handleSeconds: 240.5 });
    expect(result!.judgements).toEqual([
      { standardId: 'call-answer-2-rings', standardVersion: 1, measure: 'rings', value: 2, threshold: 2, met: true, counted: true, reason: null },
    ]);
  });

  it('stores a batch in order, one result per event, with increasing seq', async () => {
    const res = await server().postEvents({
      events: [
        call({ rings: 3 }),
        call({ outcome: 'abandoned', answerSeconds: 2, rings: undefined }),
        visit({ greetSeconds: 31 }),
        visit({ outcome: 'left', greetSeconds: 10 }),
        visit({ greetSeconds: 12 }),
      ],
    });
    expect(res.status).toBe(201);
    const results = (res.body as IngestResponse).results;
    expect(results.map((r) => r.judgements.map((j) => [j.standardId, j.met, j.reason]))).toEqual([
      [['call-answer-2-rings', false, null]],
      [['call-answer-2-rings', false, 'abandoned']],
      [['visit-greet-30s', false, null]],
      [['visit-greet-30s', false, 'left']],
      [['visit-greet-30s', true, null]],
    ]);
    const seqs = results.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(results.map((r) => r.id)).size).toBe(5); // server-generated ids when none given
    expect(results[0]!.event).toMatchObject({ rings: 3, answerSeconds: 12, derived: ['answerSeconds'] });
  });

  it('answers a retry with the same id and content with the original result (200, duplicate)', async () => {
    const event = call({ id: 'retry-1', rings: 2, occurredAt: '2026-11-20T10:00:00+01:00' });
    const first = await server().postEvents(event);
    const again = await server().postEvents({ ...event }); // same content, keys in the same order
    const reordered = await server().postEvents(Object.fromEntries(Object.entries(event).reverse()));
    expect(first.status).toBe(201);
    for (const retry of [again, reordered]) {
      expect(retry.status).toBe(200);
      const [r] = (retry.body as IngestResponse).results;
      const [f] = (first.body as IngestResponse).results;
      expect(r).toEqual({ ...f, duplicate: true });
    }
  });

  it('answers 201 to a batch mixing a retry and a new event', async () => {
    await server().postEvents(call({ id: 'mix-1', occurredAt: '2026-11-20T10:00:00Z' }));
    const res = await server().postEvents({ events: [call({ id: 'mix-1', occurredAt: '2026-11-20T10:00:00Z' }), call({ id: 'mix-2' })] });
    expect(res.status).toBe(201);
    expect((res.body as IngestResponse).results.map((r) => [r.id, r.duplicate])).toEqual([
      ['mix-1', true],
      ['mix-2', false],
    ]);
  });

  it('refuses an id reused for different content with 409, and stores nothing from that batch', async () => {
    await server().postEvents(call({ id: 'conflict-1', rings: 1, occurredAt: '2026-11-20T10:00:00Z' }));
    const res = await server().postEvents({
      events: [call({ id: 'conflict-new', occurredAt: '2026-11-20T10:00:00Z' }), call({ id: 'conflict-1', rings: 4, occurredAt: '2026-11-20T10:00:00Z' })],
    });
    expect(res.status).toBe(409);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, title: 'Event id already used', errors: [{ path: 'events.1.id' }] });
    expect(res.body.errors[0].message).toMatch(/conflict-1/);
    // The conflicting event was stored earlier: the message names it by its seq.
    const stored = (await server().postEvents(call({ id: 'conflict-1', rings: 1, occurredAt: '2026-11-20T10:00:00Z' }))).body.results[0].seq;
    expect(res.body.errors[0].message).toBe(`id "conflict-1" was already used for a different event (seq ${stored}): rings differs`);
    // The first event of the refused batch was rolled back: posting it now creates it.
    const later = await server().postEvents(call({ id: 'conflict-new', occurredAt: '2026-11-20T10:00:00Z' }));
    expect(later.status).toBe(201);
  });

  it('treats the same id twice in one batch like a retry (same content) or a conflict (different)', async () => {
    const same = await server().postEvents({ events: [visit({ id: 'twice', occurredAt: '2026-11-20T10:00:00Z' }), visit({ id: 'twice', occurredAt: '2026-11-20T10:00:00Z' })] });
    expect(same.status).toBe(201);
    expect((same.body as IngestResponse).results.map((r) => r.duplicate)).toEqual([false, true]);
    const different = await server().postEvents({ events: [visit({ id: 'twice-b', greetSeconds: 1 }), visit({ id: 'twice-b', greetSeconds: 2 })] });
    expect(different.status).toBe(409);
    expect(different.body.errors[0].path).toBe('events.1.id');
  });

  it('names both items of a batch that uses one id for two different events, and no seq (nothing was kept)', async () => {
    const res = await server().postEvents({
      events: [visit({ id: 'in-batch', greetSeconds: 1, occurredAt: '2026-11-20T10:00:00Z' }), visit({ id: 'other-1' }), call({ id: 'other-2' }), visit({ id: 'in-batch', greetSeconds: 2, occurredAt: '2026-11-20T10:00:00Z' })],
    });
    expect(res.status).toBe(409);
    const message = 'events.0.id and events.3.id are the same id ("in-batch") with different content: greetSeconds differs (events.0 1, events.3 2)';
    expect(res.body.errors).toEqual([{ path: 'events.3.id', message }]);
    expect(res.body.detail).toBe(`${message}; nothing from this request was stored`);
    // Nothing was stored: each event of the refused batch can be posted now.
    const again = await server().postEvents({ events: [visit({ id: 'in-batch', greetSeconds: 2, occurredAt: '2026-11-20T10:00:00Z' }), visit({ id: 'other-1' })] });
    expect(again.status).toBe(201);
    expect(again.body.results.map((r: any) => r.duplicate)).toEqual([false, false]);
  });

  it('accepts application/*+json and a charset parameter', async () => {
    const res = await fetch(`${server().url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ringside+json; charset=utf-8', ...adminHeaders() },
      body: JSON.stringify(call()),
    });
    expect(res.status).toBe(201);
  });
});
