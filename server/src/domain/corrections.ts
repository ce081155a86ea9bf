// Corrections: an event is voided or amended by a new record, never edited. What an amendment changes, how the
// event is re-judged, and what an event's effective state is after its corrections are decided here; the store
// keeps the records (and the rollups' compensating deltas, from domain/rollups.ts).
import type { CorrectedJudgement, FieldProblem, Judgement, Outcome, StandardVersion } from '../protocol';
import { callEventSchema, countedFlag, oneOfMessage, visitEventSchema } from '../protocol';
import { canonicalJson } from './canonical';
import { DomainError, FieldErrors } from './errors';
import { judgeAgainst } from './judge';
import { completeMeasurements } from './measures';
import type { JudgementFacts } from './rollups';

export type CorrectionInput =
  | { action: 'void'; reason: string }
  | { action: 'amend'; reason: string; changes: AmendChanges };

export interface AmendChanges {
  outcome?: Outcome;
  rings?: number;
  answerSeconds?: number;
  greetSeconds?: number;
}

/** A judgement as in force (0/1 verdicts as stored). */
export interface EffectiveJudgement extends Omit<CorrectedJudgement, 'met' | 'counted'> {
  met: 0 | 1;
  counted: 0 | 1;
}

/** The measured fields of an event, as recorded or as amended. */
interface EventFields {
  /** An Outcome, or the stop that ended a case of another event type. */
  outcome: string;
  rings: number | null;
  answerSeconds: number | null;
  greetSeconds: number | null;
  derived: string[];
}

/** What a correction is judged against: the recorded event. */
export interface CorrectableEvent {
  seq: number;
  id: string;
  /** 'call', 'visit', or another registered event type (its events may only be voided). */
  type: string;
  site: string;
  queue: string | null;
  fields: EventFields;
}

/** An event with its recorded state and its corrections so far: what a correction is planned from. */
export interface CorrectionSubject {
  event: CorrectableEvent & { occurredAtMs: number };
  recorded: EventState;
  corrections: StoredCorrection[];
}

/** A stored correction, as far as the effective state needs it. */
export interface StoredCorrection {
  action: 'void' | 'amend';
  /** The amended fields ({} for a void): `fields` is the whole measured state after the amendment. */
  changes: { fields?: EventFields };
  /** The judgements in force after the correction ({} for a void). */
  rejudged: Record<string, EffectiveJudgement>;
}

/** An event after its corrections: void, or its effective fields and judgements. */
export interface EventState {
  voided: boolean;
  fields: EventFields;
  judgements: Record<string, EffectiveJudgement>;
}

export const asEffective = (j: Pick<Judgement, 'standardVersion' | 'measure' | 'value' | 'threshold' | 'met' | 'counted' | 'reason'>): EffectiveJudgement => ({
  standardVersion: j.standardVersion,
  measure: j.measure,
  value: j.value,
  threshold: j.threshold,
  met: j.met ? 1 : 0,
  counted: countedFlag(j),
  reason: j.reason,
});

/** The state a correction leaves: its fields (an amendment's), its judgements; a void is final. */
function corrected(state: EventState, c: StoredCorrection): EventState {
  if (c.action === 'void') return { voided: true, fields: state.fields, judgements: {} };
  return { voided: false, fields: c.changes.fields ? { ...state.fields, ...c.changes.fields } : state.fields, judgements: c.rejudged };
}

/** Every state of an event, the recorded one first, then one after each correction (in their order). */
export function statesOf(recorded: EventState, corrections: readonly StoredCorrection[]): EventState[] {
  const states = [recorded];
  for (const c of corrections) states.push(corrected(states.at(-1)!, c));
  return states;
}

/** The facts each judgement of a state contributes with (none for a voided event). */
export function factsOf(type: string, state: EventState): Array<{ standardId: string; standardVersion: number; facts: JudgementFacts }> {
  if (state.voided) return [];
  return Object.entries(state.judgements).map(([standardId, j]) => ({
    standardId,
    standardVersion: j.standardVersion,
    facts: { type, outcome: state.fields.outcome, answerSeconds: state.fields.answerSeconds, greetSeconds: state.fields.greetSeconds, value: j.value, met: j.met, counted: j.counted, reason: j.reason },
  }));
}

/** What a call's and a visit's outcome may be: the values of their wire schemas. */
const OUTCOMES: Record<'call' | 'visit', readonly string[]> = { call: callEventSchema.shape.outcome.options, visit: visitEventSchema.shape.outcome.options };

/**
 * An amendment's changes checked against the event's type: every problem, each naming its field (`action` for a type
 * that may only be voided). The route checks a body with it before the write (the type read first), which checks again.
 */
export function amendmentProblems(type: string, c: AmendChanges): FieldProblem[] {
  // Other types' measures come from their case's milestones, and amend's fields are a call's and a visit's.
  if (type !== 'call' && type !== 'visit') return [{ path: 'action', message: `a ${type} event can only be voided (amend changes a call's or a visit's fields)` }];
  const absent: Array<keyof AmendChanges> = type === 'call' ? ['greetSeconds'] : ['rings', 'answerSeconds'];
  const problems: FieldProblem[] = absent.flatMap((field) => (c[field] === undefined ? [] : [{ path: `changes.${field}`, message: `a ${type} has no ${field}` }]));
  if (c.outcome !== undefined && !OUTCOMES[type].includes(c.outcome)) {
    problems.push({ path: 'changes.outcome', message: `${oneOfMessage(OUTCOMES[type], c.outcome)}, as the event is a ${type}` });
  }
  return problems;
}

