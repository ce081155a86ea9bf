// POST /api/v1/integrations/asterisk/queue-log on a real server: queue_log lines as Asterisk writes them become
// open call clocks (listed and pushed live) and finished calls with Asterisk's own waits; lines of one call may
// come in different requests, a re-post changes nothing, a malformed line refuses the whole request. And
// Asterisk's SL and SL2, computed from a generated log the way app_queue counts, equal Ringside's F2 and F1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asteriskCounters, sl, sl2 } from '../../support/asteriskCounters';
import { generateQueueLog, midCallCuts, splitIntoFiles } from '../../support/queueLogGenerator';
import { clockUpdates, connected, postJson, recentEvent, snapshotOf, type LiveClient } from '../clocks/support';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, useTestServer, type TestServer } from '../support/testServer';

const T = 1_772_438_400; // 2026-03-02T08:00:00Z, epoch seconds as queue_log writes them

async function postQueueLog(server: TestServer, text: string, query = 'site=hq', contentType = 'text/plain'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/integrations/asterisk/queue-log?${query}`, { method: 'POST', headers: { 'content-type': contentType, ...adminHeaders(server.apiKey) }, body: text });
  return { status: res.status, body: await res.json() };
}

const log = (...lines: string[]) => lines.map((l) => `${l}\n`).join('');
/** The open call clocks once the server has looked at what was just stored (it reads the cases after the commit). */
async function openCaseIds(server: TestServer): Promise<string[]> {
  await server.testApi.clocksIdle();
  return ((await server.getJson('/api/v1/clocks?type=call')).body.clocks as Array<{ caseId: string }>).map((c) => c.caseId);
}

describe('Asterisk queue_log over HTTP', () => {
  const clock = testClock(T * 1000 + 10_000);
  const server = useTestServer({ clock });
  let client: LiveClient;
  beforeAll(async () => {
    client = (await connected(server())).client;
  });
  afterAll(async () => {
    client.close();
  });

  it('shows a waiting call as an open clock, live; its end in a later request closes it; a re-post changes nothing', async () => {
    const updates = clockUpdates(client);
    const first = log(
      `${T}|NONE|NONE|NONE|QUEUESTART|`,
      `${T + 1}|1772438401.11|support|NONE|ENTERQUEUE||+49301234567|1`,
      `${T + 2}|1772438402.12|support|NONE|ENTERQUEUE||+49301234568|2`,
      `${T + 5}|1772438401.11|support|PJSIP/1001|CONNECT|4|1772438405.3|1`,
      `${T + 8}|1772438402.12|support|PJSIP/1002|RINGNOANSWER|6000`,
    );
    const answer = await postQueueLog(server(), first);
    expect(answer).toEqual({
      status: 200,
      body: { lines: 5, answered: 1, abandoned: 0, withdrawn: 0, unmeasured: { count: 0, caseIds: [] }, handleTimes: 0, openClocks: 1, lateStarts: 0, ignored: { QUEUESTART: 1, RINGNOANSWER: 1 }, late: { count: 0, caseIds: [] }, stored: { new: 3, duplicates: 0 } },
    });
    expect(await openCaseIds(server())).toEqual(['1772438402.12@support']);
    await updates.until((u) => u.changed.some((c) => c.caseId === '1772438402.12@support'));
    expect(await recentEvent(server(), 'aq:1772438401.11@support:CONNECT')).toMatchObject({
      event: { type: 'call', site: 'hq', outcome: 'answered', answerSeconds: 4, agent: 'PJSIP/1001', queue: 'support', occurredAt: '2026-03-02T08:00:05.000Z' },
    });

    await clock.skipTo((T + 40) * 1000);
    const second = log(`${T + 40}|1772438402.12|support|NONE|ABANDON|2|2|38`);
    expect((await postQueueLog(server(), second)).body).toMatchObject({ lines: 1, abandoned: 1, openClocks: 0, stored: { new: 1, duplicates: 0 } });
    expect(await openCaseIds(server())).toEqual([]);
    await updates.until((u) => u.closed.some((c) => c.caseId === '1772438402.12@support'));
    expect(await recentEvent(server(), 'aq:1772438402.12@support:ABANDON')).toMatchObject({ event: { outcome: 'abandoned', answerSeconds: 38 } });

    const before = (await snapshotOf(server())).recent.length;
    expect((await postQueueLog(server(), first)).body.stored).toEqual({ new: 0, duplicates: 3 });
    expect((await postQueueLog(server(), first + second)).body.stored).toEqual({ new: 0, duplicates: 4 });
    expect((await snapshotOf(server())).recent.length).toBe(before);
    expect(await openCaseIds(server())).toEqual([]);
  });

  it('closes a caller who left with a key (EXITWITHKEY) without judging or counting the call', async () => {
    await clock.skipTo((T + 100) * 1000);
    await postQueueLog(server(), log(`${T + 95}|1772438495.20|support|NONE|ENTERQUEUE||+49301234569|1`));
    expect(await openCaseIds(server())).toEqual(['1772438495.20@support']);
    expect((await postQueueLog(server(), log(`${T + 99}|1772438495.20|support|NONE|EXITWITHKEY|1|1|1|4`))).body).toMatchObject({ withdrawn: 1, answered: 0, abandoned: 0 });
    expect(await openCaseIds(server())).toEqual([]);
    expect((await snapshotOf(server())).recent.map((e) => e.event.id).filter((id) => id.includes('1772438495.20'))).toEqual([]);
  });

  it('takes an end that arrives before its start: the call counts once and no clock opens', async () => {
    await clock.skipTo((T + 200) * 1000);
    const end = log(`${T + 199}|1772438590.40|support|PJSIP/1001|CONNECT|9|1772438599.1|1`);
    expect((await postQueueLog(server(), end)).body).toMatchObject({ answered: 1, openClocks: 0, stored: { new: 1 } });
    expect((await postQueueLog(server(), log(`${T + 190}|1772438590.40|support|NONE|ENTERQUEUE||+49301234571|1`))).body).toMatchObject({ openClocks: 1, stored: { new: 1 } });
    expect(await openCaseIds(server())).toEqual([]);
    expect((await snapshotOf(server())).recent.map((e) => e.event.id).filter((id) => id.includes('1772438590.40'))).toEqual(['aq:1772438590.40@support:CONNECT']);
  });

  it('closes a call whose wait went negative (the PBX clock stepped back) unjudged, says so, and stores the lines after it', async () => {
    await clock.skipTo((T + 300) * 1000);
    await postQueueLog(server(), log(`${T + 300}|1772438700.50|support|NONE|ENTERQUEUE||+49301234572|1`));
    expect(await openCaseIds(server())).toEqual(['1772438700.50@support']);
    // The clock stepped back 30 s while the caller waited 20 s: app_queue writes a holdtime of -10.
    await clock.skipTo((T + 320) * 1000);
    const answer = await postQueueLog(
      server(),
      log(
        `${T + 290}|1772438700.50|support|PJSIP/1001|CONNECT|-10|1772438710.1|1`,
        `${T + 291}|1772438711.51|support|NONE|ENTERQUEUE||+49301234573|1`,
        `${T + 296}|1772438711.51|support|PJSIP/1002|CONNECT|5|1772438716.1|1`,
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ lines: 3, answered: 1, withdrawn: 0, unmeasured: { count: 1, caseIds: ['1772438700.50@support'] }, openClocks: 0, stored: { new: 2, duplicates: 0 } });
    expect(await openCaseIds(server())).toEqual([]);
    const ids = () => snapshotOf(server()).then((s) => s.recent.map((e) => e.event.id).filter((id) => id.includes('17724387')));
    expect(await ids()).toEqual(['aq:1772438711.51@support:CONNECT']);
    // Its end, with the same holdtime and the talk time, minutes later: no handle time, nothing refused.
    await clock.skipTo((T + 400) * 1000);
    const end = await postQueueLog(server(), log(`${T + 380}|1772438700.50|support|PJSIP/1001|COMPLETECALLER|-10|90|1`));
    expect(end).toMatchObject({ status: 200, body: { handleTimes: 0, unmeasured: { count: 0 }, ignored: { COMPLETECALLER: 1 } } });
    expect(await ids()).toEqual(['aq:1772438711.51@support:CONNECT']);
  });

  it('refuses a malformed line with its line number and stores nothing from that request', async () => {
    const enter = `${T + 100}|1772438500.30|support|NONE|ENTERQUEUE||+49301234570|1`;
    const answer = await postQueueLog(server(), log(enter, '', `${T + 101}|1772438500.30|support|Ann|CONNECT|soon|x|1`));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ title: 'Invalid queue_log', errors: [{ path: 'line 3 data1 (holdtime)', message: 'must be whole seconds, got "soon"' }] });
    expect(answer.body.detail).toContain('nothing from this request was stored');
    const cut = await postQueueLog(server(), log(enter, `${T + 102}|oops`, `x|1772438500.30|support|Ann|CONNECT|1|x|1`));
    expect(cut.body.errors).toEqual([
      { path: 'line 2', message: 'has 2 fields; a queue_log line has at least 5 (epoch|callid|queuename|agent|event|…)' },
      { path: 'line 3 epoch', message: 'must be whole seconds since 1970, got "x"' },
    ]);
    expect(await openCaseIds(server())).toEqual([]);
  });

  it('refuses an end whose holdtime is no whole seconds (COMPLETEAGENT|soon|40|1), naming the line and field, and stores nothing', async () => {
    const call = '1772438520.40';
    const lines = [`${T + 120}|${call}|support|NONE|ENTERQUEUE||+49301234571|1`, `${T + 123}|${call}|support|Ann|CONNECT|3|x|1`];
    const answer = await postQueueLog(server(), log(...lines, `${T + 163}|${call}|support|Ann|COMPLETEAGENT|soon|40|1`));
    expect(answer).toMatchObject({
      status: 400,
      body: { type: expect.stringMatching(/\/invalid-queue-log$/), errors: [{ path: 'line 3 data1 (holdtime)', message: 'must be whole seconds, got "soon"' }] },
    });
    expect(answer.body.detail).toMatch(/^line 3: data1 \(holdtime\) must be whole seconds, got "soon"; nothing from this request was stored/);
    const transfer = await postQueueLog(server(), log(...lines, `${T + 163}|${call}|support|Ann|BLINDTRANSFER|200|default|3.5|40|1`));
    expect(transfer.body.errors).toEqual([{ path: 'line 3 data3 (holdtime)', message: 'must be whole seconds, got "3.5"' }]);
    expect(await openCaseIds(server())).not.toContain(`${call}@support`);
    expect(await recentEvent(server(), `aq:${call}@support:CONNECT`)).toBeUndefined();
  });

  it('counts in openClocks only the waiting calls it opened a clock for, not a start too old to run one', async () => {
    // One call waiting since long before the live window (a backlog), one since just now: both still waiting.
    const now = Math.floor(clock.now() / 1000);
    const old = `${now - 3 * 3600}|1772438000.61|support|NONE|ENTERQUEUE||+49301234581|1`;
    const fresh = `${now - 5}|1772438405.62|support|NONE|ENTERQUEUE||+49301234582|1`;
    const answer = await postQueueLog(server(), log(old, fresh));
    expect(answer.body).toMatchObject({ lines: 2, openClocks: 1, lateStarts: 1 });
    expect(await openCaseIds(server())).toContain('1772438405.62@support');
    expect(await openCaseIds(server())).not.toContain('1772438000.61@support');
  });

  it('lists the first 50 problems by line and says how many more the body has', async () => {
    // 40 lines that do not split and 20 whose value is wrong, interleaved: the first 50 by line, whichever kind.
    const lines = Array.from({ length: 60 }, (_, i) => (i % 3 === 2 ? `${T + i}|c${i}.1|support|Ann|CONNECT|soon|x|1` : `${T + i}|oops`));
    const answer = await postQueueLog(server(), log(...lines));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(50);
    expect(answer.body.errors.map((e: { path: string }) => Number(/^line (\d+)/.exec(e.path)![1]))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(answer.body.detail).toContain('; and 10 more problems (the first 50 by line are listed)');
    expect(answer.body.moreProblems).toBe(10);
    expect(answer.body.detail).toContain('nothing from this request was stored');
  });

  it('answers a body that is not queue_log text with a problem naming what to send', async () => {
    expect(await postQueueLog(server(), '{}', 'site=hq', 'application/json')).toMatchObject({ status: 415, body: { detail: 'send queue_log lines as text/plain (got application/json)' } });
    expect(await postQueueLog(server(), log(`${T}|a|q|NONE|ENTERQUEUE||1|1`), '')).toMatchObject({ status: 400, body: { errors: [{ path: 'site' }] } });
    // Blank lines are skipped, so a body of only those has nothing in it: refused, saying so rather than "is empty".
    for (const blank of ['\n\n', '\r\n \n\t\n']) {
      expect(await postQueueLog(server(), blank)).toMatchObject({ status: 400, body: { detail: '(body) has no lines but blank ones: send queue_log lines as text/plain', errors: [{ path: '(body)', message: 'has no lines but blank ones' }] } });
    }
  });

  it('refuses the records of a site a strict server does not know, each named by its line, the field set off', async () => {
    const strict = await startTestServer({ clock: testClock(T * 1000 + 10_000), rejectUnknownSites: true });
    try {
      const answer = await postQueueLog(strict, log(`${T}|1772438400.10|support|NONE|ENTERQUEUE||+49301234570|1`), 'site=nowhere');
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toBe(
        'line 1 (aq:1772438400.10@support:ENTERQUEUE): site: unknown site "nowhere"; this server refuses unknown sites (configure it in the standards file or POST /api/v1/sites); nothing from this request was stored',
      );
    } finally {
      await strict.close();
      removeDir(strict.dataDir);
    }
  });
});

describe("Asterisk's SL and SL2 equal Ringside's F2 and F1 for the same threshold", () => {
  const generated = generateQueueLog({ seed: 12, calls: 160, withdrawals: true, overflowQueue: 'overflow' });
  const lastEpoch = Number(generated.lines.at(-1)!.split('|')[0]);
  const server = useTestServer({ clock: testClock(lastEpoch * 1000 + 60_000) });

  it('counts the same calls in and out of the service level, with the log posted as rotated files cut mid-call', async () => {
    for (const threshold of [15, 30]) {
      for (const formula of ['F2', 'F1']) {
        const standard = { id: `support-${formula}-${threshold}`, name: `Support ${formula} ${threshold} s`, eventType: 'call', measure: 'answerSeconds', operator: '<=', threshold, target: 0.8, formula, countOutsideHours: true, scope: { queues: ['support'] } };
        expect((await postJson(server(), '/api/v1/standards', standard)).status).toBe(201);
      }
    }
    const answers: Array<{ status: number; body: any }> = [];
    for (const file of splitIntoFiles(generated.lines, midCallCuts(generated.lines, 3, 5))) answers.push(await postQueueLog(server(), file));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    // Posted after the fact, no start is shown as a running clock; every line is still read and counted.
    const total = (name: string) => answers.reduce((n, a) => n + (a.body[name] as number), 0);
    expect(total('lateStarts')).toBe(generated.lines.filter((l) => l.includes('|ENTERQUEUE|')).length);
    expect(total('handleTimes')).toBe(generated.lines.filter((l) => /\|(COMPLETE(AGENT|CALLER)|TRANSFER|BLINDTRANSFER|ATTENDEDTRANSFER)\|/.test(l)).length);

    const range = `from=${new Date(T * 1000).toISOString()}&to=${new Date((lastEpoch + 1) * 1000).toISOString()}&site=hq`;
    const report = (await server().getJson(`/api/v1/compliance?${range}`)).body as { standards: Array<{ standardId: string; numerator: number; denominator: number; ratio: number }> };
    const figure = (id: string) => report.standards.find((s) => s.standardId === id)!;
    for (const threshold of [15, 30]) {
      const c = asteriskCounters(generated.text, 'support', threshold);
      expect(c.completed).toBeGreaterThan(30);
      expect(c.abandoned).toBeGreaterThan(5);
      expect(figure(`support-F2-${threshold}`)).toMatchObject({ numerator: c.completedInSl, denominator: c.completed, ratio: sl(c) });
      expect(figure(`support-F1-${threshold}`)).toMatchObject({ numerator: c.completedInSl + c.abandonedInSl, denominator: c.completed + c.abandoned, ratio: sl2(c) });
    }
  });
});
