// Asterisk handle times and late ends on a real server. The calltime of a call's end line (COMPLETEAGENT,
// COMPLETECALLER, the transfers) reaches the staffing forecast as that call's handling time even when its CONNECT
// was stored in an earlier request; an end whose call's clock had already expired is skipped and counted in the
// 200 answer, so the rest of the request (and the forwarder behind it) goes on.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateQueueLog } from '../../support/queueLogGenerator';
import { postJson, recentEvent } from '../clocks/support';
import { testClock } from '../support/testClock';
import { adminHeaders, useTestServer, type TestServer } from '../support/testServer';

const T = 1_772_438_400; // 2026-03-02T08:00:00Z
const END_LINE = /\|(COMPLETEAGENT|COMPLETECALLER|TRANSFER|BLINDTRANSFER|ATTENDEDTRANSFER)\|/;

async function postQueueLog(server: TestServer, text: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/integrations/asterisk/queue-log?site=hq`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server.apiKey) }, body: text });
  return { status: res.status, body: await res.json() };
}

const body = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

async function openCaseIds(server: TestServer): Promise<string[]> {
  await server.testApi.clocksIdle();
  return ((await server.getJson('/api/v1/clocks?type=call')).body.clocks as Array<{ caseId: string }>).map((c) => c.caseId);
}

/** The mean handling time the forecast observed per UTC hour of the day (hours without one left out). */
async function observedHandle(server: TestServer): Promise<Record<string, number>> {
  const res = await server.getJson('/api/v1/staffing/forecast?site=hq&standard=call-answer-2-rings&date=2026-03-02');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const hours = res.body.hours as Array<{ hour: string; observed: { handleSeconds: number | null } | null }>;
  return Object.fromEntries(hours.flatMap((h) => (h.observed?.handleSeconds == null ? [] : [[h.hour, h.observed.handleSeconds]])));
}

describe('Asterisk handle times', () => {
  // Legacy and modern transfers, and a newer Asterisk's extra trailing fields on the COMPLETE lines.
  const logs = [generateQueueLog({ seed: 31, calls: 90, overflowQueue: 'overflow', extraFields: true }), generateQueueLog({ seed: 32, calls: 60, startEpoch: T + 4 * 3600, transfers: 'legacy' })];
  const lines = logs.flatMap((l) => l.lines);
  const lastEpoch = Math.max(...lines.map((l) => Number(l.split('|')[0])));
  const server = useTestServer({ clock: testClock(lastEpoch * 1000 + 60_000) });
  beforeAll(async () => {
    expect((await postJson(server(), '/api/v1/sites', { id: 'hq', name: 'HQ', timeZone: 'UTC', ringCycleSeconds: 6 })).status).toBe(201);
  });

  it("reaches the forecast as each answered call's handling time when the end comes in a later request than the CONNECT", async () => {
    // The truth, from the generator's own record of each stay: the talk time of every answered stay, by the UTC
    // hour of its CONNECT line (the call's event is dated by it).
    const connectEpoch = new Map(lines.filter((l) => l.includes('|CONNECT|')).map((l) => {
      const [epoch, callId, queue] = l.split('|');
      return [`${callId}@${queue}`, Number(epoch)];
    }));
    const byHour = new Map<string, number[]>();
    for (const stay of logs.flatMap((l) => l.stays)) {
      if (stay.talkSeconds === undefined) continue;
      const hour = `${String(new Date(connectEpoch.get(`${stay.callId}@${stay.queue}`)! * 1000).getUTCHours()).padStart(2, '0')}:00`;
      byHour.set(hour, [...(byHour.get(hour) ?? []), stay.talkSeconds]);
    }
    const expected = Object.fromEntries([...byHour].map(([hour, talks]) => [hour, talks.reduce((a, b) => a + b, 0) / talks.length]));
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(2);

    const ends = lines.filter((l) => END_LINE.test(l));
    expect(ends.some((l) => l.includes('|TRANSFER|')) && ends.some((l) => l.includes('|ATTENDEDTRANSFER|')) && ends.some((l) => l.includes('|COMPLETEAGENT|'))).toBe(true);
    expect((await postQueueLog(server(), body(lines.filter((l) => !END_LINE.test(l))))).status).toBe(200);
    expect(await observedHandle(server())).toEqual({});

    const half = Math.floor(ends.length / 2);
    const answers = [await postQueueLog(server(), body(ends.slice(0, half))), await postQueueLog(server(), body(ends.slice(half)))];
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.body.handleTimes + answers[1]!.body.handleTimes).toBe(ends.length);
    const observed = await observedHandle(server());
    expect(Object.keys(observed).sort()).toEqual(Object.keys(expected).sort());
    for (const [hour, mean] of Object.entries(expected)) expect(observed[hour], hour).toBeCloseTo(mean, 9);

    // Posting the ends again is a duplicate; a call's event is what its CONNECT made of it.
    expect((await postQueueLog(server(), body(ends))).body.stored).toEqual({ new: 0, duplicates: ends.length });
    const [, callId, queue] = lines.findLast((l) => l.includes('|CONNECT|'))!.split('|');
    expect((await recentEvent(server(), `aq:${callId}@${queue}:CONNECT`))?.event).toMatchObject({ outcome: 'answered', handleSeconds: null });
  });
});

describe('an end that arrives after its call expired', () => {
  const clock = testClock(T * 1000 + 1_000);
  const server = useTestServer({ clock });

  it('is skipped and counted as late; the rest of the request is stored and a re-post is still taken', async () => {
    expect((await postQueueLog(server(), body([`${T}|1772438400.1|support|NONE|ENTERQUEUE||+4930111|1`]))).status).toBe(200);
    expect(await openCaseIds(server())).toEqual(['1772438400.1@support']);
    // A call's clock expires two hours after it started (docs/api.md): the expiry closes it as abandoned.
    await clock.skipTo((T + 2 * 3600 + 10) * 1000);
    // The expiry's write reaches the open clocks after its commit (on PostgreSQL a turn later): polled.
    await expect.poll(() => openCaseIds(server())).toEqual([]);
    expect((await recentEvent(server(), 'case:call:hq:1772438400.1@support'))?.event).toMatchObject({ outcome: 'abandoned' });

    const late = body([
      `${T + 7205}|1772438400.1|support|PJSIP/1001|CONNECT|7205|1772445605.2|1`,
      `${T + 7206}|1772445606.3|support|NONE|ENTERQUEUE||+4930222|1`,
      `${T + 7209}|1772445606.3|support|PJSIP/1002|CONNECT|3|1772445609.4|1`,
      `${T + 7210}|1772438400.1|support|PJSIP/1001|COMPLETEAGENT|7205|5|1`,
    ]);
    const answer = await postQueueLog(server(), late);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ answered: 2, handleTimes: 1, late: { count: 1, caseIds: ['1772438400.1@support'] }, stored: { new: 3, duplicates: 0 } });
    expect(await recentEvent(server(), 'aq:1772438400.1@support:CONNECT')).toBeUndefined();
    expect((await recentEvent(server(), 'aq:1772445606.3@support:CONNECT'))?.event).toMatchObject({ outcome: 'answered', answerSeconds: 3 });
    // The expired call counts once, as its expiry made it; the answered one once.
    const report = (await server().getJson(`/api/v1/compliance?site=hq&from=${new Date(T * 1000).toISOString()}&to=${new Date((T + 7300) * 1000).toISOString()}`)).body;
    expect(report.standards.find((s: any) => s.standardId === 'call-answer-2-rings')).toMatchObject({ companions: { considered: 2, abandoned: 1 } });

    const again = await postQueueLog(server(), late);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ late: { count: 1 }, stored: { new: 0, duplicates: 3 } });
  });

  it('is still refused on POST /events, where a caller posts one event and can be told', async () => {
    await postQueueLog(server(), body([`${T + 7300}|1772445700.5|support|NONE|ENTERQUEUE||+4930333|1`]));
    await clock.skipTo((T + 7300 + 2 * 3600 + 10) * 1000);
    await expect.poll(() => openCaseIds(server())).toEqual([]);
    const res = await server().postEvents({ type: 'call', site: 'hq', caseId: '1772445700.5@support', occurredAt: new Date((T + 7400) * 1000).toISOString(), outcome: 'answered', answerSeconds: 100 });
    expect(res.status).toBe(409);
  });
});
