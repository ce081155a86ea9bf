// The state of one case from its milestones, in any order, duplicates tolerated: what it reached, whether and how it
// ended, and each measure of its type. A measure's clock starts at its `from` milestone and stops at its `to`
// milestone; when the case gives up first (an abandoned call, a visitor who left) it stops at that gaveUp stop, and
// the measure is the time until then.
import type { EventTypeDefinition, StopOutcome } from '../../protocol/eventTypes';
import { milestoneOf, startOf } from '../eventTypes';

/** A milestone of a case as stored or posted (pairing key: type, site, caseId, milestone). */
export interface CaseMilestone {
  type: string;
  site: string;
  caseId: string;
  milestone: string;
  /** ISO 8601 with offset. */
  at: string;
  agent?: string | null;
  queue?: string | null;
  handleSeconds?: number | null;
}

interface ReachedMilestone {
  id: string;
  /** As posted. */
  at: string;
  atMs: number;
  agent: string | null;
  queue: string | null;
  handleSeconds: number | null;
}

export interface CaseEnd {
  /** The stop that ended the case; null when it expired without one (a type with no gaveUp stop). */
  stop: string | null;
  outcome: StopOutcome | null;
  atMs: number;
  /** Closed by expiry (the stop, if any, is the type's gaveUp stop put in at the expiry instant). */
  expired: boolean;
}

/** waiting: `from` not reached; running: started, not stopped; stopped: measured; skipped: gave up before it started. */
type MeasureStatus = 'waiting' | 'running' | 'stopped' | 'skipped';

export interface MeasureState {
  id: string;
  from: string;
  to: string;
  status: MeasureStatus;
  clockStartMs: number | null;
  stopMs: number | null;
  /** `to`, or the gaveUp stop when the case gave up first. */
  stoppedBy: string | null;
  /** served when `to` stopped the clock, gaveUp when the case gave up first. */
  outcome: StopOutcome | null;
  /** Wall-clock seconds from `from` to the stop (never negative); null until stopped. */
  seconds: number | null;
  /** Stopped by the gaveUp stop of an expiry rather than by a milestone. */
  byExpiry: boolean;
}

export interface CaseState {
  type: string;
  site: string;
  caseId: string;
  /** The start milestone; null until it arrives (a stop may be posted first). */
  start: ReachedMilestone | null;
  /** Each milestone reached, once (duplicates folded). */
  reached: Readonly<Record<string, ReachedMilestone>>;
  /** null while the case is open. */
  end: CaseEnd | null;
  measures: Readonly<Record<string, MeasureState>>;
  /** The start's queue, else the first one given in the type's milestone order. */
  queue: string | null;
  /** The ending stop's agent, else the last one given in the type's milestone order. */
  agent: string | null;
  handleSeconds: number | null;
  /** When the case was closed by expiry; null otherwise. */
  expiredAtMs: number | null;
}

/**
 * The state of one case from all its milestones so far, in any order, duplicates tolerated. Two versions of one
 * milestone (refused upstream with 409) resolve to the earliest, so the result never depends on arrival order.
 * Throws on milestones of another case or type, or unknown to the type (callers validate first).
 */
export function caseState(type: EventTypeDefinition, milestones: readonly CaseMilestone[]): CaseState {
  const first = milestones[0];
  if (!first) throw new RangeError('a case needs at least one milestone');
  const reached = foldMilestones(type, first, milestones);
  const start = reached[startOf(type).id] ?? null;
  const end = endOf(type, reached);
  const measures = measureStates(type, reached, end);
  const inOrder = type.milestones.flatMap((m) => (reached[m.id] ? [reached[m.id]!] : []));
  const ending = end?.stop ? reached[end.stop] : undefined;
  return {
    type: type.id,
    site: first.site,
    caseId: first.caseId,
    start,
    reached,
    end,
    measures,
    queue: start?.queue ?? inOrder.find((m) => m.queue !== null)?.queue ?? null,
    agent: ending?.agent ?? inOrder.findLast((m) => m.agent !== null)?.agent ?? null,
    handleSeconds: ending?.handleSeconds ?? null,
    expiredAtMs: null,
  };
}

