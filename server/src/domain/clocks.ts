// Open clocks: the state of one case from its milestones, each standard's clock on it (deadline, at-risk,
// breached), what is recorded at a deadline or at expiry, and the finished event a closed case amounts to.
// Pure: the current time is always an argument (nowMs), the site is passed in, nothing is stored here.
//
// A measure's clock starts at its `from` milestone and stops at its `to` milestone; when the case gives up first
// (an abandoned call, a visitor who left) it stops at that gaveUp stop, and the measure is the time until then.
// A standard on the business clock counts only the site's open time (domain/businessTime.ts).
import { RINGS_MEASURE, type Operator, type Site } from '../protocol';
import { EVENT_TYPE_LIMITS, EXPIRED_OUTCOME, type ClockJudgement, type ClockStanding, type ClockStandard, type ClockState, type EventTypeDefinition, type OpenClock, type StopOutcome } from '../protocol/eventTypes';
import { addBusinessSeconds, businessSecondsBetween, closedIntervals, type BusinessCalendar, type OpenInterval } from './businessTime';
import { ringOnWhichAnswered } from './cadence';
import { clockMeasureOf, gaveUpStopOf, milestoneOf, startOf } from './eventTypes';
import { isOpen } from './hours';
import { standardShortLabel } from '../protocol/pure';
import { inScope, judgeAgainst, leftOutOfHours, type JudgeableEvent, type JudgementOf } from './judge';

/** What clocks need of a site: its calendar (business time, hours) and its ring cycle. */
export type ClockSite = BusinessCalendar & Pick<Site, 'ringCycleSeconds'>;

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

interface CaseEnd {
  /** The stop that ended the case; null when it expired without one (a type with no gaveUp stop). */
  stop: string | null;
  outcome: StopOutcome | null;
  atMs: number;
  /** Closed by expiry (the stop, if any, is the type's gaveUp stop put in at the expiry instant). */
  expired: boolean;
}

/** waiting: `from` not reached; running: started, not stopped; stopped: measured; skipped: gave up before it started. */
type MeasureStatus = 'waiting' | 'running' | 'stopped' | 'skipped';

