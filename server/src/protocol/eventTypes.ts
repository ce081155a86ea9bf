// Event types as data, milestones as integrations post them, and open clocks as the API shows them.
// A case of an event type is one call, one visit, one complaint …: it starts at its start milestone and ends at a
// stop; each measure is a clock running from one milestone to another. The built-in types (call, visit,
// complaint) are written in this same format (protocol/builtInEventTypes.ts); users add more in the standards file or API.
import { z } from 'zod';
import { caseIdSchema, isoWithOffset, MAX_CASE_ID_LENGTH, secondsSchema } from './events';
import { betweenFieldsIssue, boundedWholeNumber, nullAsAbsent, reservedValueIssue, unlessWrong } from './issues';
import { LIMITS } from './pure/limits';
import { siteId } from './sites';
import type { Judgement, JudgementReason, Standard, StandardClock } from './standards';
import { isEventMeasureField } from './standards';
import { wellFormedString } from './text';

export const MILESTONE_ROLES = ['start', 'step', 'stop'] as const;
export type MilestoneRole = (typeof MILESTONE_ROLES)[number];

/** How a stop ends a case: the person was served, or gave up (an abandoned call, a visitor who left). */
export const STOP_OUTCOMES = ['served', 'gaveUp'] as const;
export type StopOutcome = (typeof STOP_OUTCOMES)[number];

export const EVENT_TYPE_LIMITS = {
  maxIdLength: 64,
  maxNameLength: 200,
  maxMilestones: 32,
  maxMeasures: 32,
  maxEventTypes: 100,
  /** A case open longer than a year is not waiting for anything; a bigger maxOpenSeconds is a unit mix-up. */
  maxOpenSeconds: LIMITS.maxOpenSeconds,
  maxCaseIdLength: MAX_CASE_ID_LENGTH,
} as const;

// ---- event type definitions (standards file `eventTypes:` and the API) ----------------------------------------

/**
 * Names every JavaScript object already has (constructor, toString, valueOf …): an id spelt so would be read as that
 * built-in wherever ids key an object, so a definition may not give one to a type, a milestone or a measure.
 */
const notBuiltInName = (id: string) => !(id in Object.prototype);
const BUILT_IN_NAME = 'is a name every JavaScript object already has (constructor, toString, valueOf …); choose another';

/** Type ids appear in URLs and standards: lower-case words joined by "-". */
export const eventTypeIdSchema = wellFormedString()
  .min(1, 'must not be empty')
  .max(EVENT_TYPE_LIMITS.maxIdLength, `must be at most ${EVENT_TYPE_LIMITS.maxIdLength} characters`)
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be a lower-case slug: letters a-z and digits, words joined by "-", starting with a letter (e.g. "email-reply")');

/** Milestone and measure ids are JSON keys and query values; the built-ins use camelCase ("followedUp"). */
const localIdSchema = wellFormedString()
  .min(1, 'must not be empty')
  .max(EVENT_TYPE_LIMITS.maxIdLength, `must be at most ${EVENT_TYPE_LIMITS.maxIdLength} characters`)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must be letters, digits, "_" or "-", starting with a letter (e.g. "acknowledged")');

/** The id a definition gives its type, a milestone or a measure: not a built-in name. */
const definedLocalId = localIdSchema.refine(notBuiltInName, BUILT_IN_NAME);

/** The outcome of a case that expired without a gaveUp stop to end it; no milestone may be called so. */
export const EXPIRED_OUTCOME = 'expired';

/** A defined id that is reserved is named with the definition's other problems, in the same answer (reservedValueIssue). */
const unreserved = (reserved: (id: string) => boolean, message: (id: string) => string) =>
  definedLocalId.superRefine((id, ctx) => {
    if (reserved(id)) reservedValueIssue(ctx, message(id));
  });

const nameSchema = wellFormedString()
  .trim()
  .min(1, 'must not be empty')
  .max(EVENT_TYPE_LIMITS.maxNameLength, `must be at most ${EVENT_TYPE_LIMITS.maxNameLength} characters`);

type Issue = (path: Array<string | number>, message: string) => void;
const issueOf = (ctx: z.RefinementCtx): Issue => (path, message) => betweenFieldsIssue(ctx, path, message);

export const milestoneDefinitionSchema = z
  .strictObject({
    id: unreserved((id) => id === EXPIRED_OUTCOME, () => `"${EXPIRED_OUTCOME}" is the outcome of a case closed by expiry; choose another id`),
    role: z.enum(MILESTONE_ROLES),
    outcome: z.enum(STOP_OUTCOMES).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.role === 'stop' && m.outcome === undefined) betweenFieldsIssue(ctx, ['outcome'], 'a stop must say how the case ended: "served" or "gaveUp"');
    if (m.role !== 'stop' && m.outcome !== undefined) betweenFieldsIssue(ctx, ['outcome'], 'only a stop has an outcome');
  }, unlessWrong('role', 'outcome'));

