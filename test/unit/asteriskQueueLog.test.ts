import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapQueueLog, parseQueueLog, QueueLogError, type QueueLogMapping } from '../../server/src/integrations/asterisk/queueLog';
import { generateQueueLog } from '../support/queueLogGenerator';

const SITE = 'hq';
const T0 = 1_772_438_400; // 2026-03-02T08:00:00Z
const iso = (epoch: number) => new Date(epoch * 1000).toISOString();

function errorOf(text: string): QueueLogError {
  try {
    mapQueueLog(text, SITE);
  } catch (e) {
    if (e instanceof QueueLogError) return e;
    throw e;
  }
  throw new Error('expected a QueueLogError');
}

describe('Asterisk queue_log mapping, one call at a time', () => {
  it('starts the clock at ENTERQUEUE and answers it at CONNECT with the holdtime Asterisk measured', () => {
    const text = [
      `${T0}|1772438400.7|support|NONE|ENTERQUEUE||+493012345|1`,
      `${T0 + 15}|1772438400.7|support|PJSIP/1001|RINGNOANSWER|15000`,
      `${T0 + 18}|1772438400.7|support|Alice Example|CONNECT|17|1772438418.9|3`,
      `${T0 + 200}|1772438400.7|support|Alice Example|COMPLETECALLER|17|182|1`,
    ].join('\n');
    const mapped = mapQueueLog(text, SITE);
    expect(mapped.milestones).toEqual([
      { type: 'call', site: SITE, caseId: '1772438400.7@support', milestone: 'started', at: iso(T0), queue: 'support', id: 'aq:1772438400.7@support:ENTERQUEUE' },
      // answerSeconds is data1 (17), not the 18 s between the two lines: Asterisk judges its SL on holdtime.
      { type: 'call', site: SITE, caseId: '1772438400.7@support', milestone: 'answered', at: iso(T0 + 18), queue: 'support', agent: 'Alice Example', answerSeconds: 17, id: 'aq:1772438400.7@support:CONNECT' },
    ]);
    expect(mapped.handleTimes).toEqual([
      { type: 'call', site: SITE, caseId: '1772438400.7@support', at: iso(T0 + 200), handleSeconds: 182, agent: 'Alice Example', queue: 'support', id: 'aq:1772438400.7@support:COMPLETECALLER' },
    ]);
    expect(mapped.summary).toEqual({ lines: 4, answered: 1, abandoned: 0, withdrawn: 0, unmeasured: { count: 0, caseIds: [] }, handleTimes: 1, openClocks: 0, openCaseIds: [], ignored: { RINGNOANSWER: 1 } });
  });

  it.each(['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY'])('ends the clock as abandoned at %s with the waittime field (data3)', (event) => {
    const mapped = mapQueueLog(`${T0}|c1|sales|NONE|ENTERQUEUE||+4930|1\n${T0 + 42}|c1|sales|NONE|${event}|2|1|41`, SITE);
    expect(mapped.milestones[1]).toEqual({ type: 'call', site: SITE, caseId: 'c1@sales', milestone: 'abandoned', at: iso(T0 + 42), queue: 'sales', answerSeconds: 41, id: `aq:c1@sales:${event}` });
    expect(mapped.summary).toMatchObject({ answered: 0, abandoned: 1, openClocks: 0 });
  });

  it('counts WITHDRAW (QueueWithdrawCaller) as abandoned, as app_queue does, and SYSCOMPAT without a wait of its own', () => {
    const mapped = mapQueueLog(`${T0}|c1|sales|NONE|WITHDRAW|1|1|30|moved to callback\n${T0 + 5}|c2|sales|Bob|SYSCOMPAT|`, SITE);
    expect(mapped.milestones.map((m) => [m.caseId, m.milestone, m.answerSeconds])).toEqual([
      ['c1@sales', 'abandoned', 30],
      ['c2@sales', 'abandoned', undefined],
    ]);
  });

  it('stops the clock of a caller who left with a key (EXITWITHKEY) without an outcome: Asterisk counts it nowhere', () => {
    const mapped = mapQueueLog(`${T0}|c1|sales|NONE|ENTERQUEUE||+4930|1\n${T0 + 9}|c1|sales|NONE|EXITWITHKEY|5|1|1|9`, SITE);
    expect(mapped.milestones.map((m) => m.milestone)).toEqual(['started']);
    expect(mapped.withdrawals).toEqual([{ type: 'call', site: SITE, caseId: 'c1@sales', at: iso(T0 + 9), id: 'aq:c1@sales:EXITWITHKEY', reason: 'EXITWITHKEY', queue: 'sales' }]);
    expect(mapped.summary).toMatchObject({ withdrawn: 1, openClocks: 0, ignored: {} });
  });

  it('ignores every other event and counts it by name', () => {
    const text = [
      `${T0}|NONE|NONE|NONE|QUEUESTART|`,
      `${T0}|NONE|NONE|NONE|CONFIGRELOAD|`,
      `${T0 + 1}|c1|support|PJSIP/1001|RINGNOANSWER|15000`,
      `${T0 + 2}|c1|support|PJSIP/1002|RINGNOANSWER|14800`,
      `${T0 + 6}|NONE|support|Alice|PAUSE|`,
    ].join('\n');
    const mapped = mapQueueLog(text, SITE);
    expect(mapped.milestones).toEqual([]);
    expect(mapped.summary).toEqual({
      lines: 5,
      answered: 0,
      abandoned: 0,
      withdrawn: 0,
      unmeasured: { count: 0, caseIds: [] },
      handleTimes: 0,
      openClocks: 0,
      openCaseIds: [],
      ignored: { QUEUESTART: 1, CONFIGRELOAD: 1, RINGNOANSWER: 2, PAUSE: 1 },
    });
  });

  it("reads the calltime of every way an answered call ends, where app_queue writes it", () => {
    const text = [
      `${T0 + 63}|c1|support|Alice|TRANSFER|2000|from-internal|3|60`,
      `${T0 + 64}|c2|support|Alice|BLINDTRANSFER|2000|from-internal|3|61|1`,
      `${T0 + 65}|c3|support|Alice|ATTENDEDTRANSFER|BRIDGE|b1|3|62|1`,
      `${T0 + 66}|c4|support|Alice|ATTENDEDTRANSFER|LINK|PJSIP/1001-01|PJSIP/2000-02|3|63|1`,
      `${T0 + 67}|c5|support|Alice|COMPLETEAGENT|3|64|1`,
      `${T0 + 68}|c6|support|Alice|COMPLETECALLER|3|65|1|extra`,
    ].join('\n');
    const mapped = mapQueueLog(text, SITE);
    expect(mapped.handleTimes.map((h) => [h.caseId, h.handleSeconds, h.at])).toEqual([
      ['c1@support', 60, iso(T0 + 63)],
      ['c2@support', 61, iso(T0 + 64)],
      ['c3@support', 62, iso(T0 + 65)],
      ['c4@support', 63, iso(T0 + 66)],
      ['c5@support', 64, iso(T0 + 67)],
      ['c6@support', 65, iso(T0 + 68)],
    ]);
    expect(mapped.summary).toMatchObject({ handleTimes: 6, ignored: {} });
  });

  it('keeps a call that overflows to a second queue as two cases, one per queue, as Asterisk counts it', () => {
    const text = [`${T0}|c1|support|NONE|ENTERQUEUE||+4930|1`, `${T0 + 120}|c1|support|NONE|EXITWITHTIMEOUT|1|1|120`, `${T0 + 120}|c1|overflow|NONE|ENTERQUEUE||+4930|1`, `${T0 + 130}|c1|overflow|Bob|CONNECT|10|x.1|2`].join('\n');
    const mapped = mapQueueLog(text, SITE);
    expect(mapped.milestones.map((m) => [m.caseId, m.milestone, m.answerSeconds])).toEqual([
      ['c1@support', 'started', undefined],
      ['c1@support', 'abandoned', 120],
      ['c1@overflow', 'started', undefined],
      ['c1@overflow', 'answered', 10],
    ]);
    expect(new Set(mapped.milestones.map((m) => m.id)).size).toBe(4);
  });

  it('counts clocks left open: calls that entered in this input and did not end in it', () => {
    const text = [`${T0}|a|q|NONE|ENTERQUEUE||1|1`, `${T0}|b|q|NONE|ENTERQUEUE||1|1`, `${T0 + 4}|b|q|Ann|CONNECT|4|x|1`, `${T0 + 5}|c|q|Ann|CONNECT|9|x|1`].join('\n');
    expect(mapQueueLog(text, SITE).summary).toMatchObject({ lines: 4, answered: 2, openClocks: 1 });
  });

  it('closes a call whose wait went negative (the clock stepped back) unjudged, as a withdrawal, neither judged met on a 0 s it never measured nor refused', () => {
    const text = [
      `${T0}|c1|q|NONE|ENTERQUEUE||+4930|1`,
      `${T0 - 2}|c1|q|Ann|CONNECT|-2|x|1`,
      `${T0}|c2|q|NONE|ABANDON|1|1|-7`,
      `${T0}|c3|q|NONE|EXITWITHTIMEOUT|1|1|-0`,
      `${T0 + 60}|c1|q|Ann|COMPLETEAGENT|-2|62|1`,
      `${T0 + 60}|c4|q|Ann|COMPLETECALLER|3|-1|1`,
      `${T0 + 60}|c5|q|Ann|ATTENDEDTRANSFER|BRIDGE|b1|-4|30|1`,
    ].join('\n');
    const mapped = mapQueueLog(text, SITE);
    // "-0" is 0 s, measured.
    expect(mapped.milestones.map((m) => [m.caseId, m.milestone, m.answerSeconds])).toEqual([
      ['c1@q', 'started', undefined],
      ['c3@q', 'abandoned', 0],
    ]);
    expect(mapped.withdrawals.map((w) => [w.caseId, w.reason, w.at])).toEqual([
      ['c1@q', 'CONNECT', iso(T0 - 2)],
      ['c2@q', 'ABANDON', iso(T0)],
    ]);
    // A negative calltime, or a negative holdtime before it (the answer would be dated before the start), stores no handle time.
    expect(mapped.handleTimes).toEqual([]);
    expect(mapped.summary).toMatchObject({ answered: 0, abandoned: 1, withdrawn: 0, unmeasured: { count: 2, caseIds: ['c1@q', 'c2@q'] }, handleTimes: 0, openClocks: 0, ignored: { COMPLETEAGENT: 1, COMPLETECALLER: 1, ATTENDEDTRANSFER: 1 } });
  });

  it('still refuses a wait that is no whole seconds, negative or not', () => {
    for (const line of [`${T0}|c|q|Ann|CONNECT|-soon|x|1`, `${T0}|c|q|NONE|ABANDON|1|1|-1e3`, `${T0}|c|q|Ann|COMPLETEAGENT|3|1e3|1`, `${T0}|c|q|Ann|COMPLETEAGENT|-soon|40|1`]) {
      expect(errorOf(line).problems).toEqual([expect.objectContaining({ line: 1, field: expect.stringMatching(/^data[123] \((holdtime|waittime|calltime)\)$/), message: expect.stringMatching(/^must be whole seconds, got "/) })]);
    }
  });
});

describe('queue_log text', () => {
  it('accepts CRLF line ends, blank lines, a missing final newline and fields newer versions append', () => {
    const text = `\r\n${T0}|c1|q|NONE|ENTERQUEUE||+4930|1|Caller Name\r\n\r\n   \n${T0 + 3}|c1|q|Ann|CONNECT|3|x|1|extra|more\r\n`;
    const mapped = mapQueueLog(text, SITE);
    expect(mapped.summary.lines).toBe(2);
    expect(mapped.milestones.map((m) => [m.milestone, m.answerSeconds, m.agent])).toEqual([
      ['started', undefined, undefined],
      ['answered', 3, 'Ann'],
    ]);
  });

  it('keeps every field by position, the data fields after the event', () => {
    expect(parseQueueLog(`${T0}|c1|q|NONE|ENTERQUEUE|url|+4930|1`)).toEqual([{ lineNumber: 1, epoch: T0, callId: 'c1', queue: 'q', agent: 'NONE', event: 'ENTERQUEUE', data: ['url', '+4930', '1'] }]);
  });

  it.each([
    ['a line with too few fields', `${T0}|c1|q|NONE`, 'line 2: has 4 fields; a queue_log line has at least 5'],
    ['an epoch that is not whole seconds', `1772438400.5|c1|q|NONE|ENTERQUEUE||1|1`, 'line 2: epoch must be whole seconds since 1970, got "1772438400.5"'],
    ['an epoch in milliseconds', `1772438400000|c1|q|NONE|ENTERQUEUE||1|1`, 'line 2: epoch must be seconds since 1970, not milliseconds: got "1772438400000" (as milliseconds 2026-03-02T08:00:00.000Z)'],
    ['an epoch beyond the year 9999', `99999999999999999999|c1|q|NONE|ENTERQUEUE||1|1`, 'line 2: epoch must be at most 253402300799 (9999-12-31T23:59:59Z), got "99999999999999999999"'],
    ['an empty event', `${T0}|c1|q|NONE||x`, 'line 2: event must not be empty'],
    ['CONNECT without its holdtime', `${T0}|c1|q|Ann|CONNECT`, 'line 2: data1 (holdtime) is missing: CONNECT carries it in data1'],
    ['a holdtime that is not a number', `${T0}|c1|q|Ann|CONNECT|soon|x|1`, 'line 2: data1 (holdtime) must be whole seconds, got "soon"'],
    ['an abandon without its waittime', `${T0}|c1|q|NONE|ABANDON|1|1`, 'line 2: data3 (waittime) is missing: ABANDON carries it in data3'],
    ['a handle time that is not a number', `${T0}|c1|q|Ann|COMPLETEAGENT|3|x|1`, 'line 2: data2 (calltime) must be whole seconds, got "x"'],
    ['a holdtime on an end that is not a number', `${T0}|c1|q|Ann|COMPLETEAGENT|soon|40|1`, 'line 2: data1 (holdtime) must be whole seconds, got "soon"'],
    ['a holdtime on a transfer that is not a number', `${T0}|c1|q|Ann|TRANSFER|200|default|1e3|40|1`, 'line 2: data3 (holdtime) must be whole seconds, got "1e3"'],
    ['a holdtime on an attended transfer that is not a number', `${T0}|c1|q|Ann|ATTENDEDTRANSFER|BRIDGE|b1|x|40|1`, 'line 2: data3 (holdtime) must be whole seconds, got "x"'],
    ['a wait longer than a day', `${T0}|c1|q|Ann|CONNECT|90000|x|1`, 'line 2: data1 (holdtime) must be at most 86400 (one day), got 90000'],
    ['a call without a callid', `${T0}|NONE|q|NONE|ENTERQUEUE||1|1`, 'line 2: callid must name the call for ENTERQUEUE, got "NONE"'],
    ['a call without a queue', `${T0}|c1|NONE|NONE|ENTERQUEUE||1|1`, 'line 2: queuename must name the queue for ENTERQUEUE, got "NONE"'],
  ])('refuses %s, naming its line, and maps nothing', (_, bad, message) => {
    const error = errorOf(`${T0}|c0|q|NONE|ENTERQUEUE||1|1\n${bad}\n${T0 + 1}|c0|q|Ann|CONNECT|1|x|1`);
    expect(error.problems).toHaveLength(1);
    expect(error.message.slice(0, message.length)).toBe(message);
  });

  it('names every problem of the body in one answer, lines that do not split and wrong data fields alike', () => {
    const error = errorOf(['garbage', `${T0}|c1|q|NONE|ENTERQUEUE||1|1`, `${T0}|c1|q|Ann|CONNECT|x|y|1`, 'more garbage'].join('\n'));
    expect(error.problems.map((p) => [p.line, p.field])).toEqual([
      [1, undefined],
      [3, 'data1 (holdtime)'],
      [4, undefined],
    ]);
    const second = errorOf([`${T0}|c1|q|NONE|ENTERQUEUE||1|1`, `${T0}|c1|q|Ann|CONNECT|x|y|1`, `${T0}|c2|q|NONE|ABANDON|1|1|z`].join('\n'));
    expect(second.problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'data1 (holdtime)'],
      [3, 'data3 (waittime)'],
    ]);
  });

  it('names the first 50 problems by line when there are more, whichever kind they are', () => {
    const lines = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? `${T0}|c${i}|q|Ann|CONNECT|x|y|1` : `garbage ${i}`));
    const error = errorOf(lines.join('\n'));
    expect(error.problems.map((p) => p.line)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('refuses a case id longer than the contract allows', () => {
    expect(errorOf(`${T0}|${'9'.repeat(100)}|${'q'.repeat(30)}|NONE|ENTERQUEUE||1|1`).message).toMatch(/^line 1: callid and queuename together must be at most 114 characters/);
  });
});

describe('lines of one call in different requests', () => {
  const all = (parts: QueueLogMapping[]) => ({
    milestones: parts.flatMap((p) => p.milestones),
    handleTimes: parts.flatMap((p) => p.handleTimes),
    withdrawals: parts.flatMap((p) => p.withdrawals),
  });

  it('property: however a file is split into requests, the parts map to exactly what the whole maps to', () => {
    const log = generateQueueLog({ seed: 7, calls: 60, overflowQueue: 'overflow', withdrawals: true });
    const whole = mapQueueLog(log.text, SITE);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: log.lines.length - 1 }), { maxLength: 8 }), (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), log.lines.length];
        const parts = bounds.slice(0, -1).map((from, i) => mapQueueLog(log.lines.slice(from, bounds[i + 1]).join('\n'), SITE));
        expect(all(parts)).toEqual(all([whole]));
      }),
    );
  });

  it('gives every milestone, handle time and withdrawal a distinct id, so re-posting a line is a pure duplicate', () => {
    const log = generateQueueLog({ seed: 11, calls: 200, overflowQueue: 'overflow', withdrawals: true });
    const whole = all([mapQueueLog(log.text, SITE)]);
    const ids = [...whole.milestones, ...whole.handleTimes, ...whole.withdrawals].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Posting an overlapping window again yields the same records, field for field.
    const again = all([mapQueueLog(log.lines.slice(100, 300).join('\n'), SITE)]);
    const byId = new Map(whole.milestones.map((m) => [m.id, m]));
    for (const m of again.milestones) expect(m).toEqual(byId.get(m.id));
  });
});
