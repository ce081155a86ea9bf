// Open clocks: a case from its milestones (any order, duplicated, in chunks) is judged exactly like the finished
// event posted directly; deadlines on the wall and business clocks (a DST change, a holiday); at-risk at 80 %;
// deadline verdicts per formula; expiry; user-defined types. All time is injected: no clock is read here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  caseJudgements,
  caseState,
  clockLimit,
  clockStatus,
  deadlineJudgement,
  deadlineVerdict,
  expireCase,
  expiresAtMs,
  expiryJudgement,
  isExpired,
  judgeMeasure,
  matchesClockFilter,
  misorderedPairs,
  openClockOf,
  orderedPairs,
  standardsForCase,
  toFinishedEvent,
  uncountedStarts,
  type CaseMilestone,
  type ClockSite,
} from '../../server/src/domain/clocks';
import { buildRegistry } from '../../server/src/domain/eventTypes';
import { isOpen } from '../../server/src/domain/hours';
import { judgeAgainst, judgeEvent } from '../../server/src/domain/judge';
import { completeMeasurements } from '../../server/src/domain/measures';
import { CALL_TYPE, COMPLAINT_TYPE, FORMULA_VARIANTS, OPERATORS, VISIT_TYPE, type BusinessHours, type EventInput, type FormulaVariant, type Standard } from '../../server/src/protocol';
import { eventTypeListSchema, type ClockStandard, type EventTypeDefinition } from '../../server/src/protocol/eventTypes';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600;
const SEED = Number(process.env.CLOCKS_SEED ?? 20261123);
const runs = (numRuns: number) => ({ numRuns, seed: SEED });
const weekdays = (intervals: string[]): BusinessHours => ({ mon: intervals, tue: intervals, wed: intervals, thu: intervals, fri: intervals });

const aroundTheClock: ClockSite = { timeZone: 'Europe/Berlin', hours: null, holidays: [], ringCycleSeconds: 6 };
/** Berlin office hours; Friday 27 March 2026 a holiday; Sunday 29 March the change to summer time. */
const office: ClockSite = { timeZone: 'Europe/Berlin', hours: weekdays(['09:00-17:00']), holidays: ['2026-03-27'], ringCycleSeconds: 6 };

function standard(s: Pick<ClockStandard, 'id' | 'eventType' | 'measure' | 'threshold'> & Partial<ClockStandard>): ClockStandard {
  return { version: 1, name: s.id, operator: '<=', target: 0.9, formula: 'F3', shortAbandonSeconds: null, scope: {}, countOutsideHours: true, validFrom: null, retired: false, ...s };
}

const ms = (type: string, caseId: string) => (milestone: string, when: string, extra: Partial<CaseMilestone> = {}): CaseMilestone => ({ type, site: 'downtown', caseId, milestone, at: when, ...extra });

// ---- milestones ≡ the finished event ----------------------------------------------------------------------------

/** `at` written with a fixed offset, as integrations post it (Z, +01:00, -05:00). */
function withOffset(instant: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return iso(instant);
  const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const siteArb: fc.Arbitrary<ClockSite> = fc.record({
  timeZone: fc.constantFrom('Europe/Berlin', 'America/New_York'),
  hours: fc.constantFrom(null, weekdays(['08:00-18:00']), weekdays(['08:00-18:00'])),
  holidays: fc.constantFrom([], ['2026-03-30']),
  ringCycleSeconds: fc.constantFrom(3, 5, 6),
});

const standardArb: fc.Arbitrary<Omit<Standard, 'id'>> = fc
  .record({
    kind: fc.constantFrom('call-rings', 'call-seconds', 'visit'),
    operator: fc.constantFrom(...OPERATORS),
    formula: fc.constantFrom(...FORMULA_VARIANTS),
    rings: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.double({ min: 0, max: 6, noNaN: true })),
    seconds: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60_000 }).map((n) => n / 1000)),
    shortAbandonSeconds: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
    countOutsideHours: fc.boolean(),
    queues: fc.option(fc.constantFrom(['sales'], ['support']), { nil: undefined }),
  })
  .map((g) => ({
    version: 1,
    name: g.kind,
    eventType: g.kind === 'visit' ? ('visit' as const) : ('call' as const),
    measure: g.kind === 'call-rings' ? ('rings' as const) : g.kind === 'call-seconds' ? ('answerSeconds' as const) : ('greetSeconds' as const),
    operator: g.operator,
    threshold: g.kind === 'call-rings' ? g.rings : g.seconds,
    target: 0.9,
    formula: g.formula,
    shortAbandonSeconds: g.formula === 'F5' && g.shortAbandonSeconds === null ? 5 : g.shortAbandonSeconds,
    scope: g.queues ? { queues: [...g.queues] } : {},
    countOutsideHours: g.countOutsideHours,
    validFrom: null,
    retired: false,
  }));

const caseArb = fc.record({
  type: fc.constantFrom('call', 'visit'),
  served: fc.boolean(),
  startMs: fc.oneof(
    fc.integer({ min: at('2026-03-20T00:00:00Z'), max: at('2026-04-05T00:00:00Z') }),
    // Just before or after an opening or closing (08:00/18:00 in Berlin or New York, before and after DST), so
    // that the instant the outside-hours rule reads matters.
    fc
      .record({ day: fc.integer({ min: 0, max: 16 }), hour: fc.constantFrom(6, 7, 12, 13, 16, 17, 21, 22), offsetMs: fc.integer({ min: -90_000, max: 30_000 }) })
      .map((b) => at('2026-03-20T00:00:00Z') + b.day * 86_400_000 + b.hour * 3_600_000 + b.offsetMs),
  ),
  waitMs: fc.oneof(fc.integer({ min: 0, max: 60 }).map((s) => s * 1000), fc.integer({ min: 0, max: 90_000 })),
  startOffset: fc.constantFrom(0, 60, -300),
  stopOffset: fc.constantFrom(0, 120),
  queue: fc.option(fc.constantFrom('sales', 'support'), { nil: undefined }),
  queueOn: fc.constantFrom('start', 'stop', 'both'),
  agent: fc.option(fc.constantFrom('ana', 'bo'), { nil: undefined }),
});

/** How the milestones arrive: each of [start, stop] plus duplicates, in random order, cut into chunks. */
const arrivalArb = fc.record({
  extra: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 3 }),
  keys: fc.array(fc.integer(), { minLength: 5, maxLength: 5 }),
  cuts: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
});

function arrivalChunks<T>(items: readonly T[], plan: { extra: number[]; keys: number[]; cuts: boolean[] }): T[][] {
  const sent = [0, 1, ...plan.extra].map((which, i) => ({ item: items[which]!, key: plan.keys[i]! }));
  sent.sort((a, b) => a.key - b.key);
  const chunks: T[][] = [[]];
  sent.forEach(({ item }, i) => {
    chunks[chunks.length - 1]!.push(item);
    if (plan.cuts[i] && i < sent.length - 1) chunks.push([]);
  });
  return chunks;
}

