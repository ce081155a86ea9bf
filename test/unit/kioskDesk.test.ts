// The kiosk's desk and outbox: taps become milestones with their own ids, the outbox is sent in order and settled
// only by the server's answer, a refused item is dropped without blocking the rest, and a refused key stops sending.
import { describe, expect, it } from 'vitest';
import { clockStateAt, countedByNone } from '../../server/src/protocol/pure';
import { arrive, EMPTY_DESK, finish, parseDesk, settled, tapWords, VISIT_MILESTONES, waitState, wireMilestones, type DeskState, type QueuedMilestone } from '../../webview/src/kiosk/desk';
import { Sender, type SendStatus } from '../../webview/src/kiosk/sender';

const T0 = Date.parse('2026-12-03T09:00:00Z');
const tap = (id: string, atMs: number) => ({ site: 'harbour', milestones: VISIT_MILESTONES, id, atMs });
const STANDARD = { standardId: 'visit-greet-30s', name: 'greet', atRiskSeconds: 24, deadlineSeconds: 30, clock: 'wall' as const, notCounted: [] };

describe('the desk', () => {
  it('queues arrived and greeted with their ids, numbers visitors, and settles only what the server answered', () => {
    let desk = arrive(EMPTY_DESK, { ...tap('m1', T0), caseId: 'c1', timeZone: 'UTC' });
    desk = arrive(desk, { ...tap('m2', T0 + 1000), caseId: 'c2', timeZone: 'UTC' });
    desk = finish(desk, 'c1', 'greeted', tap('m3', T0 + 5000));
    expect(desk.visitors).toEqual([{ caseId: 'c2', number: 2, arrivedAt: '2026-12-03T09:00:01.000Z' }]);
    expect(desk.outbox.map((m) => [m.id, m.caseId, m.milestone])).toEqual([['m1', 'c1', 'arrived'], ['m2', 'c2', 'arrived'], ['m3', 'c1', 'greeted']]);
    expect(finish(desk, 'c1', 'left', tap('m4', T0))).toBe(desk); // already gone: nothing queued twice
    expect(settled(desk, ['m1', 'm3']).outbox.map((m) => m.id)).toEqual(['m2']);
    expect(parseDesk(JSON.stringify(desk))).toEqual(desk);
    expect(parseDesk('{"visitors": 1}')).toEqual(EMPTY_DESK);
  });

  it('names a refused tap by its visitor, as the desk knows them, and posts the milestones without that number', () => {
    let desk = arrive(EMPTY_DESK, { ...tap('m1', T0), caseId: 'c1', timeZone: 'UTC' });
    desk = arrive(desk, { ...tap('m2', T0 + 1000), caseId: 'c2', timeZone: 'UTC' });
    desk = finish(desk, 'c2', 'greeted', tap('m3', T0 + 5000));
    desk = finish(desk, 'c1', 'left', tap('m4', T0 + 6000));
    expect(desk.outbox.map((m) => tapWords(m, VISIT_MILESTONES))).toEqual(["Visitor 1's arrival", "Visitor 2's arrival", "Visitor 2's greeting", "Visitor 1's leaving"]);
    // What the server is sent is the milestone alone: its schema refuses a field it does not know.
    expect(wireMilestones(desk.outbox)[2]).toEqual({ id: 'm3', type: 'visit', site: 'harbour', caseId: 'c2', milestone: 'greeted', at: '2026-12-03T09:00:05.000Z' });
    // A tap saved before the tablet kept the numbers is named by its milestone and case, as before.
    const { visitor: _v, ...older } = desk.outbox[2]!;
    expect(tapWords(older, VISIT_MILESTONES)).toBe('one entry (greeted of c2)');
    // A custom visit type's own milestone names.
    const custom = { type: 'walk-in', arrived: 'checked-in', greeted: 'seen', left: 'walked-out' };
    expect(tapWords({ ...desk.outbox[2]!, milestone: 'seen' }, custom)).toBe("Visitor 2's greeting");
  });

  it('turns a wait amber at 80 % of the threshold and red past it', () => {
    const visitor = { caseId: 'c', number: 1, arrivedAt: new Date(T0).toISOString() };
    expect(waitState(visitor, [STANDARD], T0 + 23_999)).toBe('running');
    expect(waitState(visitor, [STANDARD], T0 + 24_000)).toBe('at-risk');
    expect(waitState(visitor, [STANDARD], T0 + 30_000)).toBe('at-risk');
    expect(waitState(visitor, [STANDARD], T0 + 30_001)).toBe('breached');
    expect(waitState(visitor, [], T0 + 99_000)).toBe('running');
  });

  it('times a visitor by the threshold in force at their arrival, as the server times their case, after the standard changed', () => {
    // Arrived under 30 s; the kiosk then learns the standard is 45 s. The server keeps the case's deadline at 30 s
    // (the version in force when it started; the dashboard's at-risk list says "Visits ≤ 30 s"): so does the kiosk.
    const desk = arrive(EMPTY_DESK, { ...tap('m1', T0), caseId: 'c1', timeZone: 'UTC', standards: [STANDARD] });
    const changed = { ...STANDARD, atRiskSeconds: 36, deadlineSeconds: 45 };
    const saved = parseDesk(JSON.stringify(desk)).visitors[0]!; // kept across a reload too
    expect(waitState(saved, [changed], T0 + 24_000)).toBe('at-risk');
    expect(waitState(saved, [changed], T0 + 30_001)).toBe('breached');
    // A visitor arriving after the change is timed by it.
    const later = arrive(desk, { ...tap('m2', T0 + 60_000), caseId: 'c2', timeZone: 'UTC', standards: [changed] }).visitors[1]!;
    expect(waitState(later, [changed], T0 + 60_000 + 30_001)).toBe('running');
    expect(waitState(later, [changed], T0 + 60_000 + 45_001)).toBe('breached');
  });

  it('shows a visitor who arrived in a standard\'s notCounted span as not counted, never amber or red', () => {
    // The site closed at 09:00; it opens at 10:00 (the spans come from GET /kiosk, [from, to)).
    const closed = { ...STANDARD, notCounted: [{ from: '2026-12-03T09:00:00.000Z', to: '2026-12-03T10:00:00.000Z' }] };
    const arrivedAt = (ms: number) => ({ caseId: 'c', number: 1, arrivedAt: new Date(ms).toISOString() });
    for (const after of [0, 24_000, 30_001, 3_600_000]) expect(waitState(arrivedAt(T0), [closed], T0 + after)).toBe('not-counted');
    expect(waitState(arrivedAt(T0 + 3_599_999), [closed], T0 + 3_700_000)).toBe('not-counted'); // it still waits after the opening
    expect(waitState(arrivedAt(T0 - 1), [closed], T0 + 30_000)).toBe('breached'); // arrived just before the closing
    expect(waitState(arrivedAt(T0 + 3_600_000), [closed], T0 + 3_630_001)).toBe('breached'); // arrived at the opening
    // Another standard that counts the visit (countOutsideHours) still times it: the one that counts decides.
    const counts = { ...STANDARD, standardId: 'visit-greet-60s', atRiskSeconds: 48, deadlineSeconds: 60 };
    expect(waitState(arrivedAt(T0), [closed, counts], T0 + 50_000)).toBe('at-risk');
    // A setup cached from an older server has no spans: every arrival counted, as before.
    const { notCounted: _n, ...older } = closed;
    expect(waitState(arrivedAt(T0), [older as typeof closed], T0 + 30_001)).toBe('breached');
  });

  it('agrees with the server\'s open clock: a notCounted standing is waiting, never at risk (countedByNone, clockStateAt)', () => {
    const standing = { standardId: 's', deadline: null, atRiskAt: null, state: 'running' as const, notCounted: 'outside-hours' as const };
    const counted = { standardId: 't', deadline: '2026-12-03T09:00:30.000Z', atRiskAt: '2026-12-03T09:00:24.000Z', state: 'running' as const };
    expect(countedByNone({ standards: [standing] })).toBe(true);
    expect(countedByNone({ standards: [standing, counted] })).toBe(false);
    expect(countedByNone({ standards: [] })).toBe(false);
    expect(clockStateAt({ standards: [standing] }, T0 + 99_000)).toBe('running');
  });
});