interface MeasureState {
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

// ---- the case from its milestones ----------------------------------------------------------------------------

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

// ---- an event that closes a case ----------------------------------------------------------------------------

/**
 * How far the start an event closing a case gives (its `occurredAt`, or the end of its wait less the wait) may lie
 * from the case's stored start: sources that write whole seconds (a queue_log line, a contact record) put one
 * instant up to a second apart. Wider would let a misdated event count on another hour or day than its case.
 */
export const CASE_START_TOLERANCE_SECONDS = 1;

/** Whether a case that started at `startMs` is the one an event says started at `eventStartMs`. */
export function agreesWithCaseStart(eventStartMs: number, startMs: number): boolean {
  return Math.abs(eventStartMs - startMs) <= CASE_START_TOLERANCE_SECONDS * 1000;
}

// ---- milestones in an impossible order ----------------------------------------------------------------------

/**
 * The pairs of a type's milestones whose times must not be inverted: the start before every other milestone, each
 * measure's `from` before its `to`, and before the gave-up stop that may end it instead. A case with one of these
 * the wrong way round would measure a negative wait.
 */
export function orderedPairs(type: EventTypeDefinition): ReadonlyArray<{ readonly earlier: string; readonly later: string }> {
  let pairs = pairsOfType.get(type);
  if (!pairs) pairsOfType.set(type, (pairs = Object.freeze(pairsOf(type))));
  return pairs;
}

/** orderedPairs per type definition: every milestone a request brings is checked against them. */
const pairsOfType = new WeakMap<EventTypeDefinition, ReadonlyArray<{ earlier: string; later: string }>>();

function pairsOf(type: EventTypeDefinition): Array<{ earlier: string; later: string }> {
  const start = startOf(type).id;
  const gaveUp = gaveUpStopOf(type)?.id;
  const pairs = new Map<string, { earlier: string; later: string }>();
  const add = (earlier: string, later: string) => {
    if (earlier !== later) pairs.set(JSON.stringify([earlier, later]), { earlier, later });
  };
  for (const m of type.milestones) add(start, m.id);
  for (const m of type.measures) {
    add(m.from, m.to);
    if (gaveUp !== undefined) add(m.from, gaveUp);
  }
  return [...pairs.values()];
}

/** A case's milestone by id with its instant, as far as known. */
export type TimedMilestones = ReadonlyMap<string, { atMs: number }>;

/**
 * Each pair of `orderedPairs` whose later milestone is timed strictly before its earlier one (the same instant is
 * fine: an answer on the first ring). Never measured as 0: the case cannot be judged from such times (services/ingest
 * refuses the milestone that would make one).
 */
export function misorderedPairs(type: EventTypeDefinition, timed: TimedMilestones): Array<{ earlier: string; later: string }> {
  return orderedPairs(type).filter(({ earlier, later }) => {
    const a = timed.get(earlier);
    const b = timed.get(later);
    return a !== undefined && b !== undefined && b.atMs < a.atMs;
  });
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

function measureStates(type: EventTypeDefinition, reached: Readonly<Record<string, ReachedMilestone>>, end: CaseEnd | null): Record<string, MeasureState> {
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


// ---- expiry ----------------------------------------------------------------------------------------------------

/**
 * When a case that is still waiting for something (open, or a measure not yet stopped) is closed as expired: its
 * start + maxOpenSeconds (a case whose start never arrived: its first milestone's). null when nothing is left.
 */
export function expiresAtMs(type: EventTypeDefinition, state: CaseState): number | null {
  if (state.expiredAtMs !== null) return null;
  const pending = state.end === null || Object.values(state.measures).some((m) => m.status === 'waiting' || m.status === 'running');
  return pending ? referenceMs(state) + type.maxOpenSeconds * 1000 : null;
}

export function isExpired(type: EventTypeDefinition, state: CaseState, nowMs: number): boolean {
  const at = expiresAtMs(type, state);
  return at !== null && nowMs >= at;
}

/**
 * The case closed as expired at expiresAtMs: an open case of a type with a gaveUp stop gives up at that instant
 * (its measures then run until it); otherwise the case keeps its end (or ends without a stop) and its unstopped
 * measures stay unmeasured. Judgements follow from expiryJudgement.
 */
export function expireCase(type: EventTypeDefinition, state: CaseState): CaseState {
  const atMs = expiresAtMs(type, state);
  if (atMs === null) throw new RangeError(`case ${state.caseId} has nothing left to expire`);
  const gaveUp = gaveUpStopOf(type);
  if (state.end === null && gaveUp) {
    const end: CaseEnd = { stop: gaveUp.id, outcome: 'gaveUp', atMs, expired: true };
    const measures = measureStates(type, state.reached, end);
    return { ...state, end, measures, expiredAtMs: atMs };
  }
  return { ...state, end: state.end ?? { stop: null, outcome: null, atMs, expired: true }, expiredAtMs: atMs };
}

function referenceMs(state: CaseState): number {
  return state.start?.atMs ?? Math.min(...Object.values(state.reached).map((m) => m.atMs));
}

// ---- a standard's clock on a case --------------------------------------------------------------------------------

/**
 * The largest measure (in seconds of the standard's clock) a stop may reach and still meet the standard:
 * `metAtLimit` says whether exactly `seconds` still meets. Rings count whole ring cycles (ring = floor(s / cycle)
 * + 1), so rings ≤ R ⇔ s < floor(R) × cycle. null for "at least" operators: they have no deadline.
 */
export interface ClockLimit {
  seconds: number;
  metAtLimit: boolean;
}

export function clockLimit(standard: Pick<ClockStandard, 'eventType' | 'measure' | 'operator' | 'threshold'>, site: Pick<ClockSite, 'ringCycleSeconds'>): ClockLimit | null {
  if (standard.operator === '>=' || standard.operator === '>') return null;
  if (standard.eventType === RINGS_MEASURE.type && standard.measure === RINGS_MEASURE.measure) {
    return { seconds: lastMetRing(standard.operator, standard.threshold) * site.ringCycleSeconds, metAtLimit: false };
  }
  return { seconds: standard.threshold, metAtLimit: standard.operator === '<=' };
}

/** The highest ring that still meets: R for "≤ R", R − 1 for "< R" (whole rings, never below 0). */
function lastMetRing(operator: Extract<Operator, '<=' | '<'>, threshold: number): number {
  return Math.max(0, operator === '<=' ? Math.floor(threshold) : Math.ceil(threshold) - 1);
}

export interface ClockStatus {
  standardId: string;
  /** The standard's measure (rings, answerSeconds …). */
  measure: string;
  clockStartMs: number;
  /** Clock start + limit (in the standard's clock); null when the clock can never run out. */
  deadlineMs: number | null;
  /** The first instant the clock is at risk (80 % of the limit). */
  atRiskMs: number | null;
  /** The first instant a stop would miss: the deadline, or just after it when a stop exactly at it still meets. */
  breachMs: number | null;
  /** Seconds on the standard's clock since the clock started. */
  elapsedSeconds: number;
  state: ClockState;
  /**
   * False when the standard will not count the case (its wall clock started while the site was closed, and the
   * standard does not count outside hours): no stop can miss, so the clock has no deadline, at-risk or breach.
   */
  counted: boolean;
}

/**
 * Where a clock turns at-risk, in seconds of its clock: the first whole millisecond at or past 80 % of the limit.
 * Counted in integer milliseconds (× 4 / 5, rounded up): rounding 0.8 × limit to the nearest millisecond could turn
 * a clock at-risk before 80 % (6 ms of an 8 ms limit), and 0.8 × 12 in floating point is a hair above 9.6.
 */
function atRiskAfter(limitSeconds: number): number {
  return Math.ceil((Math.round(limitSeconds * 1000) * 4) / 5) / 1000;
}

/**
 * Where a stop first misses, in seconds of the clock: the first whole millisecond whose measure the judge finds past
 * the limit (at the limit itself when `metAtLimit` is false). Found with the judge's own comparison from the limit's
 * millisecond, not by adding a millisecond and rounding, which is a millisecond late for a limit finer than one
 * (≤ 0.0005 s: a stop at 1 ms misses) and early for "<" (< 0.0084 s: a stop at 8 ms still meets).
 */
function firstMissAfter(limit: ClockLimit): number {
  const misses = (ms: number) => (limit.metAtLimit ? ms / 1000 > limit.seconds : ms / 1000 >= limit.seconds);
  let ms = Math.max(0, Math.floor(limit.seconds * 1000));
  // A limit past 9 × 10^12 s has no whole milliseconds to search: the old reading, as good as any there
  if (!Number.isSafeInteger(ms)) return limit.metAtLimit ? limit.seconds + 0.001 : limit.seconds;
  while (!misses(ms)) ms += 1;
  while (ms > 0 && misses(ms - 1)) ms -= 1;
  return ms / 1000;
}

/** The standard's clock on the case at nowMs; null when that clock is not running (not started, or stopped). */
export function clockStatus(state: CaseState, standard: ClockStandard, site: ClockSite, nowMs: number): ClockStatus | null {
  const measure = clockMeasureIn(state, standard.measure);
  if (!measure || measure.status !== 'running' || measure.clockStartMs === null) return null;
  const start = measure.clockStartMs;
  const elapsedSeconds = clockSeconds(standard, site, start, nowMs);
  // Judged as it will be when it ends: a case the standard leaves out can never miss, so it never runs out.
  if (!countsClockStartedAt(standard, site, start)) {
    return { standardId: standard.id, measure: standard.measure, clockStartMs: start, deadlineMs: null, atRiskMs: null, breachMs: null, elapsedSeconds, state: 'running', counted: false };
  }
  const limit = clockLimit(standard, site);
  const instantAfter = (seconds: number) => clockInstant(standard, site, start, seconds);
  const deadlineMs = limit ? instantAfter(limit.seconds) : null;
  const breachMs = limit ? instantAfter(firstMissAfter(limit)) : null;
  const atRiskMs = limit ? instantAfter(atRiskAfter(limit.seconds)) : null;
  const clockState: ClockState = breachMs !== null && nowMs >= breachMs ? 'breached' : atRiskMs !== null && nowMs >= atRiskMs ? 'at-risk' : 'running';
  return { standardId: standard.id, measure: standard.measure, clockStartMs: start, deadlineMs, atRiskMs, breachMs, elapsedSeconds, state: clockState, counted: true };
}

/**
 * The standards that time a case of `type` at `site` from its start, each with the seconds after the start its clock
 * turns at-risk and runs out (the same 80 % and limit as clockStatus): what a reception kiosk colours a wait by.
 * A case's queue is not known before it starts, so standards limited to queues are left out.
 */
export function standardsFromStart<S extends ClockStandard>(type: EventTypeDefinition, site: string, siteCalendar: ClockSite, standards: readonly S[]): Array<{ standard: S; atRiskSeconds: number; deadlineSeconds: number }> {
  const start = startOf(type).id;
  return standards.flatMap((standard) => {
    const measure = clockMeasureOf(type, standard.measure);
    const limit = clockLimit(standard, siteCalendar);
    if (standard.retired || standard.scope?.queues || measure?.from !== start || !limit) return [];
    if (!inScope({ type: type.id, outcome: '', rings: null, answerSeconds: null, greetSeconds: null, site, queue: null }, standard)) return [];
    return [{ standard, atRiskSeconds: atRiskAfter(limit.seconds), deadlineSeconds: limit.seconds }];
  });
}

/**
 * The spans of [fromMs, toMs) in which a clock of the standard started at the site would not be counted (the site
 * closed and the standard not counting outside hours: the judge's rule, as clockStatus asks it): a visitor who
 * arrives in one has no deadline under the standard, which is what a reception kiosk shows. Whether a start is
 * counted depends only on whether the site is open then, so one instant of each closed span answers for all of it.
 */
export function uncountedStarts(standard: ClockStandard, site: ClockSite, fromMs: number, toMs: number): OpenInterval[] {
  return [...closedIntervals(site, fromMs, toMs)].filter((closed) => !countsClockStartedAt(standard, site, closed.start));
}

/**
 * How far after its start a clock's instants are looked for: no case stays open longer (a type's maxOpenSeconds is at
 * most this), so an instant further on is never reached, the case has expired by then.
 */
const CLOCK_HORIZON_MS = EVENT_TYPE_LIMITS.maxOpenSeconds * 1000;

/**
 * The instant `seconds` of the standard's clock after `startMs`; null when that never comes: a site that never
 * opens, or a threshold that does not run out before every case has expired (CLOCK_HORIZON_MS). Bounded so that
 * a threshold of any size neither walks a business calendar for millennia nor gives an instant no date can hold.
 */
function clockInstant(standard: ClockStandard, site: ClockSite, startMs: number, seconds: number): number | null {
  const horizon = startMs + CLOCK_HORIZON_MS;
  const at = standard.clock === 'business' ? addBusinessSeconds(site, startMs, seconds, horizon) : startMs + Math.round(seconds * 1000);
  return at <= horizon ? at : null;
}

/** Seconds of the standard's clock in [fromMs, toMs) (0 if toMs precedes fromMs). */
function clockSeconds(standard: ClockStandard, site: ClockSite, fromMs: number, toMs: number): number {
  return standard.clock === 'business' ? businessSecondsBetween(site, fromMs, toMs) : Math.max(0, toMs - fromMs) / 1000;
}

/** The case's measure behind a standard's measure (answerSeconds for `rings`). */
function clockMeasureIn(state: CaseState, standardMeasure: string): MeasureState | undefined {
  const id = state.type === RINGS_MEASURE.type && standardMeasure === RINGS_MEASURE.measure ? RINGS_MEASURE.seconds : standardMeasure;
  return state.measures[id];
}

// ---- judging ---------------------------------------------------------------------------------------------------

/** The standards that judge this case: its type, not retired, its site and queue in scope. */
export function standardsForCase<S extends ClockStandard>(state: CaseState, standards: readonly S[]): S[] {
  const probe: JudgeableEvent = { type: state.type, outcome: '', rings: null, answerSeconds: null, greetSeconds: null, site: state.site, queue: state.queue };
  return standards.filter((s) => !s.retired && inScope(probe, s));
}

/**
 * The judgement of a stopped measure, exactly as judging the finished event would give it (the value in the
 * standard's clock). null while the measure is not stopped. The business clock already leaves closed hours out,
 * so its standards count a case whatever the hour it started; wall-clock ones apply the outside-hours rule at
 * the measure's clock start (for calls and visits: occurredAt, as before).
 */
export function judgeMeasure(state: CaseState, standard: ClockStandard, site: ClockSite): ClockJudgement | null {
  const measure = clockMeasureIn(state, standard.measure);
  if (!measure || measure.status !== 'stopped' || measure.clockStartMs === null || measure.stopMs === null) return null;
  const seconds = clockSeconds(standard, site, measure.clockStartMs, measure.stopMs);
  const outcome = measure.outcome === 'gaveUp' ? measure.stoppedBy! : measure.to;
  const event = judgeableOf(state, measure.id, seconds, outcome, measure.outcome === 'gaveUp', site);
  return asClockJudgement(judgeAgainst(event, standard, inHoursFor(standard, site, measure.clockStartMs)));
}

/** Every judgement the case's stopped measures give under the standards that judge it. */
export function caseJudgements(state: CaseState, standards: readonly ClockStandard[], site: ClockSite): ClockJudgement[] {
  return standardsForCase(state, standards).flatMap((s) => judgeMeasure(state, s, site) ?? []);
}

/**
 * Whether every way a clock of this standard can still end after its deadline is a miss: each stop that can stop
 * it (its `to`, the gaveUp stop) is judged hypothetically just past the limit and at maxOpen; all counted and not
 * met ⇒ the miss can be recorded at the deadline. F2 does not count abandons, and a short-abandon threshold above
 * the limit leaves late abandons uncounted, so those wait for the end.
 */
export function deadlineVerdict(standard: ClockStandard, type: EventTypeDefinition, site: ClockSite): boolean {
  const limit = clockLimit(standard, site);
  const measure = clockMeasureOf(type, standard.measure);
  if (!limit || !measure) return false;
  const gaveUp = gaveUpStopOf(type);
  const endings = [{ outcome: measure.to, gaveUp: false }, ...(gaveUp ? [{ outcome: gaveUp.id, gaveUp: true }] : [])];
  const firstMiss = firstMissAfter(limit);
  const values = [firstMiss, Math.max(firstMiss, type.maxOpenSeconds)];
  const probe = emptyCase(type.id);
  return endings.every(({ outcome, gaveUp: gaveUpEnding }) =>
    values.every((seconds) => {
      const j = judgeAgainst(judgeableOf(probe, measure.id, seconds, outcome, gaveUpEnding, site), standard, true);
      return j.counted && !j.met;
    }),
  );
}

/**
 * What is recorded when the standard's clock on the case has breached and no stop can still meet it: a counted
 * miss with reason 'deadline' and no value (the measure is not known yet). null when the clock has not breached,
 * when the end can still change the verdict (deadlineVerdict), or when the case is not counted at all (started
 * outside hours): those are judged when they end. `verdict`: deadlineVerdict, or a caller's memo of it.
 */
export function deadlineJudgement(
  state: CaseState,
  standard: ClockStandard,
  type: EventTypeDefinition,
  site: ClockSite,
  nowMs: number,
  verdict: (standard: ClockStandard, type: EventTypeDefinition, site: ClockSite) => boolean = deadlineVerdict,
): ClockJudgement | null {
  const status = clockStatus(state, standard, site, nowMs);
  // A case the standard leaves out (started outside hours) never breaches (clockStatus): it is judged when it ends.
  if (!status || status.state !== 'breached' || !verdict(standard, type, site)) return null;
  return { standardId: standard.id, standardVersion: standard.version, measure: standard.measure, value: null, threshold: standard.threshold, met: false, counted: true, reason: 'deadline' };
}

/**
 * The judgement of an expired case (expireCase) for a measure not stopped by a milestone of its own: a miss with
 * reason 'expired', counted unless the formula would not count the type's gaveUp outcome (F2) or the case is
 * outside hours. Its value is the time until expiry when the type has a gaveUp stop, else none.
 */
export function expiryJudgement(state: CaseState, standard: ClockStandard, type: EventTypeDefinition, site: ClockSite): ClockJudgement | null {
  const measure = clockMeasureIn(state, standard.measure);
  if (state.expiredAtMs === null || !measure) return null;
  if (measure.status === 'stopped' && !measure.byExpiry) return null;
  const gaveUp = gaveUpStopOf(type);
  const startMs = measure.clockStartMs ?? referenceMs(state);
  const seconds = gaveUp && measure.clockStartMs !== null ? clockSeconds(standard, site, measure.clockStartMs, state.expiredAtMs) : null;
  const event = judgeableOf(state, measure.id, seconds, gaveUp?.id ?? EXPIRED_OUTCOME, gaveUp !== undefined, site);
  const j = asClockJudgement(judgeAgainst(event, standard, inHoursFor(standard, site, startMs)));
  return j.reason === 'outside-hours' ? j : { ...j, met: false, reason: 'expired' };
}

function inHoursFor(standard: ClockStandard, site: ClockSite, clockStartMs: number): boolean {
  return standard.clock === 'business' || isOpen(site, clockStartMs);
}

/** Whether the standard counts a case whose clock started at clockStartMs (the judge's outside-hours rule). */
function countsClockStartedAt(standard: ClockStandard, site: ClockSite, clockStartMs: number): boolean {
  return !leftOutOfHours(standard, inHoursFor(standard, site, clockStartMs));
}

function asClockJudgement(j: JudgementOf<string>): ClockJudgement {
  return { standardId: j.standardId, standardVersion: j.standardVersion, measure: j.measure, value: j.value, threshold: j.threshold, met: j.met, counted: j.counted ?? true, reason: j.reason };
}

/**
 * A case as the judge sees an event: calls and visits in today's fields (answerSeconds with rings derived from
 * it, greetSeconds), other types in `measures`. Only the measure being judged is filled in.
 */
function judgeableOf(state: CaseState, measureId: string, seconds: number | null, outcome: string, gaveUp: boolean, site: Pick<ClockSite, 'ringCycleSeconds'>): JudgeableEvent {
  const base = { type: state.type, outcome, gaveUp, site: state.site, queue: state.queue, rings: null, answerSeconds: null, greetSeconds: null };
  if (state.type === 'call' && measureId === 'answerSeconds') {
    return { ...base, answerSeconds: seconds, rings: seconds === null ? null : ringOnWhichAnswered(seconds, site.ringCycleSeconds) };
  }
  if (state.type === 'visit' && measureId === 'greetSeconds') return { ...base, greetSeconds: seconds };
  return { ...base, measures: { [measureId]: seconds } };
}

function emptyCase(type: string): CaseState {
  return { type, site: '', caseId: '', start: null, reached: {}, end: null, measures: {}, queue: null, agent: null, handleSeconds: null, expiredAtMs: null };
}

// ---- the finished event, and the open clock on the wire ---------------------------------------------------------

/** A closed case as a finished event: what POST /events would have carried (for calls and visits, field by field). */
export interface FinishedEvent extends JudgeableEvent {
  site: string;
  caseId: string;
  /** The start milestone's `at` as posted: when ringing began / the visitor arrived / the complaint came in. */
  occurredAt: string;
  queue: string | null;
  agent: string | null;
  handleSeconds: number | null;
  /** Wall-clock seconds of every measure (null when not measured). */
  measures: Record<string, number | null>;
  /** Fields computed rather than measured (rings of a call). */
  derived: Array<'rings'>;
}

/**
 * The closed case (ended by a stop, or expired) as the finished event. null while the case is open or its start
 * has not arrived. Calls carry answerSeconds and rings derived with the site's ring cycle, visits greetSeconds:
 * judging this event (judgeEvent) gives the judgements of posting the same case to POST /events.
 */
export function toFinishedEvent(state: CaseState, site: Pick<ClockSite, 'ringCycleSeconds'>): FinishedEvent | null {
  if (!state.end || !state.start) return null;
  const measures = Object.fromEntries(Object.values(state.measures).map((m) => [m.id, m.seconds]));
  const answerSeconds = state.type === 'call' ? (measures.answerSeconds ?? null) : null;
  return {
    type: state.type,
    site: state.site,
    caseId: state.caseId,
    occurredAt: state.start.at,
    outcome: state.end.stop ?? EXPIRED_OUTCOME,
    gaveUp: state.end.outcome === 'gaveUp',
    rings: answerSeconds === null ? null : ringOnWhichAnswered(answerSeconds, site.ringCycleSeconds),
    answerSeconds,
    greetSeconds: state.type === 'visit' ? (measures.greetSeconds ?? null) : null,
    measures,
    queue: state.queue,
    agent: state.agent,
    handleSeconds: state.handleSeconds,
    derived: answerSeconds === null ? [] : ['rings'],
  };
}

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