describe('milestones give the judgements of the finished event', () => {
  it('property: calls and visits, F1–F5, any order, duplicated, in chunks', () => {
    fc.assert(
      fc.property(siteArb, caseArb, fc.array(standardArb, { minLength: 1, maxLength: 4 }), arrivalArb, (site, c, drafts, plan) => {
        const standards: Standard[] = drafts.map((d, i) => ({ ...d, id: `s${i}` }));
        const type = c.type === 'call' ? CALL_TYPE : VISIT_TYPE;
        const occurredAt = withOffset(c.startMs, c.startOffset);
        const seconds = c.waitMs / 1000;
        const outcome = c.type === 'call' ? (c.served ? 'answered' : 'abandoned') : c.served ? 'greeted' : 'left';
        const queue = c.type === 'call' ? c.queue : undefined;

        // Today's path: the finished event as posted, measurements completed, judged at occurredAt.
        const input = (c.type === 'call'
          ? { type: 'call', site: 'downtown', occurredAt, outcome, answerSeconds: seconds, ...(queue ? { queue } : {}), ...(c.agent ? { agent: c.agent } : {}) }
          : { type: 'visit', site: 'downtown', occurredAt, outcome, greetSeconds: seconds, ...(c.agent ? { agent: c.agent } : {}) }) as EventInput;
        const measured = completeMeasurements(input, site.ringCycleSeconds);
        const direct = { type: input.type, outcome: input.outcome, ...measured, site: 'downtown', queue: queue ?? null };
        const inHours = isOpen(site, Date.parse(occurredAt));
        const expected = judgeEvent(direct, standards, { inHours });

        // The same case as two milestones.
        const m = ms(type.id, 'case-1');
        const start = m(type.milestones[0]!.id, occurredAt, queue && c.queueOn !== 'stop' ? { queue } : {});
        const stop = m(outcome, withOffset(c.startMs + c.waitMs, c.stopOffset), { ...(c.agent ? { agent: c.agent } : {}), ...(queue && c.queueOn !== 'start' ? { queue } : {}) });

        const received: CaseMilestone[] = [];
        let firstJudgements: unknown = undefined;
        for (const chunk of arrivalChunks([start, stop], plan)) {
          received.push(...chunk);
          const state = caseState(type, received);
          const judgements = caseJudgements(state, standards, site);
          const complete = received.includes(start) && received.includes(stop);
          if (!complete) expect(judgements).toEqual([]);
          if (complete && firstJudgements === undefined) firstJudgements = judgements;
        }
        expect(firstJudgements).toEqual(expected);

        const state = caseState(type, received);
        expect(state).toEqual(caseState(type, [start, stop]));
        const finished = toFinishedEvent(state, site)!;
        expect(judgeEvent(finished, standards, { inHours })).toEqual(expected);
        expect({ ...finished }).toMatchObject({
          type: direct.type,
          occurredAt,
          outcome,
          rings: direct.rings,
          answerSeconds: direct.answerSeconds,
          greetSeconds: direct.greetSeconds,
          derived: measured.derived,
          queue: direct.queue,
          agent: c.agent ?? null,
        });
      }),
      runs(400),
    );
  });

  it('the case state does not depend on order or duplicates (complaint, reversed and repeated)', () => {
    const m = ms('complaint', 'c-9');
    const all = [m('received', '2026-03-02T09:00:00+01:00', { queue: 'billing' }), m('acknowledged', '2026-03-02T10:00:00+01:00', { agent: 'ana' }), m('resolved', '2026-03-04T09:00:00+01:00', { agent: 'bo' }), m('followedUp', '2026-03-05T09:00:00+01:00')];
    const forward = caseState(COMPLAINT_TYPE, all);
    expect(caseState(COMPLAINT_TYPE, [...all].reverse().concat(all))).toEqual(forward);
    expect(forward).toMatchObject({ queue: 'billing', agent: 'bo', end: { stop: 'followedUp', outcome: 'served', expired: false } });
    expect(Object.values(forward.measures).map((x) => [x.id, x.status, x.seconds])).toEqual([
      ['acknowledgeSeconds', 'stopped', 3_600],
      ['resolveSeconds', 'stopped', 2 * 86_400],
      ['followUpSeconds', 'stopped', 86_400],
    ]);
  });

  it('two versions of one milestone resolve to the earliest, whatever arrived first', () => {
    const m = ms('call', 'c-2');
    const start = m('started', '2026-11-23T09:15:00Z');
    const early = m('answered', '2026-11-23T09:15:08Z', { agent: 'ana' });
    const late = m('answered', '2026-11-23T09:15:20Z', { agent: 'bo' });
    for (const order of [[start, early, late], [late, start, early], [late, early, start]]) {
      expect(caseState(CALL_TYPE, order).measures.answerSeconds).toMatchObject({ seconds: 8 });
      expect(caseState(CALL_TYPE, order).agent).toBe('ana');
    }
  });

  it('a stop that arrives before its start waits for it; the earliest stop ends the case', () => {
    const m = ms('call', 'c-3');
    const onlyStop = caseState(CALL_TYPE, [m('abandoned', '2026-11-23T09:15:30Z')]);
    expect(onlyStop).toMatchObject({ start: null, end: { stop: 'abandoned', outcome: 'gaveUp' } });
    expect(onlyStop.measures.answerSeconds?.status).toBe('waiting');
    expect(toFinishedEvent(onlyStop, aroundTheClock)).toBeNull();
    expect(caseJudgements(onlyStop, [standard({ id: 'x', eventType: 'call', measure: 'rings', threshold: 2 })], aroundTheClock)).toEqual([]);
    const both = caseState(CALL_TYPE, [m('abandoned', '2026-11-23T09:15:30Z'), m('answered', '2026-11-23T09:15:40Z'), m('started', '2026-11-23T09:15:00Z')]);
    expect(both.end).toMatchObject({ stop: 'abandoned' });
    expect(both.measures.answerSeconds).toMatchObject({ status: 'stopped', outcome: 'gaveUp', seconds: 30 });
    // A stop stamped before its start is refused at ingest (misorderedPairs); one stored before that rule measures 0, never a negative wait.
    expect(caseState(CALL_TYPE, [m('started', '2026-11-23T09:15:00Z'), m('answered', '2026-11-23T09:14:59Z')]).measures.answerSeconds?.seconds).toBe(0);
  });

  it('each measure state whole: waiting, running, stopped (served, gave up, by expiry), skipped', () => {
    const CALLBACK: EventTypeDefinition = {
      id: 'callback', name: 'Callbacks', maxOpenSeconds: 7_200,
      milestones: [{ id: 'requested', role: 'start' }, { id: 'calledBack', role: 'step' }, { id: 'closed', role: 'stop', outcome: 'served' }, { id: 'cancelled', role: 'stop', outcome: 'gaveUp' }],
      measures: [{ id: 'wait', from: 'requested', to: 'calledBack' }, { id: 'talk', from: 'calledBack', to: 'closed' }],
    };
    const m = ms('callback', 'cb');
    const t0 = at('2026-11-23T09:15:00Z');
    const measure = (id: string, from: string, to: string, rest: object) => ({ id, from, to, clockStartMs: null, stopMs: null, stoppedBy: null, outcome: null, seconds: null, byExpiry: false, ...rest });
    const requested = m('requested', iso(t0));
    const calledBack = m('calledBack', iso(t0 + 5_000));
    expect(caseState(CALLBACK, [m('cancelled', iso(t0 + 9_000))]).measures).toEqual({
      wait: measure('wait', 'requested', 'calledBack', { status: 'waiting' }),
      talk: measure('talk', 'calledBack', 'closed', { status: 'skipped', stopMs: t0 + 9_000, stoppedBy: 'cancelled', outcome: 'gaveUp' }),
    });
    expect(caseState(CALLBACK, [requested]).measures).toEqual({
      wait: measure('wait', 'requested', 'calledBack', { status: 'running', clockStartMs: t0 }),
      talk: measure('talk', 'calledBack', 'closed', { status: 'waiting' }),
    });
    expect(caseState(CALLBACK, [requested, calledBack, m('closed', iso(t0 + 65_000))]).measures).toEqual({
      wait: measure('wait', 'requested', 'calledBack', { status: 'stopped', clockStartMs: t0, stopMs: t0 + 5_000, stoppedBy: 'calledBack', outcome: 'served', seconds: 5 }),
      talk: measure('talk', 'calledBack', 'closed', { status: 'stopped', clockStartMs: t0 + 5_000, stopMs: t0 + 65_000, stoppedBy: 'closed', outcome: 'served', seconds: 60 }),
    });
    expect(caseState(CALLBACK, [requested, m('cancelled', iso(t0 + 3_000))]).measures).toEqual({
      wait: measure('wait', 'requested', 'calledBack', { status: 'stopped', clockStartMs: t0, stopMs: t0 + 3_000, stoppedBy: 'cancelled', outcome: 'gaveUp', seconds: 3 }),
      talk: measure('talk', 'calledBack', 'closed', { status: 'skipped', stopMs: t0 + 3_000, stoppedBy: 'cancelled', outcome: 'gaveUp' }),
    });
    expect(expireCase(CALLBACK, caseState(CALLBACK, [requested, calledBack])).measures).toEqual({
      wait: measure('wait', 'requested', 'calledBack', { status: 'stopped', clockStartMs: t0, stopMs: t0 + 5_000, stoppedBy: 'calledBack', outcome: 'served', seconds: 5 }),
      talk: measure('talk', 'calledBack', 'closed', { status: 'stopped', clockStartMs: t0 + 5_000, stopMs: t0 + 7_200_000, stoppedBy: 'cancelled', outcome: 'gaveUp', seconds: 7_195, byExpiry: true }),
    });
  });

  it('orders the start before every other milestone, and each measure\'s from before its to and before the gave-up stop', () => {
    expect(orderedPairs(CALL_TYPE)).toEqual([
      { earlier: 'started', later: 'answered' },
      { earlier: 'started', later: 'abandoned' },
    ]);
    expect(orderedPairs(COMPLAINT_TYPE)).toEqual([
      { earlier: 'received', later: 'acknowledged' },
      { earlier: 'received', later: 'resolved' },
      { earlier: 'received', later: 'followedUp' },
      { earlier: 'resolved', later: 'followedUp' },
    ]);
  });

  it('finds a stop timed before its start (or a measure\'s end before its beginning), the same instant being in order', () => {
    const timed = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([id, at]) => [id, { atMs: Date.parse(at) }]));
    expect(misorderedPairs(CALL_TYPE, timed({ started: '2026-11-23T18:30:00Z', answered: '2026-11-23T18:29:30Z' }))).toEqual([{ earlier: 'started', later: 'answered' }]);
    expect(misorderedPairs(CALL_TYPE, timed({ started: '2026-11-23T18:30:00Z', answered: '2026-11-23T18:30:00Z' }))).toEqual([]);
    expect(misorderedPairs(CALL_TYPE, timed({ answered: '2026-11-23T18:29:30Z' }))).toEqual([]);
    expect(misorderedPairs(COMPLAINT_TYPE, timed({ received: '2026-11-23T09:00:00Z', resolved: '2026-11-24T09:00:00Z', followedUp: '2026-11-23T12:00:00Z' }))).toEqual([{ earlier: 'resolved', later: 'followedUp' }]);
  });

  it('refuses milestones of another case or unknown to the type', () => {
    expect(() => caseState(CALL_TYPE, [ms('call', 'a')('started', '2026-11-23T09:15:00Z'), ms('call', 'b')('answered', '2026-11-23T09:15:05Z')])).toThrow(/belongs to call\/downtown\/b/);
    expect(() => caseState(CALL_TYPE, [ms('call', 'a')('greeted', '2026-11-23T09:15:00Z')])).toThrow(/not a milestone of a call/);
    expect(() => caseState(CALL_TYPE, [])).toThrow(RangeError);
  });
});