/** A sender over an outbox in memory, with answers the test scripts and timers it fires. */
function harness(answers: Array<number | 'offline'>) {
  let desk: DeskState = EMPTY_DESK;
  for (const id of ['a', 'b', 'c']) desk = { ...desk, outbox: [...desk.outbox, { id, type: 'visit', site: 'harbour', caseId: id, milestone: 'arrived', at: '' }] };
  const posted: string[][] = [];
  const reports: SendStatus[] = [];
  const timers: Array<() => void> = [];
  const sender = new Sender({
    outbox: () => desk.outbox,
    settle: (ids) => (desk = settled(desk, ids)),
    report: (status) => reports.push(status),
    post: async (milestones: readonly QueuedMilestone[]) => {
      posted.push(milestones.map((m) => m.id));
      const answer = answers.shift() ?? 201;
      if (answer === 'offline') throw new TypeError('Failed to fetch');
      return { status: answer, body: { detail: `answer ${answer}` } };
    },
    setTimeout: (fn) => timers.push(fn),
    clearTimeout: () => undefined,
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { sender, posted, reports, timers, outbox: () => desk.outbox.map((m) => m.id), settle };
}

describe("the visitors' numbers", () => {
  /**
   * Arrivals at these instants in `timeZone`, each a new case greeted before the next arrives (unless `waiting`): the
   * desk, with the number each arrival was given.
   */
  const numbersOf = (times: readonly string[], timeZone: string, desk: DeskState = EMPTY_DESK, { waiting = false } = {}) => {
    const given: number[] = [];
    for (const [i, time] of times.entries()) {
      desk = arrive(desk, { ...tap(`m${i}`, Date.parse(time)), caseId: `c${i}`, timeZone });
      given.push(desk.visitors.at(-1)!.number);
      if (!waiting) desk = finish(desk, `c${i}`, 'greeted', tap(`g${i}`, Date.parse(time) + 1000));
    }
    return { desk, given };
  };
  const numbers = (run: { given: number[] }) => run.given;

  it("start again at 1 with the first arrival of a later day in the site's zone, far from UTC; those still waiting keep theirs", () => {
    // Kiritimati is UTC+14: its 3 December ends at 10:00 UTC, in the middle of the UTC day.
    const evening = ['2026-12-03T09:58:00Z', '2026-12-03T09:59:59.999Z'];
    const morning = ['2026-12-03T10:00:00Z', '2026-12-03T10:05:00Z'];
    const run = numbersOf([...evening, ...morning], 'Pacific/Kiritimati');
    expect(numbers(run)).toEqual([1, 2, 1, 2]);
    expect(run.desk).toMatchObject({ nextNumber: 3, day: '2026-12-04' });
    // The same instants are one day in UTC and in Kolkata (15:28–15:35): the site's zone decides.
    expect(numbers(numbersOf([...evening, ...morning], 'UTC'))).toEqual([1, 2, 3, 4]);
    expect(numbers(numbersOf([...evening, ...morning], 'Asia/Kolkata'))).toEqual([1, 2, 3, 4]);
    // Ten hours behind UTC, Honolulu's midnight is the same instant as Kiritimati's (a day apart).
    expect(numbers(numbersOf([...evening, ...morning], 'Pacific/Honolulu'))).toEqual([1, 2, 1, 2]);
    // Visitors still waiting from the evening keep their numbers, and the morning's take the first ones free: never
    // two "Visitor 1" on the list at once.
    const overnight = numbersOf([...evening, ...morning], 'Pacific/Kiritimati', EMPTY_DESK, { waiting: true });
    expect(numbers(overnight)).toEqual([1, 2, 3, 4]);
    expect(overnight.desk.visitors.map((v) => v.number)).toEqual([1, 2, 3, 4]);
    const oneLeft = finish(overnight.desk, 'c3', 'greeted', tap('g', Date.parse('2026-12-03T10:06:00Z')));
    expect(numbers(numbersOf(['2026-12-03T10:07:00Z'], 'Pacific/Kiritimati', finish(oneLeft, 'c0', 'greeted', tap('g0', 0))))).toEqual([5]);
  });

  it('count a daylight-saving day whole, 25 or 23 hours, and start again at its midnight', () => {
    // Berlin, 25 October 2026: clocks go back at 03:00, so the day runs 22:00 UTC on the 24th to 23:00 UTC on the 25th.
    expect(numbers(numbersOf(['2026-10-24T21:59:00Z', '2026-10-24T22:00:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T22:59:00Z', '2026-10-25T23:00:00Z'], 'Europe/Berlin'))).toEqual([1, 1, 2, 3, 4, 1]);
    // New York, 8 March 2026: clocks go forward at 02:00, so the day ends at 04:00 UTC on the 9th, not 05:00.
    expect(numbers(numbersOf(['2026-03-08T05:00:00Z', '2026-03-09T03:59:00Z', '2026-03-09T04:00:00Z'], 'America/New_York'))).toEqual([1, 2, 1]);
  });

  it('go on after a reload in the middle of the day, from the desk as saved, and never go back a day', () => {
    const zone = 'Pacific/Kiritimati';
    // 22:00 on the 3rd, then 10:00 and 11:00 on the 4th, each greeted at once.
    const morning = numbersOf(['2026-12-03T08:00:00Z', '2026-12-03T20:00:00Z', '2026-12-03T21:00:00Z'], zone);
    expect(numbers(morning)).toEqual([1, 1, 2]);
    const reloaded = parseDesk(JSON.stringify(morning.desk));
    expect(reloaded).toEqual(morning.desk);
    expect(numbers(numbersOf(['2026-12-03T23:00:00Z'], zone, reloaded))).toEqual([3]);
    // A tap stamped on the day before (the server's time learned anew) goes on with today's count.
    expect(numbers(numbersOf(['2026-12-03T09:00:00Z'], zone, reloaded))).toEqual([3]);
  });

  it('read a desk saved before the count restarted each day: go on with today\'s count while a visitor of today waits, else start at 1', () => {
    const zone = 'Europe/Berlin';
    const waiting = { visitors: [{ caseId: 'old', number: 142, arrivedAt: '2026-12-03T08:00:00.000Z' }], outbox: [], nextNumber: 143 };
    const saved = parseDesk(JSON.stringify(waiting));
    expect(saved.day).toBeNull();
    expect(numbers(numbersOf(['2026-12-03T09:00:00Z'], zone, saved))).toEqual([143]);
    expect(numbers(numbersOf(['2026-12-04T09:00:00Z'], zone, saved))).toEqual([1]);
    expect(numbers(numbersOf(['2026-12-03T09:00:00Z'], zone, parseDesk(JSON.stringify({ ...waiting, visitors: [] }))))).toEqual([1]);
  });

  it('go on counting in a zone this browser does not know, rather than lose the tap', () => {
    const run = numbersOf(['2026-12-03T09:00:00Z', '2026-12-04T09:00:00Z'], 'Mars/Olympus_Mons', EMPTY_DESK, { waiting: true });
    expect(numbers(run)).toEqual([1, 2]);
    expect(run.desk.outbox).toHaveLength(2);
  });
});

describe('the sender', () => {
  it('keeps everything while offline, retries on its timer, and sends it all in one request when the network is back', async () => {
    const h = harness(['offline', 'offline']);
    h.sender.flush();
    await h.settle();
    expect(h.outbox()).toEqual(['a', 'b', 'c']);
    expect(h.reports.at(-1)).toEqual({ kind: 'offline', retryInMs: 2000 });
    h.timers.shift()!();
    await h.settle();
    expect(h.reports.at(-1)).toEqual({ kind: 'offline', retryInMs: 4000 });
    h.sender.flush(); // the browser says the network is back
    await h.settle();
    expect(h.posted).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
    expect(h.outbox()).toEqual([]);
    expect(h.reports.at(-1)).toEqual({ kind: 'sent' });
  });

  it('finds a refused item one by one, drops it with its reason, and sends the others', async () => {
    const h = harness([400, 201, 400, 201]);
    h.sender.flush();
    await h.settle();
    expect(h.posted).toEqual([['a', 'b', 'c'], ['a'], ['b'], ['c']]);
    expect(h.reports).toContainEqual(expect.objectContaining({ kind: 'dropped', detail: 'answer 400', milestone: expect.objectContaining({ id: 'b' }) }));
    expect(h.outbox()).toEqual([]);
  });

  it('leaves a dropped item on the status line when the rest is sent, until a later send drops nothing', async () => {
    // The last of the batch refused: the drain ends with nothing queued, and "everything sent" would hide the refusal.
    const h = harness([409, 201, 201, 409]);
    h.sender.flush();
    await h.settle();
    expect(h.outbox()).toEqual([]);
    expect(h.reports.at(-1)).toEqual(expect.objectContaining({ kind: 'dropped', detail: 'answer 409', milestone: expect.objectContaining({ id: 'c' }) }));
    expect(h.reports).not.toContainEqual({ kind: 'sent' });
    h.sender.flush(); // the next tap
    await h.settle();
    expect(h.reports.at(-1)).toEqual({ kind: 'sent' });
  });

  it('stops at a refused key and keeps the outbox', async () => {
    const h = harness([403]);
    h.sender.flush();
    await h.settle();
    h.sender.flush();
    await h.settle();
    expect(h.posted).toEqual([['a', 'b', 'c']]);
    expect(h.reports).toEqual([{ kind: 'refused-key', detail: 'answer 403' }]);
    expect(h.outbox()).toEqual(['a', 'b', 'c']);
  });

  it('stopped (the kiosk\'s site refused), sends nothing more, and reports nothing of a request already out, keeping the outbox', async () => {
    const h = harness([400, 400]);
    h.sender.flush(); // a tap sent before the refusal of the site arrived
    h.sender.stop();
    await h.settle();
    h.sender.flush();
    await h.settle();
    expect(h.posted).toEqual([['a', 'b', 'c']]);
    expect(h.reports).toEqual([]);
    expect(h.outbox()).toEqual(['a', 'b', 'c']);
  });
});