export const measureDefinitionSchema = z.strictObject({
  id: unreserved(isEventMeasureField, (id) => `"${id}" is a field of calls and visits; choose another id`),
  from: localIdSchema,
  to: localIdSchema,
});

export const eventTypeDefinitionSchema = z
  .strictObject({
    id: eventTypeIdSchema.refine(notBuiltInName, BUILT_IN_NAME),
    name: nameSchema,
    milestones: z
      .array(milestoneDefinitionSchema)
      .min(2, 'must list at least a start and a stop')
      .max(EVENT_TYPE_LIMITS.maxMilestones, `must list at most ${EVENT_TYPE_LIMITS.maxMilestones} milestones`),
    measures: z
      .array(measureDefinitionSchema)
      .min(1, 'must list at least one measure (a type without one has nothing to judge)')
      .max(EVENT_TYPE_LIMITS.maxMeasures, `must list at most ${EVENT_TYPE_LIMITS.maxMeasures} measures`),
    maxOpenSeconds: boundedWholeNumber('must be a whole number of seconds', [1, 'must be > 0'], [EVENT_TYPE_LIMITS.maxOpenSeconds, `must be at most ${EVENT_TYPE_LIMITS.maxOpenSeconds} (366 days)`]),
  })
  .superRefine((t, ctx) => checkMilestoneOrder(t.milestones, issueOf(ctx)), unlessWrong('milestones'))
  .superRefine((t, ctx) => checkMeasures(t, issueOf(ctx)), unlessWrong('milestones.*.id', 'milestones.*.role', 'milestones.*.outcome', 'measures'));

type MilestoneDefinitionShape = z.output<typeof milestoneDefinitionSchema>;

/** One start, first; steps before stops; at least one served stop, at most one gave-up stop; unique ids. */
function checkMilestoneOrder(milestones: readonly MilestoneDefinitionShape[], issue: Issue): void {
  reportDuplicateIds(milestones, 'milestones', issue);
  const starts = milestones.flatMap((m, i) => (m.role === 'start' ? [i] : []));
  if (starts.length === 0) issue(['milestones'], 'must have exactly one start milestone (role "start")');
  for (const i of starts.slice(1)) issue(['milestones', i, 'role'], 'is a second start: a type has exactly one');
  if (starts[0] !== undefined && starts[0] !== 0) issue(['milestones', starts[0], 'role'], 'must be the first milestone (the case starts there)');
  const firstStop = milestones.findIndex((m) => m.role === 'stop');
  if (firstStop < 0) issue(['milestones'], 'must have at least one stop milestone (role "stop")');
  milestones.forEach((m, i) => {
    if (firstStop >= 0 && i > firstStop && m.role === 'step') issue(['milestones', i, 'role'], 'a step must come before every stop (the case ends at its stop)');
  });
  const outcomesGiven = milestones.every((m) => m.role !== 'stop' || m.outcome !== undefined);
  if (firstStop >= 0 && outcomesGiven && !milestones.some((m) => m.outcome === 'served')) issue(['milestones'], 'must have a stop with outcome "served"');
  milestones.forEach((m, i) => {
    if (m.outcome === 'gaveUp' && milestones.findIndex((n) => n.outcome === 'gaveUp') < i) issue(['milestones', i, 'outcome'], 'is a second "gaveUp" stop: a type has at most one');
  });
}

/** Each measure runs forward from a milestone that is not a stop to a later step or served stop. */
function checkMeasures(t: { milestones: readonly MilestoneDefinitionShape[]; measures: ReadonlyArray<{ id: string; from: string; to: string }> }, issue: Issue): void {
  reportDuplicateIds(t.measures, 'measures', issue);
  const indexOf = new Map(t.milestones.map((m, i) => [m.id, i]));
  t.measures.forEach((measure, i) => {
    const from = indexOf.get(measure.from);
    const to = indexOf.get(measure.to);
    if (from === undefined) issue(['measures', i, 'from'], 'must name a milestone of this type');
    if (to === undefined) issue(['measures', i, 'to'], 'must name a milestone of this type');
    if (from === undefined || to === undefined) return;
    if (t.milestones[from]!.role === 'stop') issue(['measures', i, 'from'], 'must not be a stop (the case ends there)');
    else if (to <= from) issue(['measures', i, 'to'], `must come after "${measure.from}" in the milestone order`);
    else if (t.milestones[to]!.outcome === 'gaveUp') issue(['measures', i, 'to'], 'must not be the "gaveUp" stop (a case that gives up is measured until that stop anyway)');
  });
}

