// An event posted with a caseId closes that case as its finished event, counted at its own occurredAt: one that does
// not begin when the case's stored start says (within 1 s) is refused (409 case-start-mismatch naming occurredAt,
// the stored start and its milestone), the whole request with it, and the case stays open. The integrations that
// date a call at the end of its wait (Asterisk) are held to the same start: their end less their wait.
import { describe, expect, it } from 'vitest';
import { adminHeaders, chainHead, useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-12-05T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const CALLS = 'call-answer-2-rings'; // ≤ 2 rings at 6 s a ring: a miss from 12 s on

const server = useTestServer({ clock: testClock(T0) });
const head = () => chainHead(server());
const openCaseIds = async () => {
  await server().testApi.clocksIdle();
  return ((await server().getJson('/api/v1/clocks?type=call')).body.clocks as Array<{ caseId: string }>).map((c) => c.caseId);
};
const started = async (caseId: string, atMs: number) => {
  const res = await postMilestones(server(), callMilestone(caseId, 'started', atMs, { site: 'ms' }));
  expect(res.status).toBe(201);
  return res.body.results[0] as { id: string; seq: number };
};
const closing = (caseId: string, occurredAtMs: number, extra: Record<string, unknown> = {}) => ({
  id: `ev-${caseId}`, type: 'call', site: 'ms', caseId, occurredAt: iso(occurredAtMs), outcome: 'answered', answerSeconds: 4, ...extra,
});

describe('an event closing a case, against the case’s stored start', () => {
  it('refuses an event dated days before the case started (409 naming occurredAt and the stored start), stores nothing, keeps the case open; the right date closes it', async () => {
    const start = await started('k3', T0 - 20_000);
    const before = await head();
    const misdated = await server().postEvents(closing('k3', Date.parse('2026-12-01T10:00:00Z')));
    const message =
      `is 2026-12-01T10:00:00.000Z, but call "k3" at "ms" started at 2026-12-05T09:59:40.000Z (its "started" milestone "${start.id}", stored as seq ${start.seq}): ` +
      'the event that closes a case must begin when the case started (within 1 s)';
    expect(misdated).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-start-mismatch$/), title: 'Event does not begin when its case started', errors: [{ path: 'occurredAt', message }] } });
    expect(misdated.body.detail).toBe(`${message}; nothing from this request was stored`);
    expect(await head()).toEqual(before);
    expect(await openCaseIds()).toEqual(['k3']);

    // Dated at the start (to the whole second, as many sources write it): closes the case, judged by its own measure
    // (ring 1, met): the miss recorded at the deadline was what the server knew then, and gives way to it.
    const right = await server().postEvents(closing('k3', T0 - 20_000 + 600));
    expect(right.status).toBe(201);
    expect(right.body.results[0].judgements).toEqual([{ standardId: CALLS, standardVersion: 1, measure: 'rings', value: 1, threshold: 2, met: true, counted: true, reason: null }]);
    expect(await openCaseIds()).toEqual([]);
  });

  it('keeps the miss recorded at the deadline when the closing event bears it out (answered after the deadline)', async () => {
    await started('k6', T0 - 30_000);
    const late = await server().postEvents(closing('k6', T0 - 30_000, { answerSeconds: 20 }));
    expect(late.status).toBe(201);
    expect(late.body.results[0].judgements).toEqual([{ standardId: CALLS, standardVersion: 1, measure: 'rings', value: 4, threshold: 2, met: false, counted: true, reason: 'deadline' }]);
  });

  it('takes a start up to 1 s away, and refuses one further', async () => {
    await started('k4', T0 - 30_000);
    expect((await server().postEvents(closing('k4', T0 - 31_500))).body.errors).toEqual([{ path: 'occurredAt', message: expect.stringMatching(/^is 2026-12-05T09:59:28\.500Z, but call "k4" at "ms" started at 2026-12-05T09:59:30\.000Z /) }]);
    expect((await server().postEvents(closing('k4', T0 - 29_000))).status).toBe(201);
  });

  it('refuses the whole batch with the misdated event, naming its index; nothing of it is stored', async () => {
    await started('k5', T0 - 10_000);
    const before = await head();
    const batch = { events: [{ id: 'plain-1', type: 'call', site: 'ms', occurredAt: iso(T0 - 5_000), outcome: 'answered', answerSeconds: 3 }, closing('k5', T0 - 86_400_000)] };
    const refused = await server().postEvents(batch);
    expect(refused).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/case-start-mismatch$/), errors: [{ path: 'events.1.occurredAt', message: expect.stringMatching(/^is 2026-12-04T10:00:00\.000Z, but call "k5"/) }] } });
    expect(await head()).toEqual(before);
    expect(await recentEvent(server(), 'plain-1')).toBeUndefined();
    expect(await openCaseIds()).toEqual(['k5']);
  });

  it('holds a queue_log end to its case’s start through its wait: the end less the wait', async () => {
    const T = Math.floor(T0 / 1000) - 50;
    const queueLog = async (...lines: string[]) => {
      const res = await fetch(`${server().url}/api/v1/integrations/asterisk/queue-log?site=ms`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server().apiKey) }, body: lines.map((l) => `${l}\n`).join('') });
      return { status: res.status, body: await res.json() };
    };
    expect((await queueLog(`${T}|1772700000.1|support|NONE|ENTERQUEUE||+49301234567|1`)).status).toBe(200);
    const before = await head();
    // Ended at T+50 after a 4 s wait: it began at T+46, not at the case's T.
    const misdated = await queueLog(`${T + 50}|1772700000.1|support|PJSIP/1001|CONNECT|4|1772700050.3|1`);
    expect(misdated).toMatchObject({ status: 409, body: { type: expect.stringMatching(/\/record-conflict$/) } });
    expect(misdated.body.errors).toEqual([{ path: 'line 1 (aq:1772700000.1@support:CONNECT): occurredAt', message: expect.stringMatching(/^is 2026-12-05T10:00:00\.000Z, the end of a 4 s wait that began at 2026-12-05T09:59:56\.000Z, but call "1772700000\.1@support" at "ms" started at 2026-12-05T09:59:10\.000Z /) }]);
    expect(await head()).toEqual(before);
    expect((await queueLog(`${T + 4}|1772700000.1|support|PJSIP/1001|CONNECT|4|1772700004.3|1`)).body).toMatchObject({ answered: 1, stored: { new: 1 } });
    expect(await openCaseIds()).not.toContain('1772700000.1@support');
  });
});