function foldMilestones(type: EventTypeDefinition, first: CaseMilestone, milestones: readonly CaseMilestone[]): Record<string, ReachedMilestone> {
  const reached: Record<string, ReachedMilestone> = {};
  for (const m of milestones) {
    if (m.type !== type.id || m.site !== first.site || m.caseId !== first.caseId) {
      throw new RangeError(`milestone ${m.milestone} belongs to ${m.type}/${m.site}/${m.caseId}, not to ${type.id}/${first.site}/${first.caseId}`);
    }
    if (!milestoneOf(type, m.milestone)) throw new RangeError(`"${m.milestone}" is not a milestone of a ${type.id}`);
    const candidate = reachedOf(m);
    const kept = reached[m.milestone];
    if (!kept || precedes(candidate, kept)) reached[m.milestone] = candidate;
  }
  return reached;
}

function reachedOf(m: CaseMilestone): ReachedMilestone {
  const atMs = Date.parse(m.at);
  if (Number.isNaN(atMs)) throw new RangeError(`milestone ${m.milestone} has no valid time: ${JSON.stringify(m.at)}`);
  return { id: m.milestone, at: m.at, atMs, agent: m.agent ?? null, queue: m.queue ?? null, handleSeconds: m.handleSeconds ?? null };
}

/** A total order on versions of one milestone: earlier instant first, then by content. */
function precedes(a: ReachedMilestone, b: ReachedMilestone): boolean {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs;
  return contentKey(a) < contentKey(b);
}

function contentKey(m: ReachedMilestone): string {
  return JSON.stringify([m.at, m.agent, m.queue, m.handleSeconds]);
}

/** The earliest stop reached ends the case (same instant: the one listed first in the type). */
function endOf(type: EventTypeDefinition, reached: Record<string, ReachedMilestone>): CaseEnd | null {
  let end: CaseEnd | null = null;
  for (const m of type.milestones) {
    const at = reached[m.id];
    if (m.role !== 'stop' || !at || (end && end.atMs <= at.atMs)) continue;
    end = { stop: m.id, outcome: m.outcome ?? 'served', atMs: at.atMs, expired: false };
  }
  return end;
}

export function measureStates(type: EventTypeDefinition, reached: Readonly<Record<string, ReachedMilestone>>, end: CaseEnd | null): Record<string, MeasureState> {
  const startId = startOf(type).id;
  return Object.fromEntries(type.measures.map((m) => [m.id, measureState(m, m.from === startId, reached, end)]));
}

/**
 * A case that gave up before a step skips the measures from that step. A missing start is different: every case
 * has one, and it may simply not have arrived yet, so those measures keep waiting for it.
 */
function measureState(m: { id: string; from: string; to: string }, fromIsStart: boolean, reached: Readonly<Record<string, ReachedMilestone>>, end: CaseEnd | null): MeasureState {
  const from = reached[m.from];
  const to = reached[m.to];
  const gaveUpFirst = end?.outcome === 'gaveUp' && (!to || end.atMs < to.atMs);
  const clockStartMs = from?.atMs ?? null;
  // Each state a literal of one shape: spreading a shared base into each cost ~3 µs and its garbage per state.
  const state = (status: MeasureStatus, stopMs: number | null, stoppedBy: string | null, outcome: StopOutcome | null, seconds: number | null, byExpiry: boolean): MeasureState => ({
    id: m.id, from: m.from, to: m.to, status, clockStartMs, stopMs, stoppedBy, outcome, seconds, byExpiry,
  });
  if (gaveUpFirst) {
    if (!from && fromIsStart) return state('waiting', null, null, null, null, false);
    if (!from) return state('skipped', end.atMs, end.stop, 'gaveUp', null, false);
    return state('stopped', end.atMs, end.stop, 'gaveUp', elapsedSeconds(from.atMs, end.atMs), end.expired);
  }
  if (from && to) return state('stopped', to.atMs, m.to, 'served', elapsedSeconds(from.atMs, to.atMs), false);
  return state(from ? 'running' : 'waiting', null, null, null, null, false);
}

/**
 * Never negative. Ingest refuses a milestone that would put a stop before its start (misorderedPairs), so this floor
 * only guards cases stored before that rule.
 */
function elapsedSeconds(fromMs: number, toMs: number): number {
  return Math.max(0, toMs - fromMs) / 1000;
}
