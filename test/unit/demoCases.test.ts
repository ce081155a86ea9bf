// The demo's cases with a seeded random source: what milestones happen when, that the API would take each of them,
// that calls and visits stay a well-run operation (calm around the live start), complaints come in business hours
// and mostly meet their standards, and the backfill splits history from what is still to come.
import { describe, expect, it } from 'vitest';
import { eventInputSchema, milestoneInputSchema } from '../../server/src/protocol';
import { backfill, createCaseSimulator, DEFAULT_HISTORY_EVENTS_PER_SECOND, finishedEventOf, HISTORY_DAY_SHAPE, milestoneInput, splitAt, weekdayOfficeHours, type DemoCase } from '../../server/src/demo/cases';
import { DEMO_SITES } from '../../server/src/demo/simulator';
import { judgeEvent } from '../../server/src/domain/judge';
import { completeMeasurements } from '../../server/src/domain/measures';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';

// A Monday, 09:00 UTC: the demo's sites take complaints from now on.
const MONDAY = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function cases(seed: number, n: number, startMs = MONDAY, extra = {}): DemoCase[] {
  const sim = createCaseSimulator({ seed, startMs, ...extra });
  return Array.from({ length: n }, () => sim.next());
}

function missRate(list: readonly DemoCase[]): number {
  const judgements = list
    .map(finishedEventOf)
    .filter((e) => e !== null)
    .flatMap((e) => judgeEvent({ ...e, ...completeMeasurements(e, 6) }, DEFAULT_STANDARDS));
  return judgements.filter((j) => !j.met).length / judgements.length;
}

describe('demo cases', { timeout: 30_000 }, () => {
  it('are the same for a seed and differ between seeds', () => {
    expect(cases(42, 300)).toEqual(cases(42, 300));
    expect(cases(42, 300)).not.toEqual(cases(43, 300));
  });

  it('start in time order, each with its milestones in order, every one a milestone the API takes', () => {
    const list = cases(7, 1000);
    for (let i = 1; i < list.length; i += 1) expect(list[i]!.milestones[0]!.atMs).toBeGreaterThanOrEqual(list[i - 1]!.milestones[0]!.atMs);
    for (const c of list) {
      const times = c.milestones.map((m) => m.atMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const m of c.milestones) expect(milestoneInputSchema.safeParse(milestoneInput(c, m)).success, JSON.stringify(milestoneInput(c, m))).toBe(true);
      const finished = finishedEventOf(c);
      if (c.type === 'complaint') expect(finished).toBeNull();
      else expect(eventInputSchema.safeParse(finished).success, JSON.stringify(finished)).toBe(true);
    }
  });

  it('ring and wait seconds, and keep complaints open for hours and days', () => {
    const list = cases(3, 6000, MONDAY, { complaintsPerHour: 6 });
    const byType = (t: string) => list.filter((c) => c.type === t);
    expect(new Set(list.map((c) => c.site))).toEqual(new Set(DEMO_SITES.map((s) => s.name)));
    for (const c of byType('call')) expect(c.milestones.map((m) => m.milestone)).toEqual(['started', expect.stringMatching(/^(answered|abandoned)$/)]);
    for (const c of byType('visit')) expect(c.milestones.map((m) => m.milestone)).toEqual(['arrived', expect.stringMatching(/^(greeted|left)$/)]);
    const complaints = byType('complaint');
    expect(complaints.length).toBeGreaterThan(0);
    for (const c of complaints) {
      expect(c.milestones.map((m) => m.milestone)).toEqual(['received', 'acknowledged', 'resolved', 'followedUp']);
      expect(weekdayOfficeHours(c.site, c.milestones[0]!.atMs)).toBe(true);
    }
    // About 2 calls and visits a second: 6,000 cases (a few complaints among them) take close to 3,000 s.
    const spanS = (list.at(-1)!.milestones[0]!.atMs - MONDAY) / 1000;
    expect(spanS).toBeGreaterThan(2_600);
    expect(spanS).toBeLessThan(3_300);
  });

  it('meet the call and visit standards mostly, but not always', () => {
    const rate = missRate(cases(5, 8000));
    expect(rate).toBeGreaterThan(0.01);
    expect(rate).toBeLessThan(0.12);
  });

  it('acknowledge most complaints within 4 hours, resolve most within 3 days, with an occasional late one', () => {
    const complaints = cases(11, 6000, MONDAY, { eventsPerSecond: 0.01, complaintsPerHour: 2 }).filter((c) => c.type === 'complaint');
    expect(complaints.length).toBeGreaterThan(200);
    const after = (c: DemoCase, from: string, to: string) => c.milestones.find((m) => m.milestone === to)!.atMs - c.milestones.find((m) => m.milestone === from)!.atMs;
    const lateAck = complaints.filter((c) => after(c, 'received', 'acknowledged') > 4 * HOUR).length / complaints.length;
    const lateResolve = complaints.filter((c) => after(c, 'received', 'resolved') > 3 * DAY).length / complaints.length;
    expect(lateAck).toBeGreaterThan(0.005);
    expect(lateAck).toBeLessThan(0.1);
    expect(lateResolve).toBeGreaterThan(0.005);
    expect(lateResolve).toBeLessThan(0.12);
  });

  it('keep every site calm in the hour before the live start and its first minutes, even when busy spells are frequent', () => {
    const liveFromMs = MONDAY + 1.5 * HOUR;
    const busy = { meanSpellGapMs: 60_000, eventsPerSecond: 2, historyEventsPerSecond: 2, liveFromMs };
    // History follows the day's shape (at 09:00 UTC about twice its mean rate): enough cases to pass the live start.
    const list = cases(9, 30_000, MONDAY, busy).filter((c) => c.type !== 'complaint');
    const start = (c: DemoCase) => c.milestones[0]!.atMs;
    const calm = list.filter((c) => start(c) >= liveFromMs - HOUR && start(c) < liveFromMs + 5 * 60_000);
    const before = list.filter((c) => start(c) < liveFromMs - HOUR);
    expect(calm.length).toBeGreaterThan(1000);
    expect(list.at(-1)!.milestones[0]!.atMs).toBeGreaterThan(liveFromMs + 5 * 60_000);
    expect(missRate(calm)).toBeLessThan(0.05);
    expect(missRate(before)).toBeGreaterThan(2 * missRate(calm));
  });
});

