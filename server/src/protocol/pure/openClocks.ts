// Open clocks as the clients keep them: the snapshot's openClocks, then each live `clocks` update applied in
// order (changed cases replace, closed ones leave), and a standing's state at any instant from its own deadlines,
// so a countdown turns at-risk and breached on time between two pushes. The dashboard and the extension both use
// these, so their counts agree.
import { groupKey } from './groupKey';
import type { ClockBreach, ClockKey, ClockState, ClocksUpdate, ClockTiming, OpenClock } from '../eventTypes';

/** One string per case: type, site and case id (a site and a case id stored before NUL was refused keep theirs apart: groupKey). */
export function clockKeyOf(clock: ClockKey): string {
  return groupKey(clock.type, clock.site, clock.caseId);
}

/** A breach's identity: the case and the standard whose deadline passed. */
export function breachKeyOf(breach: ClockBreach): string {
  return groupKey(breach.type, breach.site, breach.caseId, breach.standardId);
}

/** The open cases after an update, oldest start first (then by key, so the order never depends on arrival). */
export function applyClocksUpdate(open: readonly OpenClock[], update: Pick<ClocksUpdate, 'changed' | 'closed'>): OpenClock[] {
  if (update.changed.length === 0 && update.closed.length === 0) return [...open];
  const byKey = new Map(open.map((c) => [clockKeyOf(c), c]));
  for (const clock of update.changed) byKey.set(clockKeyOf(clock), clock);
  for (const key of update.closed) byKey.delete(clockKeyOf(key));
  return sortClocks(byKey.values());
}

export function sortClocks(clocks: Iterable<OpenClock>): OpenClock[] {
  return [...clocks].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || clockKeyOf(a).localeCompare(clockKeyOf(b)));
}

const RANK: Readonly<Record<ClockState, number>> = { running: 0, 'at-risk': 1, breached: 2 };

/**
 * A clock state in words, wherever a client names one: the status bar, the Sites view, the dashboard's tiles and
 * at-risk panel, the kiosk. A deadline passed is "breached", the API's word for that state (GET /clocks `state`, the
 * live `clocks` push's `breaches`, docs/api.md), so one case is never "breached" in one view, "past deadline" in the
 * next and "overdue" in a third.
 */
export const CLOCK_STATE_WORDS: Readonly<Record<ClockState, string>> = { running: 'running', 'at-risk': 'at risk', breached: 'breached' };

/** "1 at risk", "3 breached": how many cases (or deadlines) are in a state, in CLOCK_STATE_WORDS. */
export function clockStateCount(count: number | string, state: ClockState): string {
  return `${count} ${CLOCK_STATE_WORDS[state]}`;
}

/**
 * A standing's state at `nowMs`: from its own at-risk and deadline instants, never less than what the server last
 * said (the server knows the exact breach instant; a state it sent is not taken back by a slow local clock).
 */
export function standingStateAt(standing: ClockTiming, nowMs: number): ClockState {
  const deadline = standing.deadline === null ? null : Date.parse(standing.deadline);
  const atRisk = standing.atRiskAt === null ? null : Date.parse(standing.atRiskAt);
  const local: ClockState = deadline !== null && nowMs > deadline ? 'breached' : atRisk !== null && nowMs >= atRisk ? 'at-risk' : 'running';
  return RANK[local] >= RANK[standing.state] ? local : standing.state;
}

/** The worst state of any of the case's standings at `nowMs` ('running' when it has none). */
export function clockStateAt(clock: { standards: readonly ClockTiming[] }, nowMs: number): ClockState {
  let worst: ClockState = 'running';
  for (const s of clock.standards) {
    const state = standingStateAt(s, nowMs);
    if (RANK[state] > RANK[worst]) worst = state;
  }
  return worst;
}

/**
 * When a case still open is closed as expired: its type's maxOpenSeconds after its start (a visit then gives up, as
 * left). The server closes it then, and a client that lists the case stops listing it then.
 */
export function expiresAtMsFrom(startMs: number, maxOpenSeconds: number): number {
  return startMs + maxOpenSeconds * 1000;
}

/**
 * Whether no standard will count the case: it has standings and each is `notCounted` (it started while its site
 * was closed). Such a case is open and waiting, never at risk or breached (clockStateAt says 'running'); the kiosk
 * labels it, so the desk does not chase a visitor the figures will leave out.
 */
export function countedByNone(clock: { standards: readonly ClockTiming[] }): boolean {
  return clock.standards.length > 0 && clock.standards.every((s) => s.notCounted !== undefined);
}

export interface OpenCounts {
  open: number;
  atRisk: number;
  breached: number;
}

/** How many cases are open, at risk (worst standing) and breached (worst standing) at `nowMs`. */
export function countOpenClocks(clocks: Iterable<OpenClock>, nowMs: number): OpenCounts {
  const counts: OpenCounts = { open: 0, atRisk: 0, breached: 0 };
  for (const clock of clocks) {
    counts.open += 1;
    const state = clockStateAt(clock, nowMs);
    if (state === 'at-risk') counts.atRisk += 1;
    else if (state === 'breached') counts.breached += 1;
  }
  return counts;
}

/** Open cases per site (the site id as the clocks carry it), for site lists. */
export function openClocksBySite(clocks: Iterable<OpenClock>): Map<string, OpenClock[]> {
  const bySite = new Map<string, OpenClock[]>();
  for (const clock of clocks) bySite.set(clock.site, [...(bySite.get(clock.site) ?? []), clock]);
  return bySite;
}

/** "0:41", "12:05", "3:04:09", "2 d 4 h": a wait or a time left, in the fewest characters that stay readable. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s >= 2 * 86_400) return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return `${Math.floor(s / 60)}:${two(s % 60)}`;
}