// ---- deadlines ---------------------------------------------------------------------------------------------------

describe('deadlines on the wall clock', () => {
  const start = '2026-11-23T09:15:00+01:00';
  const t0 = at(start);
  const openCall = caseState(CALL_TYPE, [ms('call', 'c')('started', start)]);

  it('rings ≤ 2 on a 6 s cycle: the deadline is when the third ring starts (12 s); at risk from 9.6 s', () => {
    const s = standard({ id: 'call-answer-2-rings', eventType: 'call', measure: 'rings', threshold: 2 });
    const state = (offsetMs: number) => clockStatus(openCall, s, aroundTheClock, t0 + offsetMs)?.state;
    expect(clockStatus(openCall, s, aroundTheClock, t0)).toMatchObject({ deadlineMs: t0 + 12_000, atRiskMs: t0 + 9_600, breachMs: t0 + 12_000, elapsedSeconds: 0, state: 'running' });
    expect([state(9_599), state(9_600), state(11_999), state(12_000)]).toEqual(['running', 'at-risk', 'at-risk', 'breached']);
    expect(clockStatus(openCall, s, { ...aroundTheClock, ringCycleSeconds: 5 }, t0)?.deadlineMs).toBe(t0 + 10_000);
    expect(clockStatus(openCall, { ...s, operator: '<' }, aroundTheClock, t0)?.deadlineMs).toBe(t0 + 6_000);
  });

  it('greeted within 30 s: a greeting at exactly 30 s still meets, so the clock breaches just after', () => {
    const visit = caseState(VISIT_TYPE, [ms('visit', 'v')('arrived', start)]);
    const s = standard({ id: 'visit-greet-30s', eventType: 'visit', measure: 'greetSeconds', threshold: 30 });
    const state = (offsetMs: number) => clockStatus(visit, s, aroundTheClock, t0 + offsetMs)?.state;
    expect(clockStatus(visit, s, aroundTheClock, t0)).toMatchObject({ deadlineMs: t0 + 30_000, atRiskMs: t0 + 24_000, breachMs: t0 + 30_001 });
    expect([state(23_999), state(24_000), state(30_000), state(30_001)]).toEqual(['running', 'at-risk', 'at-risk', 'breached']);
  });

  it('"at least" standards have no deadline; stopped or not-started clocks have no status', () => {
    const s = standard({ id: 'x', eventType: 'call', measure: 'answerSeconds', threshold: 5, operator: '>=' });
    expect(clockStatus(openCall, s, aroundTheClock, t0 + 3_600_000)).toMatchObject({ deadlineMs: null, state: 'running' });
    expect(clockLimit(s, aroundTheClock)).toBeNull();
    const answered = caseState(CALL_TYPE, [ms('call', 'c')('started', start), ms('call', 'c')('answered', '2026-11-23T09:15:05+01:00')]);
    expect(clockStatus(answered, s, aroundTheClock, t0)).toBeNull();
    const complaint = caseState(COMPLAINT_TYPE, [ms('complaint', 'k')('received', start)]);
    expect(clockStatus(complaint, standard({ id: 'f', eventType: 'complaint', measure: 'followUpSeconds', threshold: 60 }), aroundTheClock, t0)).toBeNull();
  });

  const clockArb = fc.record({
    kind: fc.constantFrom('rings', 'answerSeconds'),
    operator: fc.constantFrom('<=' as const, '<' as const),
    // whole seconds, milliseconds, and limits finer than a millisecond
    threshold: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 40_000 }).map((n) => n / 1000), fc.integer({ min: 0, max: 400_000 }).map((n) => n / 10_000)),
    cycle: fc.constantFrom(3, 5, 6),
    // anywhere, or within 2 ms of the limit or of its 80 %, where a rounding would show
    stop: fc.oneof(
      fc.integer({ min: 0, max: 45_000 }).map((ms) => ({ ms, near: null })),
      fc.record({ near: fc.constantFrom(1, 0.8), ms: fc.integer({ min: -2, max: 2 }) }),
    ),
  });

  it('property: the clock is breached at t exactly when an answer at t would miss, and never before 80 %', () => {
    fc.assert(
      fc.property(clockArb, (g) => {
        const site = { ...aroundTheClock, ringCycleSeconds: g.cycle };
        const s = standard({ id: 's', eventType: 'call', measure: g.kind, operator: g.operator, threshold: g.threshold });
        const limitSeconds = clockLimit(s, site)!.seconds;
        const stopMs = g.stop.near === null ? g.stop.ms : Math.max(0, Math.floor(limitSeconds * 1000 * g.stop.near) + g.stop.ms);
        const status = clockStatus(openCall, s, site, t0 + stopMs)!;
        const answered = caseState(CALL_TYPE, [ms('call', 'c')('started', start), ms('call', 'c')('answered', iso(t0 + stopMs))]);
        const judged = judgeMeasure(answered, s, site)!;
        expect(status.state === 'breached').toBe(!judged.met);
        // 80 % compared in whole milliseconds: in floating point 0.8 × 12 s is a hair above 9.6 s
        const pastAtRisk = stopMs * 5 >= Math.round(limitSeconds * 1000) * 4;
        if (status.state === 'at-risk') expect(pastAtRisk).toBe(true);
        if (status.state === 'running') expect(pastAtRisk).toBe(false);
      }),
      runs(500),
    );
  });

  it('property: at a site with hours, the clock is breached at t exactly when an answer at t would be a counted miss', () => {
    const hoursArb = fc.record({
      // in hours, out of hours, on the holiday, and just either side of an opening or closing
      startMs: fc.oneof(
        fc.integer({ min: at('2026-03-25T00:00:00Z'), max: at('2026-03-31T00:00:00Z') }),
        fc.record({ day: fc.integer({ min: 0, max: 6 }), hour: fc.constantFrom(7, 8, 15, 16), offsetMs: fc.integer({ min: -60_000, max: 60_000 }) }).map((b) => at('2026-03-25T00:00:00Z') + b.day * 86_400_000 + b.hour * 3_600_000 + b.offsetMs),
      ),
      stopMs: fc.integer({ min: 0, max: 40_000 }),
      countOutsideHours: fc.boolean(),
      clock: fc.constantFrom('wall' as const, 'business' as const),
    });
    fc.assert(
      fc.property(hoursArb, (g) => {
        const s = standard({ id: 's', eventType: 'call', measure: 'rings', threshold: 2, countOutsideHours: g.countOutsideHours, clock: g.clock });
        const call = caseState(CALL_TYPE, [ms('call', 'c')('started', iso(g.startMs))]);
        const answered = caseState(CALL_TYPE, [ms('call', 'c')('started', iso(g.startMs)), ms('call', 'c')('answered', iso(g.startMs + g.stopMs))]);
        const status = clockStatus(call, s, office, g.startMs + g.stopMs)!;
        const judged = judgeMeasure(answered, s, office)!;
        expect(status.state === 'breached').toBe(judged.counted && !judged.met);
        expect(status.counted).toBe(judged.reason !== 'outside-hours');
        if (!status.counted) expect(status).toMatchObject({ deadlineMs: null, atRiskMs: null, breachMs: null, state: 'running' });
        const standing = openClockOf(call, [s], office, g.startMs + g.stopMs)!.standards[0]!;
        expect(standing.notCounted).toBe(status.counted ? undefined : 'outside-hours');
      }),
      runs(400),
    );
  });

  it('property: a start falls in uncountedStarts exactly when its open clock is notCounted (what the kiosk is told)', () => {
    const from = at('2026-03-25T00:00:00Z');
    const to = at('2026-03-31T00:00:00Z');
    fc.assert(
      fc.property(
        fc.record({
          startMs: fc.oneof(
            fc.integer({ min: from, max: to - 1 }),
            // either side of an opening or closing, Berlin time, and on the holiday (Friday 27 March)
            fc.record({ day: fc.integer({ min: 0, max: 5 }), hour: fc.constantFrom(7, 8, 15, 16), offsetMs: fc.integer({ min: -2, max: 2 }) }).map((b) => from + b.day * 86_400_000 + b.hour * 3_600_000 + b.offsetMs),
          ),
          countOutsideHours: fc.boolean(),
          clock: fc.constantFrom('wall' as const, 'business' as const),
          site: fc.constantFrom(office, aroundTheClock),
        }),
        (g) => {
          const s = standard({ id: 's', eventType: 'visit', measure: 'greetSeconds', threshold: 30, countOutsideHours: g.countOutsideHours, clock: g.clock });
          const visit = caseState(VISIT_TYPE, [ms('visit', 'v')('arrived', iso(g.startMs))]);
          const standing = openClockOf(visit, [s], g.site, g.startMs)!.standards[0]!;
          const listed = uncountedStarts(s, g.site, from, to).some((span) => span.start <= g.startMs && g.startMs < span.end);
          expect(listed).toBe(standing.notCounted === 'outside-hours');
        },
      ),
      runs(400),
    );
  });

  it('uncountedStarts: the closed spans of a wall-clock standard that does not count outside hours, none otherwise', () => {
    const visits = (overrides: Partial<ClockStandard>) => standard({ id: 's', eventType: 'visit', measure: 'greetSeconds', threshold: 30, countOutsideHours: false, ...overrides });
    const spans = (s: ClockStandard) => uncountedStarts(s, office, at('2026-03-26T12:00:00Z'), at('2026-03-30T12:00:00Z')).map((span) => [iso(span.start), iso(span.end)]);
    // Thursday closes at 17:00 CET (16:00Z); Friday is a holiday; Monday 30 March opens at 09:00 CEST (07:00Z).
    expect(spans(visits({}))).toEqual([['2026-03-26T16:00:00.000Z', '2026-03-30T07:00:00.000Z']]);
    expect(spans(visits({ countOutsideHours: true }))).toEqual([]);
    expect(spans(visits({ clock: 'business' }))).toEqual([]); // counted: its clock waits for the opening
    expect(uncountedStarts(visits({}), aroundTheClock, at('2026-03-26T12:00:00Z'), at('2026-03-30T12:00:00Z'))).toEqual([]);
  });

  it('at-risk from the first whole millisecond at or past 80 %, never before', () => {
    const statusAt = (s: ClockStandard, site: ClockSite, offsetMs: number) => clockStatus(openCall, s, site, t0 + offsetMs)!;
    // 80 % of 8 ms is 6.4 ms: still running at 6 ms, at risk from 7 ms
    const tiny = standard({ id: 's', eventType: 'call', measure: 'answerSeconds', threshold: 0.008 });
    expect(statusAt(tiny, aroundTheClock, 6)).toMatchObject({ atRiskMs: t0 + 7, state: 'running' });
    expect(statusAt(tiny, aroundTheClock, 7).state).toBe('at-risk');
    // 80 % of 2 rings on a 6 s cycle (12 s) is exactly 9.6 s
    const rings = standard({ id: 'r', eventType: 'call', measure: 'rings', threshold: 2 });
    expect(statusAt(rings, aroundTheClock, 9_600)).toMatchObject({ atRiskMs: t0 + 9_600, state: 'at-risk' });
    expect(statusAt(rings, aroundTheClock, 9_599).state).toBe('running');
  });

  it('breached from the first whole millisecond a stop would miss, for a limit finer than a millisecond too', () => {
    const statusAt = (s: ClockStandard, offsetMs: number) => clockStatus(openCall, s, aroundTheClock, t0 + offsetMs)!;
    const answerIn = (operator: '<=' | '<', threshold: number) => standard({ id: 's', eventType: 'call', measure: 'answerSeconds', operator, threshold });
    // ≤ 0.0005 s: an answer at 1 ms misses
    expect(statusAt(answerIn('<=', 0.0005), 1)).toMatchObject({ breachMs: t0 + 1, state: 'breached' });
    // < 0.0084 s: an answer at 8 ms still meets, one at 9 ms misses
    expect(statusAt(answerIn('<', 0.0084), 8)).toMatchObject({ breachMs: t0 + 9, state: 'at-risk' });
    expect(statusAt(answerIn('<', 0.0084), 9).state).toBe('breached');
    // ≤ 0.29 s (0.29 × 1000 is 289.99999999999994): an answer at 290 ms still meets
    expect(statusAt(answerIn('<=', 0.29), 290)).toMatchObject({ breachMs: t0 + 291, state: 'at-risk' });
  });
});