function reportDuplicateIds(items: ReadonlyArray<{ id: string }>, list: string, issue: Issue): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) issue([list, i, 'id'], `"${item.id}" is used twice in this type`);
    seen.add(item.id);
  });
}

/** The `eventTypes:` list of the standards file and the API: ids unique. Built-in ids are checked by the registry. */
export const eventTypeListSchema = z
  .array(eventTypeDefinitionSchema)
  .max(EVENT_TYPE_LIMITS.maxEventTypes, `must list at most ${EVENT_TYPE_LIMITS.maxEventTypes} event types`)
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    types.forEach((t, i) => {
      if (seen.has(t.id)) betweenFieldsIssue(ctx, [i, 'id'], `"${t.id}" is defined twice`);
      seen.add(t.id);
    });
  }, unlessWrong('*.id'));

export type MilestoneDefinition = z.output<typeof milestoneDefinitionSchema>;
export type MeasureDefinition = z.output<typeof measureDefinitionSchema>;
export type EventTypeDefinition = z.output<typeof eventTypeDefinitionSchema>;

/** GET /api/v1/event-types */
export interface EventTypesResponse {
  eventTypes: EventTypeDefinition[];
}

// ---- milestones (POST /api/v1/milestones) ----------------------------------------------------------------------

// The same rule as the text fields of events (site, agent, queue, id), so both endpoints answer alike.
const text = wellFormedString().trim().min(1, 'must not be empty').max(LIMITS.maxTextLength, `must be at most ${LIMITS.maxTextLength} characters`);

export const milestoneInputSchema = z.strictObject({
  /** Idempotency key of this milestone (optional: the pair key (type, site, caseId, milestone) already is one). */
  id: nullAsAbsent(text),
  type: eventTypeIdSchema,
  site: siteId(text),
  caseId: caseIdSchema,
  milestone: localIdSchema,
  at: isoWithOffset,
  agent: nullAsAbsent(text),
  queue: nullAsAbsent(text),
  /** Seconds the agent spent on the case (talk + wrap-up), given on a stop. */
  handleSeconds: nullAsAbsent(secondsSchema),
});

export type MilestoneInput = z.infer<typeof milestoneInputSchema>;

export const MILESTONE_BATCH_KEY = 'milestones';

export type MilestoneEnvelope =
  | { ok: true; mode: 'single' | 'batch'; items: unknown[] }
  | { ok: false; status: 400 | 413; title: string; path: string; message: string };

/** The body of POST /milestones: one milestone object or {"milestones": [...]} with 1 to LIMITS.maxBatch items. */
export function openMilestoneEnvelope(body: unknown): MilestoneEnvelope {
  const invalid = (path: string, message: string): MilestoneEnvelope => ({ ok: false, status: 400, title: 'Invalid request body', path, message });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid('(body)', 'must be a milestone object or {"milestones": [...]}');
  if (!(MILESTONE_BATCH_KEY in body)) return { ok: true, mode: 'single', items: [body] };
  const items = (body as Record<string, unknown>)[MILESTONE_BATCH_KEY];
  const extra = Object.keys(body).filter((k) => k !== MILESTONE_BATCH_KEY);
  if (extra.length > 0) return invalid(extra[0]!, 'is not a known field of a batch (only "milestones")');
  if (!Array.isArray(items)) return invalid(MILESTONE_BATCH_KEY, 'must be an array of milestones');
  if (items.length === 0) return invalid(MILESTONE_BATCH_KEY, 'must contain at least one milestone');
  if (items.length > LIMITS.maxBatch) {
    return { ok: false, status: 413, title: 'Batch too large', path: MILESTONE_BATCH_KEY, message: `must contain at most ${LIMITS.maxBatch} milestones (got ${items.length})` };
  }
  return { ok: true, mode: 'batch', items };
}

/** A milestone as stored and pushed. */
export interface StoredMilestone {
  seq: number;
  id: string;
  type: string;
  site: string;
  caseId: string;
  milestone: string;
  /** As posted (with its offset). */
  at: string;
  /** Server clock, ISO UTC. */
  receivedAt: string;
  agent: string | null;
  queue: string | null;
  handleSeconds: number | null;
}

export interface MilestoneResult {
  /** The milestone's id (posted, or the server's). */
  id: string;
  seq: number;
  /** true when this (type, site, caseId, milestone) was already stored with the same content. */
  duplicate: boolean;
  milestone: StoredMilestone;
}