/**
 * The fields after an amendment. A call keeps measured what the amendment gives, plus earlier measured values it
 * does not replace, and derives the rest from the site's ring cycle.
 */
function amendedFields(type: string, site: string, before: EventFields, c: AmendChanges, ringCycleSeconds: number): EventFields {
  const after: EventFields = { ...before, outcome: c.outcome ?? before.outcome };
  if (type === 'visit') return { ...after, greetSeconds: c.greetSeconds ?? before.greetSeconds, derived: [] };
  const measured: { rings?: number; answerSeconds?: number } = {};
  if (!before.derived.includes('rings') && before.rings !== null) measured.rings = before.rings;
  if (!before.derived.includes('answerSeconds') && before.answerSeconds !== null) measured.answerSeconds = before.answerSeconds;
  if (c.rings !== undefined) measured.rings = c.rings;
  if (c.answerSeconds !== undefined) measured.answerSeconds = c.answerSeconds;
  const m = completeMeasurements({ type: 'call', site, occurredAt: '', outcome: after.outcome as 'answered', ...measured } as never, ringCycleSeconds);
  return { ...after, rings: m.rings, answerSeconds: m.answerSeconds, derived: m.derived };
}

/**
 * The judgements after an amendment: each judgement in force re-judged by its own standard version with the new
 * fields (an event outside its site's hours stays outside them). A version no longer known is left out.
 */
function rejudge(event: CorrectableEvent, fields: EventFields, before: Record<string, EffectiveJudgement>, versions: (id: string) => readonly StandardVersion[]): Record<string, EffectiveJudgement> {
  const judgeable = { type: event.type, outcome: fields.outcome, rings: fields.rings, answerSeconds: fields.answerSeconds, greetSeconds: fields.greetSeconds, site: event.site, queue: event.queue };
  const rejudged: Record<string, EffectiveJudgement> = {};
  for (const [standardId, j] of Object.entries(before)) {
    const def = versions(standardId).find((v) => v.version === j.standardVersion);
    if (def) rejudged[standardId] = asEffective(judgeAgainst(judgeable, def, j.reason !== 'outside-hours'));
  }
  return rejudged;
}

/**
 * The record of a correction and the state it leaves, for an event in `before`. `changed` is false for a correction
 * that would leave the event exactly as it stands: an amendment giving the same fields, the same ones measured and
 * derived, the same judgements, and a void of an event void already. Such a correction is not recorded (one that
 * corrects nothing would only clutter the event's history), so retrying a correction whose answer was lost records
 * it once and answers as it stands. An amendment of a void event is refused: a void is final.
 */
export function planCorrection(
  event: CorrectableEvent,
  before: EventState,
  input: CorrectionInput,
  ctx: { versions: (id: string) => readonly StandardVersion[]; ringCycleSeconds: number },
): { changes: Record<string, unknown>; after: EventState; changed: boolean } {
  if (before.voided && input.action === 'void') return { changes: {}, after: before, changed: false };
  if (before.voided) throw new DomainError('conflict', 'id', `the event with id "${event.id}" is void; a void is final, so it cannot be amended`);
  if (input.action === 'void') return { changes: {}, after: { voided: true, fields: before.fields, judgements: {} }, changed: true };
  const problems = amendmentProblems(event.type, input.changes);
  if (problems.length > 0) throw new FieldErrors('invalid', problems);
  const fields = amendedFields(event.type, event.site, before.fields, input.changes, ctx.ringCycleSeconds);
  const judgements = rejudge(event, fields, before.judgements, ctx.versions);
  const after: EventState = { voided: false, fields, judgements };
  return { changes: { given: input.changes, fields }, after, changed: canonicalJson(after) !== canonicalJson(before) };
}

/** A judgement's verdict in the corrected view: what an export row shows, and what the compliance export sums. */
export interface CorrectedVerdict {
  /** `met|missed|not-counted|voided`; null for an event without judgements (unless voided). */
  result: 'met' | 'missed' | 'not-counted' | 'voided' | null;
  met: number | null;
  counted: number | null;
}

/**
 * The corrected verdict of one judgement (`standardId` null: the event has none) from its recorded met/counted and
 * the event's latest correction alone: a void is final and counts nothing; an amendment's `rejudged` holds every
 * judgement in force after it (a standard it left out keeps its recorded verdict). scripts/verify-export.mjs repeats
 * this rule to recompute `result`, `corrected_met` and `corrected_counted` (test/unit/correctedView.test.ts).
 */
export function correctedVerdict(
  standardId: string | null,
  recorded: { met: number | null; counted: number | null },
  latest: { action: string; rejudged: Readonly<Record<string, { met: number; counted: number }>> } | null,
): CorrectedVerdict {
  if (latest?.action === 'void') return { result: 'voided', met: standardId === null ? null : 0, counted: standardId === null ? null : 0 };
  let { met, counted } = recorded;
  if (latest?.action === 'amend' && standardId !== null) {
    const j = latest.rejudged[standardId];
    met = j?.met ?? met;
    counted = j?.counted ?? counted;
  }
  const result = counted === null ? null : counted === 0 ? 'not-counted' : met === 1 ? 'met' : 'missed';
  return { result, met, counted };
}