describe('deadlines on the business clock (a holiday, then the change to summer time)', () => {
  // Received Thursday 26 March 2026, 16:00 CET. Open Thu 16:00–17:00 (1 h); Friday is a holiday; the clocks go
  // forward on Sunday; Monday 30 March opens at 09:00 CEST = 07:00Z, and 3 more open hours end at 10:00Z.
  const received = '2026-03-26T16:00:00+01:00';
  const complaint = caseState(COMPLAINT_TYPE, [ms('complaint', 'k-1')('received', received)]);
  const ack4h = standard({ id: 'complaint-ack-4bh', eventType: 'complaint', measure: 'acknowledgeSeconds', threshold: 4 * HOUR, clock: 'business' });

  it('deadline, at-risk and breach instants', () => {
    expect(clockStatus(complaint, ack4h, office, at(received))).toMatchObject({
      deadlineMs: at('2026-03-30T10:00:00Z'),
      atRiskMs: at('2026-03-30T09:12:00Z'), // 3.2 open hours: Thursday's 1 h + 2 h 12 min on Monday
      breachMs: at('2026-03-30T10:00:00.001Z'),
      state: 'running',
    });
    const state = (when: string) => clockStatus(complaint, ack4h, office, at(when))!;
    expect(state('2026-03-27T12:00:00Z')).toMatchObject({ elapsedSeconds: HOUR, state: 'running' }); // the holiday adds nothing
    expect(state('2026-03-30T09:11:59.999Z').state).toBe('running');
    expect(state('2026-03-30T09:12:00Z').state).toBe('at-risk');
    expect(state('2026-03-30T10:00:00Z')).toMatchObject({ elapsedSeconds: 4 * HOUR, state: 'at-risk' });
    expect(state('2026-03-30T10:00:00.001Z').state).toBe('breached');
    // On the wall clock the same threshold ends on Thursday evening; without the holiday, on Friday at noon.
    expect(clockStatus(complaint, { ...ack4h, clock: 'wall' }, office, at(received))?.deadlineMs).toBe(at('2026-03-26T19:00:00Z'));
    expect(clockStatus(complaint, ack4h, { ...office, holidays: [] }, at(received))?.deadlineMs).toBe(at('2026-03-27T11:00:00Z'));
  });

  it('judges the acknowledgement in open seconds; a late one records its real measure', () => {
    const acknowledged = (when: string) => caseState(COMPLAINT_TYPE, [ms('complaint', 'k-1')('received', received), ms('complaint', 'k-1')('acknowledged', when)]);
    expect(judgeMeasure(acknowledged('2026-03-30T09:30:00+02:00'), ack4h, office)).toEqual({ standardId: 'complaint-ack-4bh', standardVersion: 1, measure: 'acknowledgeSeconds', value: 1.5 * HOUR, threshold: 4 * HOUR, met: true, counted: true, reason: null });
    expect(judgeMeasure(acknowledged('2026-03-30T12:00:00+02:00'), ack4h, office)).toMatchObject({ value: 4 * HOUR, met: true });
    expect(judgeMeasure(acknowledged('2026-03-30T12:30:00+02:00'), ack4h, office)).toMatchObject({ value: 4.5 * HOUR, met: false, counted: true, reason: null });
    // Received at night: the business clock starts at the next opening, and the complaint still counts.
    const night = caseState(COMPLAINT_TYPE, [ms('complaint', 'k-2')('received', '2026-03-25T23:00:00+01:00'), ms('complaint', 'k-2')('acknowledged', '2026-03-26T10:00:00+01:00')]);
    expect(judgeMeasure(night, { ...ack4h, countOutsideHours: false }, office)).toMatchObject({ value: HOUR, met: true, counted: true });
  });

  it('records the miss at the deadline, once breached (complaints: every way it can end is a miss)', () => {
    expect(deadlineJudgement(complaint, ack4h, COMPLAINT_TYPE, office, at('2026-03-30T10:00:00Z'))).toBeNull();
    expect(deadlineJudgement(complaint, ack4h, COMPLAINT_TYPE, office, at('2026-03-30T10:00:00.001Z'))).toEqual({
      standardId: 'complaint-ack-4bh',
      standardVersion: 1,
      measure: 'acknowledgeSeconds',
      value: null,
      threshold: 4 * HOUR,
      met: false,
      counted: true,
      reason: 'deadline',
    });
  });

  it('property: breached at t exactly when an acknowledgement at t would miss (random instants over 12 days)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 * 86_400_000 }), fc.integer({ min: 0, max: 16 * HOUR }), (offsetMs, threshold) => {
        const s = { ...ack4h, threshold };
        const when = at(received) + offsetMs;
        const status = clockStatus(complaint, s, office, when)!;
        const judged = judgeMeasure(caseState(COMPLAINT_TYPE, [ms('complaint', 'k-1')('received', received), ms('complaint', 'k-1')('acknowledged', iso(when))]), s, office)!;
        expect(status.state === 'breached').toBe(!judged.met);
        // 80 % compared in whole milliseconds: in floating point 0.8 × 3 s is a hair above 2.4 s
        expect(status.state === 'running').toBe(Math.round(status.elapsedSeconds * 1000) * 5 < threshold * 1000 * 4);
      }),
      runs(200),
    );
    // 3 open seconds: at risk after exactly 2.4 open seconds (Thursday 16:00 is open)
    const ack3s = { ...ack4h, threshold: 3 };
    expect(clockStatus(complaint, ack3s, office, at(received) + 2_399)?.state).toBe('running');
    expect(clockStatus(complaint, ack3s, office, at(received) + 2_400)).toMatchObject({ atRiskMs: at(received) + 2_400, state: 'at-risk' });
  });
});

