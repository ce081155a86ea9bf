// Judging a case's clocks: the standards that judge it, the judgement of a stopped measure (as judging the finished
// event would give it), the miss recorded at a deadline when no ending can still meet, and the judgement of an
// expired case.
import { EXPIRED_OUTCOME, type ClockJudgement, type ClockStandard, type EventTypeDefinition } from '../../protocol/eventTypes';
import { isCounted } from '../../protocol/pure/counted';
import { ringOnWhichAnswered } from '../cadence';
import { clockMeasureOf, gaveUpStopOf } from '../eventTypes';
import { inScope, judgeAgainst, type JudgeableEvent, type JudgementOf } from '../judge';
import type { CaseState } from './caseState';
import { referenceMs } from './expiry';
import { clockLimit, clockMeasureIn, clockSeconds, clockStatus, firstMissAfter, inHoursFor, type ClockSite } from './standardClock';

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

function asClockJudgement(j: JudgementOf<string>): ClockJudgement {
  return { standardId: j.standardId, standardVersion: j.standardVersion, measure: j.measure, value: j.value, threshold: j.threshold, met: j.met, counted: isCounted(j), reason: j.reason };
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