/** POST /api/v1/milestones: one result per posted milestone, in the order posted; 201 when one was new, else 200. */
export interface MilestonesResponse {
  results: MilestoneResult[];
}

// ---- standards over any event type, and their judgements ------------------------------------------------------

/**
 * A standard as the clock engine reads it: any event type and any of its measures (or `rings` for calls), on the
 * wall or the business clock (default wall).
 */
export interface ClockStandard extends Omit<Standard, 'eventType' | 'measure'> {
  eventType: string;
  measure: string;
  clock?: StandardClock;
}

/** Why a judgement was recorded without its measure: the deadline passed, or the case stayed open too long. */
export type ClockReason = JudgementReason | 'deadline' | 'expired';

/** A case's judgement: a Judgement whose value is in the standard's units (rings, or seconds of its clock). */
export interface ClockJudgement extends Omit<Judgement, 'counted' | 'reason'> {
  counted: boolean;
  reason: ClockReason | null;
}

// ---- open clocks (GET /api/v1/clocks and the live snapshot) ----------------------------------------------------

/** running; at-risk from 80 % of the threshold (in the standard's clock); breached once the deadline passed. */
export const CLOCK_STATES = ['running', 'at-risk', 'breached'] as const;
export type ClockState = (typeof CLOCK_STATES)[number];

/** The `state` filter of GET /clocks: every open case, or those with a clock at risk / breached. */
export const CLOCK_FILTERS = ['open', 'at-risk', 'breached'] as const;
export type ClockFilter = (typeof CLOCK_FILTERS)[number];

/** A standard's clock on a case: when it turns at-risk and runs out (what a client times it by). */
export interface ClockTiming {
  standardId: string;
  /** ISO UTC; null when the clock can never run out (a site that never opens, an "at least" standard, notCounted). */
  deadline: string | null;
  /** When the clock turns at-risk (80 % of the threshold in the standard's clock), ISO UTC; null with no deadline. */
  atRiskAt: string | null;
  state: ClockState;
  /** Set once a verdict is recorded while the case is open: a miss at the deadline (reason 'deadline'). */
  judged?: { met: boolean; reason: ClockReason | null };
  /**
   * Set when the standard will not count the case: its wall clock started while the site was closed and the
   * standard does not count outside hours. Such a clock has no deadline and never turns at-risk or breached.
   */
  notCounted?: Extract<ClockReason, 'outside-hours'>;
}

/** One standard's clock on an open case, timed by the version in force when the case started. */
export interface ClockStanding extends ClockTiming {
  /**
   * The version that set the deadline: the one in force when the case started (it judges the case's end). This
   * server always sends it and standardLabel; optional so that a client (the VS Code extension on a remote server)
   * stays valid against an older server that sends neither: it falls back to the standard in force (deadlineLabel).
   */
  standardVersion?: number;
  /** That version's short label ("Calls ≤ 20 s"), not the one in force now. */
  standardLabel?: string;
}

export interface OpenClock {
  type: string;
  site: string;
  caseId: string;
  /** The start milestone's instant, ISO UTC. */
  startedAt: string;
  /** Wall-clock seconds since the start. */
  elapsedSeconds: number;
  standards: ClockStanding[];
}

/** Names one case: the pairing key of its milestones without the milestone. */
export interface ClockKey {
  type: string;
  site: string;
  caseId: string;
}

/** A standard's deadline passing on an open case: pushed once, at the deadline. */
export interface ClockBreach extends ClockKey {
  standardId: string;
  /**
   * The version that set the deadline (in force when the case started), and its short label. Always sent; optional
   * for a client of an older server, which sends neither (as ClockStanding's).
   */
  standardVersion?: number;
  standardLabel?: string;
  deadline: string;
  /** The miss was recorded at the deadline (every way the clock can still end is a miss); else it is judged when it ends. */
  missed?: boolean;
}

/** The live `clocks` event: what changed among the open cases since the last one. */
export interface ClocksUpdate {
  serverTime: string;
  /** Cases opened, or whose standing changed (a measure stopped, at-risk, breached), as they are now. */
  changed: OpenClock[];
  /** Cases that ended (by a stop, or expired) and left the open list. */
  closed: ClockKey[];
  /** Deadlines that passed since the last update, each once. */
  breaches: ClockBreach[];
}

export interface ClocksResponse {
  clocks: OpenClock[];
}

/** GET /api/v1/clocks query: all optional; `state` defaults to every open case. */
export const clocksQuerySchema = z.strictObject({
  type: eventTypeIdSchema.optional(),
  site: text.optional(),
  state: z.enum(CLOCK_FILTERS).optional(),
});
export type ClocksQuery = z.infer<typeof clocksQuerySchema>;