// ---- deadline verdicts ---------------------------------------------------------------------------------------------

describe('deadline verdicts', () => {
  const rings2 = (formula: FormulaVariant, shortAbandonSeconds: number | null = null) => standard({ id: 'r', eventType: 'call', measure: 'rings', threshold: 2, formula, shortAbandonSeconds });
  it.each([
    ['F1', null, true],
    ['F2', null, false],
    ['F3', null, true],
    ['F4', null, true],
    ['F5', 5, true],
    ['F5', 20, false], // an abandon after 12–20 s is a short abandon: not counted, so wait for the end
    ['F3', 11, true],
    ['F3', 12, false], // the third ring starts at 12 s, and hanging up at exactly 12 s is still a short abandon (≤ S)
  ] as const)('calls, rings ≤ 2 on a 6 s cycle, %s with S = %s: %s', (formula, s, verdict) => {
    expect(deadlineVerdict(rings2(formula, s), CALL_TYPE, aroundTheClock)).toBe(verdict);
  });
  it.each(FORMULA_VARIANTS.map((f) => [f, f !== 'F2'] as const))('visits, greeted within 30 s, %s: %s', (formula, verdict) => {
    expect(deadlineVerdict(standard({ id: 'v', eventType: 'visit', measure: 'greetSeconds', threshold: 30, formula, shortAbandonSeconds: formula === 'F5' ? 5 : null }), VISIT_TYPE, aroundTheClock)).toBe(verdict);
  });
  it.each(FORMULA_VARIANTS)('complaints (nobody gives up a complaint), %s: always', (formula) => {
    for (const measure of ['acknowledgeSeconds', 'resolveSeconds', 'followUpSeconds']) {
      expect(deadlineVerdict(standard({ id: 'k', eventType: 'complaint', measure, threshold: 4 * HOUR, formula, clock: 'business' }), COMPLAINT_TYPE, office)).toBe(true);
    }
  });
  it('never for an "at least" standard', () => {
    expect(deadlineVerdict({ ...rings2('F3'), operator: '>=' }, CALL_TYPE, aroundTheClock)).toBe(false);
  });

  it('property: after a "yes" verdict, every stop past the breach is a counted miss', () => {
    const start = '2026-11-23T09:15:00Z';
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMULA_VARIANTS),
        fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
        fc.constantFrom('rings', 'answerSeconds'),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom(3, 6),
        fc.boolean(),
        fc.integer({ min: 0, max: 7_200_000 }),
        (formula, short, measure, threshold, cycle, answered, afterMs) => {
          const site = { ...aroundTheClock, ringCycleSeconds: cycle };
          const s = standard({ id: 's', eventType: 'call', measure, threshold: measure === 'rings' ? threshold : threshold * 5, formula, shortAbandonSeconds: formula === 'F5' ? (short ?? 5) : short });
          if (!deadlineVerdict(s, CALL_TYPE, site)) return;
          const breachMs = clockStatus(caseState(CALL_TYPE, [ms('call', 'c')('started', start)]), s, site, at(start))!.breachMs!;
          const stopAt = iso(breachMs + afterMs);
          const closed = caseState(CALL_TYPE, [ms('call', 'c')('started', start), ms('call', 'c')(answered ? 'answered' : 'abandoned', stopAt)]);
          expect(judgeMeasure(closed, s, site)).toMatchObject({ counted: true, met: false });
        },
      ),
      runs(400),
    );
  });

  it('no deadline judgement while the end can still change the verdict, or for a case outside hours', () => {
    const start = '2026-11-23T09:15:00Z';
    const open = caseState(CALL_TYPE, [ms('call', 'c')('started', start)]);
    const late = at(start) + 60_000;
    expect(deadlineJudgement(open, rings2('F3'), CALL_TYPE, aroundTheClock, late)).toMatchObject({ reason: 'deadline', met: false, counted: true, value: null });
    expect(deadlineJudgement(open, rings2('F2'), CALL_TYPE, aroundTheClock, late)).toBeNull();
    const night = caseState(CALL_TYPE, [ms('call', 'n')('started', '2026-11-23T22:00:00Z')]);
    const closedAtNight = { ...rings2('F3'), countOutsideHours: false };
    expect(deadlineJudgement(night, closedAtNight, CALL_TYPE, office, at('2026-11-23T23:00:00Z'))).toBeNull();
    expect(deadlineJudgement(night, { ...closedAtNight, countOutsideHours: true }, CALL_TYPE, office, at('2026-11-23T23:00:00Z'))).toMatchObject({ reason: 'deadline' });
  });
});

