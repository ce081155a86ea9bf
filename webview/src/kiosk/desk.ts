// The reception desk as the kiosk keeps it on the device: the visitors waiting, and the milestones not yet
// acknowledged by the server (the outbox). Pure: ids and times are arguments, so a test controls them. The whole
// state is saved after every change, before anything is sent: a milestone exists on the device with its id from
// the moment it is tapped, and sending it again after a crash or a lost answer is harmless (the server keeps one
// milestone per case and milestone, and answers a re-send as a duplicate).
import { clockStateAt, countedByNone, expiresAtMsFrom, localParts } from '@ringside/server/protocol/pure';
import type { ClockState, ClockTiming, KioskStandard, MilestoneDefinition, StoredMilestone } from '@ringside/server/protocol';

export interface Visitor {
  caseId: string;
  /** "Visitor 3": counts up on this device from 1 each day, so the person at the desk can tell them apart. */
  number: number;
  /** ISO 8601 (UTC), on the server's time as far as the device knows it. */
  arrivedAt: string;
  /**
   * The thresholds of the standards the kiosk knew at the arrival: the server times a case by the version of each
   * standard in force when it started, so a change made while the visitor waits applies to the next visitors only.
   * Absent for a visitor saved before the kiosk kept them (timed by the setup of now, as then).
   */
  timedBy?: Thresholds[];
}

type Thresholds = Pick<KioskStandard, 'standardId' | 'atRiskSeconds' | 'deadlineSeconds'>;

/** A milestone as POST /api/v1/milestones takes it, with its own id so every re-send is the same milestone. */
export type WireMilestone = Pick<StoredMilestone, 'id' | 'type' | 'site' | 'caseId' | 'milestone' | 'at'>;

/**
 * A milestone waiting to be sent, and the number of the visitor it is for ("Visitor 3"), which stays on the tablet:
 * a refusal is told by it, as the person at the desk knows the visitor by it, not by the case id. Absent in an
 * outbox saved before the tablet kept it.
 */
export type QueuedMilestone = WireMilestone & { visitor?: number };

/** What is posted of queued milestones: the milestones alone, without what the tablet keeps for itself. */
export function wireMilestones(queued: readonly QueuedMilestone[]): WireMilestone[] {
  return queued.map(({ visitor: _visitor, ...milestone }) => milestone);
}

/**
 * A refused tap in the words of the desk: "Visitor 3's greeting" (its arrival, its leaving); a tap saved before the
 * tablet kept visitor numbers is named by its milestone and case.
 */
export function tapWords(tap: QueuedMilestone, milestones: DeskMilestones): string {
  const what = tap.milestone === milestones.arrived ? 'arrival' : tap.milestone === milestones.greeted ? 'greeting' : tap.milestone === milestones.left ? 'leaving' : tap.milestone;
  return tap.visitor === undefined ? `one entry (${tap.milestone} of ${tap.caseId})` : `Visitor ${tap.visitor}'s ${what}`;
}

export interface DeskState {
  visitors: Visitor[];
  outbox: QueuedMilestone[];
  nextNumber: number;
  /**
   * The site's local day (YYYY-MM-DD in its zone) that `nextNumber` counts in, that of the last arrival; null before
   * the first, and in a desk saved before the count restarted each day.
   */
  day: string | null;
}

/** The milestones the kiosk posts, from the visit type (GET /api/v1/kiosk). */
export interface DeskMilestones {
  type: string;
  arrived: string;
  greeted: string;
  left: string;
}

export const EMPTY_DESK: DeskState = { visitors: [], outbox: [], nextNumber: 1, day: null };

/** The built-in visit type's milestones: what the kiosk uses before it has asked the server (offline from the start). */
export const VISIT_MILESTONES: DeskMilestones = { type: 'visit', arrived: 'arrived', greeted: 'greeted', left: 'left' };

/** The type's start, served stop and gave-up stop. */
export function deskMilestones(type: { id: string; milestones: readonly MilestoneDefinition[] }): DeskMilestones {
  const start = type.milestones.find((m) => m.role === 'start');
  const served = type.milestones.find((m) => m.role === 'stop' && m.outcome === 'served');
  const gaveUp = type.milestones.find((m) => m.role === 'stop' && m.outcome === 'gaveUp');
  return start && served && gaveUp ? { type: type.id, arrived: start.id, greeted: served.id, left: gaveUp.id } : VISIT_MILESTONES;
}

export interface Tap {
  site: string;
  milestones: DeskMilestones;
  /** A fresh id for the milestone (and, on arrival, for the case). */
  id: string;
  atMs: number;
}

/**
 * A visitor arrived: a new case, and its start milestone queued. The first arrival of a later day in the site's zone
 * (`timeZone`) is "Visitor 1" again (or the first number no one still waiting has: visitors waiting since the day before
 * keep theirs).
 */
export function arrive(state: DeskState, tap: Tap & { caseId: string; timeZone: string; standards?: readonly KioskStandard[] }): DeskState {
  const at = new Date(tap.atMs).toISOString();
  const today = dayIn(tap.atMs, tap.timeZone);
  const previous = state.day ?? dayOfLatestArrival(state, tap.timeZone);
  const restart = today !== null && (previous === null || today > previous);
  const number = freeNumber(state.visitors, restart ? 1 : state.nextNumber);
  const timedBy = tap.standards?.map(({ standardId, atRiskSeconds, deadlineSeconds }) => ({ standardId, atRiskSeconds, deadlineSeconds }));
  const visitor: Visitor = { caseId: tap.caseId, number, arrivedAt: at, ...(timedBy?.length ? { timedBy } : {}) };
  const milestone: QueuedMilestone = { id: tap.id, type: tap.milestones.type, site: tap.site, caseId: tap.caseId, milestone: tap.milestones.arrived, at, visitor: number };
  return { visitors: [...state.visitors, visitor], outbox: [...state.outbox, milestone], nextNumber: number + 1, day: restart ? today : previous };
}