describe('demo backfill', { timeout: 30_000 }, () => {
  const liveFromMs = Date.parse('2026-03-09T12:00:00Z');
  const sim = createCaseSimulator({ seed: 2026, startMs: liveFromMs - 7 * DAY, liveFromMs });
  const { backfill: history, firstLive } = backfill(sim, liveFromMs);

  it('turns 7 days of ended calls and visits into finished events at the history rate, and the last hour at the live rate', () => {
    const lastHour = history.events.filter((e) => Date.parse(e.occurredAt) >= liveFromMs - HOUR).length;
    const expected = (7 * 86_400 - 3600) * DEFAULT_HISTORY_EVENTS_PER_SECOND;
    expect(history.events.length - lastHour).toBeGreaterThan(expected * 0.9);
    expect(history.events.length - lastHour).toBeLessThan(expected * 1.1);
    // Two a second, the live demo's rate (a few calls still ringing at the start are left out): the hour the band
    // window reads at the start holds enough events that a calm hour's chance misses do not read as a dip.
    expect(lastHour).toBeGreaterThan(3600 * 2 * 0.9);
    expect(lastHour).toBeLessThan(3600 * 2 * 1.1);
    for (const e of history.events) expect(Date.parse(e.occurredAt)).toBeLessThan(liveFromMs);
    expect(new Set(history.events.map((e) => e.type))).toEqual(new Set(['call', 'visit']));
  });

  it('posts complaints as the milestones they reached, and keeps what is still to come for the live demo, in time order', () => {
    expect(history.milestones.length).toBeGreaterThan(0);
    for (const m of history.milestones) expect(Date.parse(m.at)).toBeLessThan(liveFromMs);
    expect(history.pending.length).toBeGreaterThan(0);
    const times = history.pending.map((p) => p.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(liveFromMs);
    // Complaints still open at the start: their start was posted with the history.
    const openComplaints = new Set(history.pending.filter((p) => p.input.type === 'complaint').map((p) => p.input.caseId));
    expect(openComplaints.size).toBeGreaterThan(0);
    for (const caseId of openComplaints) expect(history.milestones.some((m) => m.caseId === caseId && m.milestone === 'received')).toBe(true);
    expect(firstLive.milestones[0]!.atMs).toBeGreaterThanOrEqual(liveFromMs);
  });

  it('splits a case at an instant into what happened and what is to come', () => {
    const c: DemoCase = { type: 'call', site: 'harbour', caseId: 'x', milestones: [{ milestone: 'started', atMs: 0 }, { milestone: 'answered', atMs: 5000 }] };
    expect(splitAt(c, 5000)).toEqual({ past: [c.milestones[0]], future: [c.milestones[1]] });
  });
});

describe('demo history for the Staffing view', { timeout: 30_000 }, () => {
  const liveFromMs = Date.parse('2026-03-09T00:00:00Z');
  const sim = createCaseSimulator({ seed: 7, startMs: liveFromMs - 7 * DAY, liveFromMs });
  const { backfill: history } = backfill(sim, liveFromMs);

  it('is busier in the working day than at night, following the day shape', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const e of history.events) byHour[new Date(e.occurredAt).getUTCHours()]! += 1;
    expect(byHour[10]! / byHour[2]!).toBeGreaterThan(10);
    expect(byHour[10]!).toBeGreaterThan(byHour[13]!);
    expect(HISTORY_DAY_SHAPE.reduce((s, v) => s + v, 0) / 24).toBeCloseTo(1, 12);
  });

  it('says how long serving took on every answered call and greeted visitor, and on no other', () => {
    const served = history.events.filter((e) => e.outcome === 'answered' || e.outcome === 'greeted');
    expect(served.length).toBeGreaterThan(1000);
    for (const e of served) expect(e.handleSeconds).toBeGreaterThanOrEqual(30);
    for (const e of history.events.filter((e) => e.outcome === 'abandoned' || e.outcome === 'left')) expect(e.handleSeconds).toBeUndefined();
    const calls = served.filter((e) => e.type === 'call');
    const mean = calls.reduce((s, e) => s + e.handleSeconds!, 0) / calls.length;
    expect(mean).toBeGreaterThan(100);
    expect(mean).toBeLessThan(140);
  });
});