// ---- expiry ------------------------------------------------------------------------------------------------------

describe('expiry', () => {
  const start = '2026-11-23T09:15:00Z';
  const rings2 = (formula: FormulaVariant) => standard({ id: 'r', eventType: 'call', measure: 'rings', threshold: 2, formula });

  it('a call open 2 h gives up at 2 h: missed with reason "expired", not counted under F2', () => {
    const open = caseState(CALL_TYPE, [ms('call', 'c')('started', start, { queue: 'sales' })]);
    expect(expiresAtMs(CALL_TYPE, open)).toBe(at(start) + 7_200_000);
    expect(isExpired(CALL_TYPE, open, at(start) + 7_199_999)).toBe(false);
    expect(isExpired(CALL_TYPE, open, at(start) + 7_200_000)).toBe(true);
    const expired = expireCase(CALL_TYPE, open);
    expect(expired).toMatchObject({ end: { stop: 'abandoned', outcome: 'gaveUp', atMs: at(start) + 7_200_000, expired: true }, expiredAtMs: at(start) + 7_200_000 });
    expect(expired.measures.answerSeconds).toMatchObject({ status: 'stopped', seconds: 7_200, byExpiry: true });
    expect(expiryJudgement(expired, rings2('F3'), CALL_TYPE, aroundTheClock)).toEqual({ standardId: 'r', standardVersion: 1, measure: 'rings', value: 1_201, threshold: 2, met: false, counted: true, reason: 'expired' });
    expect(expiryJudgement(expired, standard({ id: 'a', eventType: 'call', measure: 'answerSeconds', threshold: 20, formula: 'F1' }), CALL_TYPE, aroundTheClock)).toMatchObject({ value: 7_200, met: false, counted: true, reason: 'expired' });
    expect(expiryJudgement(expired, rings2('F2'), CALL_TYPE, aroundTheClock)).toMatchObject({ met: false, counted: false, reason: 'expired' });
    expect(toFinishedEvent(expired, aroundTheClock)).toMatchObject({ outcome: 'abandoned', gaveUp: true, answerSeconds: 7_200, rings: 1_201, queue: 'sales' });
    expect(expiresAtMs(CALL_TYPE, expired)).toBeNull();
  });

  it('a visit expires after 8 h; a closed case never expires', () => {
    const open = caseState(VISIT_TYPE, [ms('visit', 'v')('arrived', start)]);
    expect(expiresAtMs(VISIT_TYPE, open)).toBe(at(start) + 8 * 3_600_000);
    const greeted = caseState(VISIT_TYPE, [ms('visit', 'v')('arrived', start), ms('visit', 'v')('greeted', '2026-11-23T09:15:20Z')]);
    expect(expiresAtMs(VISIT_TYPE, greeted)).toBeNull();
    expect(() => expireCase(VISIT_TYPE, greeted)).toThrow(RangeError);
  });

  it('a complaint open 90 days ends without a stop: its unmeasured clocks are missed, measured ones keep their judgement', () => {
    const m = ms('complaint', 'k');
    const open = caseState(COMPLAINT_TYPE, [m('received', '2026-01-05T10:00:00Z'), m('acknowledged', '2026-01-05T11:00:00Z')]);
    expect(expiresAtMs(COMPLAINT_TYPE, open)).toBe(at('2026-04-05T10:00:00Z'));
    const expired = expireCase(COMPLAINT_TYPE, open);
    expect(expired.end).toEqual({ stop: null, outcome: null, atMs: at('2026-04-05T10:00:00Z'), expired: true });
    const s = (measure: string, formula: FormulaVariant = 'F2') => standard({ id: measure, eventType: 'complaint', measure, threshold: 3 * 86_400, formula });
    expect(expiryJudgement(expired, s('acknowledgeSeconds'), COMPLAINT_TYPE, aroundTheClock)).toBeNull();
    expect(expiryJudgement(expired, s('resolveSeconds'), COMPLAINT_TYPE, aroundTheClock)).toMatchObject({ value: null, met: false, counted: true, reason: 'expired' });
    expect(expiryJudgement(expired, s('followUpSeconds'), COMPLAINT_TYPE, aroundTheClock)).toMatchObject({ value: null, met: false, counted: true, reason: 'expired' });
    expect(toFinishedEvent(expired, aroundTheClock)).toMatchObject({ outcome: 'expired', gaveUp: false, measures: { acknowledgeSeconds: 3_600, resolveSeconds: null, followUpSeconds: null } });
  });

  it('a complaint followed up without its acknowledgement still expires for that clock', () => {
    const m = ms('complaint', 'k');
    const followed = caseState(COMPLAINT_TYPE, [m('received', '2026-01-05T10:00:00Z'), m('resolved', '2026-01-06T10:00:00Z'), m('followedUp', '2026-01-07T10:00:00Z')]);
    expect(expiresAtMs(COMPLAINT_TYPE, followed)).toBe(at('2026-04-05T10:00:00Z'));
    expect(openClockOf(followed, [], aroundTheClock, at('2026-01-08T00:00:00Z'))).toBeNull();
  });

  it('a case whose start never arrived expires from its first milestone', () => {
    const orphan = caseState(CALL_TYPE, [ms('call', 'o')('answered', '2026-11-23T10:00:00Z')]);
    expect(expiresAtMs(CALL_TYPE, orphan)).toBe(at('2026-11-23T12:00:00Z'));
    expect(expiryJudgement(expireCase(CALL_TYPE, orphan), rings2('F3'), CALL_TYPE, aroundTheClock)).toMatchObject({ value: null, counted: true, met: false, reason: 'expired' });
  });
});