/** `from`, or the next number after it no visitor still waiting has: a visitor from the day before keeps theirs. */
function freeNumber(visitors: readonly Visitor[], from: number): number {
  let n = from;
  while (visitors.some((v) => v.number === n)) n += 1;
  return n;
}

/**
 * A desk saved before the count restarted each day knows no day: its latest visitor still waiting tells it (their
 * numbers go on), and with no one waiting no number can be confused, so it starts again at 1.
 */
function dayOfLatestArrival(state: DeskState, timeZone: string): string | null {
  const latest = state.visitors.at(-1);
  return latest ? dayIn(Date.parse(latest.arrivedAt), timeZone) : null;
}

/** The date in the zone; null where this browser does not know the zone (the count then goes on, never a lost tap). */
function dayIn(ms: number, timeZone: string): string | null {
  try {
    return localParts(ms, timeZone).date;
  } catch {
    return null;
  }
}

/** The visitor was greeted, or left without being greeted: the case's stop queued, the visitor off the list. */
export function finish(state: DeskState, caseId: string, how: 'greeted' | 'left', tap: Tap): DeskState {
  const visitor = state.visitors.find((v) => v.caseId === caseId);
  if (!visitor) return state;
  const milestone: QueuedMilestone = { id: tap.id, type: tap.milestones.type, site: tap.site, caseId, milestone: tap.milestones[how], at: new Date(tap.atMs).toISOString(), visitor: visitor.number };
  return { ...state, visitors: state.visitors.filter((v) => v.caseId !== caseId), outbox: [...state.outbox, milestone] };
}

/**
 * Without the visitors whose visit the server has closed by `nowMs`: one still waiting its type's maxOpenSeconds
 * after the arrival (8 hours for the built-in visit: a shift that ended with them on the list) is closed as expired,
 * a visit as left, and leaves the dashboard's open clocks. Nothing is queued for them: a tap would change nothing.
 */
export function withoutExpired(state: DeskState, nowMs: number, maxOpenSeconds: number): DeskState {
  const open = state.visitors.filter((v) => nowMs < expiresAtMsFrom(Date.parse(v.arrivedAt), maxOpenSeconds));
  return open.length === state.visitors.length ? state : { ...state, visitors: open };
}

/** The server acknowledged (stored, or already had) these milestones, or refused them for good. */
export function settled(state: DeskState, ids: readonly string[]): DeskState {
  const done = new Set(ids);
  return { ...state, outbox: state.outbox.filter((m) => !done.has(m.id)) };
}

/** How the kiosk shows a waiting visitor: a clock's state, or not counted by any standard (arrived while closed). */
export type WaitState = ClockState | 'not-counted';

/**
 * A visitor's wait against the desk's standards: 'at-risk' (amber) from 80 % of the tightest threshold, 'breached'
 * (red) past it, as the server's open clocks turn (the seconds come from the server, GET /api/v1/kiosk, as they
 * were at the arrival where the visitor kept them); under a
 * standard whose `notCounted` spans hold the arrival the clock has no deadline, as GET /clocks lists it, and a
 * visitor no standard counts is 'not-counted'. The server decided which arrivals those are; this only looks them up.
 */
export function waitState(visitor: Visitor, standards: readonly KioskStandard[], nowMs: number): WaitState {
  const arrived = Date.parse(visitor.arrivedAt);
  const clock = { standards: standards.map((s) => standingOf({ ...s, ...visitor.timedBy?.find((t) => t.standardId === s.standardId) }, arrived)) };
  return countedByNone(clock) ? 'not-counted' : clockStateAt(clock, nowMs);
}

function standingOf(standard: KioskStandard, arrivedMs: number): ClockTiming {
  // A setup saved by an older server has no spans: it counted every arrival.
  const uncounted = (standard.notCounted ?? []).some((span) => Date.parse(span.from) <= arrivedMs && arrivedMs < Date.parse(span.to));
  if (uncounted) return { standardId: standard.standardId, deadline: null, atRiskAt: null, state: 'running', notCounted: 'outside-hours' };
  const iso = (seconds: number) => new Date(arrivedMs + seconds * 1000).toISOString();
  return { standardId: standard.standardId, deadline: iso(standard.deadlineSeconds), atRiskAt: iso(standard.atRiskSeconds), state: 'running' };
}

/** The saved state, or an empty desk when nothing (or something unreadable) was saved. */
export function parseDesk(text: string | null): DeskState {
  if (!text) return EMPTY_DESK;
  try {
    const value = JSON.parse(text) as Partial<DeskState>;
    if (!Array.isArray(value.visitors) || !Array.isArray(value.outbox) || typeof value.nextNumber !== 'number') return EMPTY_DESK;
    return { visitors: value.visitors, outbox: value.outbox, nextNumber: value.nextNumber, day: typeof value.day === 'string' ? value.day : null };
  } catch {
    return EMPTY_DESK;
  }
}
