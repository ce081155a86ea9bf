// An open case as GET /clocks and the live push show it: each running clock's standing, named by the version that
// times it, and the list's state filter.
import type { ClockJudgement, ClockStanding, ClockStandard, ClockState, OpenClock } from '../../protocol/eventTypes';
import { standardShortLabel } from '../../protocol/pure';
import type { CaseState } from './caseState';
import { standardsForCase } from './judging';
import { clockStatus, type ClockSite } from './standardClock';

const LABELS = new WeakMap<ClockStandard, string>();

/**
 * The short label of the version that times a case (in force when it started, not the one in force now): its
 * standings and breaches name it. Once per version object: a look lists every open case's standings.
 */
export function clockLabel(standard: ClockStandard): string {
  let label = LABELS.get(standard);
  if (label === undefined) LABELS.set(standard, (label = standardShortLabel(standard)));
  return label;
}

/**
 * The open case as GET /clocks lists it: every running clock of the standards that judge it. null when closed.
 * `judged`: the verdict recorded on the case while open for a standard, if any (shown on its standing).
 */
export function openClockOf(state: CaseState, standards: readonly ClockStandard[], site: ClockSite, nowMs: number, judged?: (standardId: string) => ClockJudgement | undefined): OpenClock | null {
  if (state.end || !state.start) return null;
  const standings: ClockStanding[] = standardsForCase(state, standards).flatMap((s) => {
    const status = clockStatus(state, s, site, nowMs);
    if (!status) return [];
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const verdict = judged?.(s.id);
    // One literal: on Node 20 spreading a standing into a copy with a key it lacks cost microseconds per standing.
    return [{
      standardId: s.id, standardVersion: s.version, standardLabel: clockLabel(s), deadline: iso(status.deadlineMs), atRiskAt: iso(status.atRiskMs), state: status.state,
      ...(status.counted ? {} : { notCounted: 'outside-hours' as const }),
      ...(verdict ? { judged: { met: verdict.met, reason: verdict.reason } } : {}),
    }];
  });
  return {
    type: state.type,
    site: state.site,
    caseId: state.caseId,
    startedAt: new Date(state.start.atMs).toISOString(),
    elapsedSeconds: Math.max(0, nowMs - state.start.atMs) / 1000,
    standards: standings,
  };
}

/** Whether an open clock passes GET /clocks' `state` filter: every open case, or one with a clock in that state. */
export function matchesClockFilter(clock: OpenClock, filter: 'open' | ClockState): boolean {
  return filter === 'open' || clock.standards.some((s) => s.state === filter);
}