// ---- user-defined types ------------------------------------------------------------------------------------------

describe('user-defined types', () => {
  const EMAIL: EventTypeDefinition = {
    id: 'email',
    name: 'Emails',
    milestones: [
      { id: 'received', role: 'start' },
      { id: 'replied', role: 'stop', outcome: 'served' },
      { id: 'withdrawn', role: 'stop', outcome: 'gaveUp' },
    ],
    measures: [{ id: 'replySeconds', from: 'received', to: 'replied' }],
    maxOpenSeconds: 30 * 86_400,
  };
  const CALLBACK: EventTypeDefinition = {
    id: 'callback',
    name: 'Callbacks',
    milestones: [
      { id: 'requested', role: 'start' },
      { id: 'calledBack', role: 'step' },
      { id: 'closed', role: 'stop', outcome: 'served' },
      { id: 'cancelled', role: 'stop', outcome: 'gaveUp' },
    ],
    measures: [{ id: 'callbackSeconds', from: 'requested', to: 'calledBack' }],
    maxOpenSeconds: 2 * 86_400,
  };
  const emailSite: ClockSite = { timeZone: 'Europe/Berlin', hours: weekdays(['09:00-17:00']), holidays: [], ringCycleSeconds: 6 };
  const replyIn1Day = standard({ id: 'email-reply-1bd', eventType: 'email', measure: 'replySeconds', threshold: 8 * HOUR, clock: 'business' });
  const callbackIn2h = standard({ id: 'callback-2h', eventType: 'callback', measure: 'callbackSeconds', threshold: 2 * HOUR });

  it('are validated and registered', () => {
    const types = eventTypeListSchema.parse([EMAIL, CALLBACK]);
    const result = buildRegistry(types);
    expect(result.ok && result.registry.all().map((t) => t.id)).toEqual(['call', 'visit', 'complaint', 'email', 'callback']);
  });

  it('email answered within 1 business day: Friday 16:00 is due Monday 16:00', () => {
    const m = ms('email', 'e-1');
    const received = m('received', '2026-11-20T16:00:00+01:00');
    const open = caseState(EMAIL, [received]);
    expect(clockStatus(open, replyIn1Day, emailSite, at('2026-11-20T16:00:00+01:00'))?.deadlineMs).toBe(at('2026-11-23T16:00:00+01:00'));
    expect(clockStatus(open, replyIn1Day, emailSite, at('2026-11-23T14:36:00+01:00'))?.state).toBe('at-risk'); // 6.4 of 8 open hours
    const replied = caseState(EMAIL, [received, m('replied', '2026-11-23T15:00:00+01:00')]);
    expect(judgeMeasure(replied, replyIn1Day, emailSite)).toEqual({ standardId: 'email-reply-1bd', standardVersion: 1, measure: 'replySeconds', value: 7 * HOUR, threshold: 8 * HOUR, met: true, counted: true, reason: null });
    const withdrawn = caseState(EMAIL, [received, m('withdrawn', '2026-11-23T10:00:00+01:00')]);
    expect(judgeMeasure(withdrawn, replyIn1Day, emailSite)).toMatchObject({ value: 2 * HOUR, met: false, counted: true, reason: 'abandoned' });
    expect(judgeMeasure(withdrawn, { ...replyIn1Day, formula: 'F1' }, emailSite)).toMatchObject({ met: true, counted: true, reason: 'abandoned' });
    expect(judgeMeasure(withdrawn, { ...replyIn1Day, formula: 'F2' }, emailSite)).toMatchObject({ met: false, counted: false, reason: 'abandoned' });
    expect(judgeMeasure(withdrawn, { ...replyIn1Day, shortAbandonSeconds: 2 * HOUR }, emailSite)).toMatchObject({ counted: false, reason: 'short-abandon' });
    expect(toFinishedEvent(replied, emailSite)).toMatchObject({ type: 'email', outcome: 'replied', gaveUp: false, rings: null, answerSeconds: null, measures: { replySeconds: 71 * HOUR } }); // wall-clock seconds, as the event records them
  });

  it('callback within 2 hours: met, breached and judged at the deadline, cancelled', () => {
    const m = ms('callback', 'cb-1');
    const requested = m('requested', '2026-11-23T10:00:00Z', { queue: 'sales' });
    const open = caseState(CALLBACK, [requested]);
    expect(clockStatus(open, callbackIn2h, aroundTheClock, at('2026-11-23T11:36:00Z'))?.state).toBe('at-risk');
    expect(clockStatus(open, callbackIn2h, aroundTheClock, at('2026-11-23T12:00:00Z'))?.state).toBe('at-risk');
    expect(clockStatus(open, callbackIn2h, aroundTheClock, at('2026-11-23T12:00:00.001Z'))?.state).toBe('breached');
    expect(deadlineVerdict(callbackIn2h, CALLBACK, aroundTheClock)).toBe(true);
    expect(deadlineJudgement(open, callbackIn2h, CALLBACK, aroundTheClock, at('2026-11-23T12:00:00.001Z'))).toMatchObject({ measure: 'callbackSeconds', reason: 'deadline', met: false, counted: true });
    expect(judgeMeasure(caseState(CALLBACK, [requested, m('calledBack', '2026-11-23T11:59:59Z')]), callbackIn2h, aroundTheClock)).toMatchObject({ value: 7_199, met: true });
    expect(judgeMeasure(caseState(CALLBACK, [requested, m('cancelled', '2026-11-23T10:30:00Z')]), callbackIn2h, aroundTheClock)).toMatchObject({ value: 1_800, met: false, reason: 'abandoned' });
    // Closed without a callback: the callback clock keeps running until it is called back or the case expires.
    const closed = caseState(CALLBACK, [requested, m('closed', '2026-11-23T10:30:00Z')]);
    expect(clockStatus(closed, callbackIn2h, aroundTheClock, at('2026-11-23T12:30:00Z'))?.state).toBe('breached');
    expect(expiresAtMs(CALLBACK, closed)).toBe(at('2026-11-25T10:00:00Z'));
  });

  it('the judge reads measures of other types and treats their gaveUp stop as an abandon', () => {
    const event = { type: 'email', outcome: 'withdrawn', gaveUp: true, rings: null, answerSeconds: null, greetSeconds: null, measures: { replySeconds: 4 } };
    expect(judgeAgainst(event, { ...replyIn1Day, shortAbandonSeconds: 5 }, true)).toMatchObject({ measure: 'replySeconds', value: 4, counted: false, reason: 'short-abandon' });
    expect(judgeAgainst({ ...event, outcome: 'replied', gaveUp: false }, replyIn1Day, true)).toMatchObject({ value: 4, met: true, reason: null });
    expect(judgeAgainst({ ...event, measures: {} }, replyIn1Day, true)).toMatchObject({ value: null, met: false, counted: true, reason: 'abandoned' });
  });
});

// ---- open clocks on the wire --------------------------------------------------------------------------------------

describe('open clocks', () => {
  it('lists every running clock of the standards that judge an open case, with deadline and state', () => {
    const m = ms('complaint', 'k-7');
    const standards = [
      standard({ id: 'ack-4bh', eventType: 'complaint', measure: 'acknowledgeSeconds', threshold: 4 * HOUR, clock: 'business' }),
      standard({ id: 'resolve-3bd', eventType: 'complaint', measure: 'resolveSeconds', threshold: 24 * HOUR, clock: 'business' }),
      standard({ id: 'follow-up-2d', eventType: 'complaint', measure: 'followUpSeconds', threshold: 2 * 86_400 }),
      standard({ id: 'other-site', eventType: 'complaint', measure: 'resolveSeconds', threshold: HOUR, scope: { sites: ['uptown'] } }),
      standard({ id: 'retired', eventType: 'complaint', measure: 'resolveSeconds', threshold: HOUR, retired: true }),
      standard({ id: 'calls', eventType: 'call', measure: 'rings', threshold: 2 }),
    ];
    const state = caseState(COMPLAINT_TYPE, [m('received', '2026-03-26T16:00:00+01:00')]);
    expect(standardsForCase(state, standards).map((s) => s.id)).toEqual(['ack-4bh', 'resolve-3bd', 'follow-up-2d']);
    const clock = openClockOf(state, standards, office, at('2026-03-30T09:30:00Z'))!;
    expect(clock).toEqual({
      type: 'complaint',
      site: 'downtown',
      caseId: 'k-7',
      startedAt: '2026-03-26T15:00:00.000Z',
      elapsedSeconds: (at('2026-03-30T09:30:00Z') - at('2026-03-26T15:00:00Z')) / 1000,
      standards: [
        { standardId: 'ack-4bh', standardVersion: 1, standardLabel: 'Complaints ≤ 4 h', deadline: '2026-03-30T10:00:00.000Z', atRiskAt: '2026-03-30T09:12:00.000Z', state: 'at-risk' },
        // 24 open hours: 1 h on Thursday, the holiday, 8 h on Monday and Tuesday, 7 h on Wednesday (16:00 CEST)
        { standardId: 'resolve-3bd', standardVersion: 1, standardLabel: 'Complaints ≤ 24 h', deadline: '2026-04-01T14:00:00.000Z', atRiskAt: '2026-04-01T09:12:00.000Z', state: 'running' },
      ],
    });
    expect(matchesClockFilter(clock, 'open')).toBe(true);
    expect(matchesClockFilter(clock, 'at-risk')).toBe(true);
    expect(matchesClockFilter(clock, 'breached')).toBe(false);
  });

  it('shows the verdict recorded on the case on its standing, after notCounted, and nothing on the others', () => {
    const visit = caseState(VISIT_TYPE, [ms('visit', 'v-1')('arrived', '2026-03-30T06:00:00Z')]);
    const greet = standard({ id: 'greet', eventType: 'visit', measure: 'greetSeconds', threshold: 30, countOutsideHours: false });
    const greetAll = standard({ id: 'greet-all', eventType: 'visit', measure: 'greetSeconds', threshold: 30 });
    const recorded = new Map([['greet', { standardId: 'greet', standardVersion: 1, measure: 'greetSeconds', value: null, threshold: 30, met: false, counted: false, reason: 'outside-hours' as const }]]);
    const clock = openClockOf(visit, [greet, greetAll], office, at('2026-03-30T06:01:00Z'), (id) => recorded.get(id))!;
    expect(clock.standards).toEqual([
      { standardId: 'greet', standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: null, atRiskAt: null, state: 'running', notCounted: 'outside-hours', judged: { met: false, reason: 'outside-hours' } },
      { standardId: 'greet-all', standardVersion: 1, standardLabel: 'Visits ≤ 30 s', deadline: '2026-03-30T06:00:30.000Z', atRiskAt: '2026-03-30T06:00:24.000Z', state: 'breached' },
    ]);
    // Pushed and listed as JSON: the keys in the order they always had.
    expect(Object.keys(clock.standards[0]!)).toEqual(['standardId', 'standardVersion', 'standardLabel', 'deadline', 'atRiskAt', 'state', 'notCounted', 'judged']);
    expect(openClockOf(visit, [greet, greetAll], office, at('2026-03-30T06:01:00Z'))!.standards.map((s) => s.judged)).toEqual([undefined, undefined]);
  });
});
