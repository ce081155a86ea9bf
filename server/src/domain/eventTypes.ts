// The registry of built-in + user types, and what a type says about its cases. The built-in types are data of the
// protocol (protocol/builtInEventTypes.ts), where a standard's definition is also checked against them.
import type { FieldProblem, StandardClock } from '../protocol';
import { API_PREFIX, BUILT_IN_EVENT_TYPES, notAStandardMeasureMessage, oneOfMessage, RINGS_MEASURE, WAIT_FIELD_BY_TYPE } from '../protocol';
import type { EventTypeDefinition, MeasureDefinition, MilestoneDefinition, MilestoneInput } from '../protocol/eventTypes';

export interface EventTypeRegistry {
  get(id: string): EventTypeDefinition | undefined;
  /** Built-ins first, then user types in the order given. */
  all(): readonly EventTypeDefinition[];
}

export type RegistryResult = { ok: true; registry: EventTypeRegistry } | { ok: false; problems: FieldProblem[] };

/** Why a user type may not have the id `id`, when it is a built-in's; null otherwise. */
export function builtInIdMessage(id: unknown): string | null {
  return BUILT_IN_EVENT_TYPES.some((b) => b.id === id) ? `"${String(id)}" is a built-in event type and cannot be redefined` : null;
}

/**
 * Each type of a list (`eventTypes`) whose id is a built-in's: read from any value, so a list refused for its other
 * fields is still told of these in the same answer.
 */
export function redefinedBuiltIns(types: readonly unknown[]): FieldProblem[] {
  return types.flatMap((t, i) => {
    const message = builtInIdMessage(t !== null && typeof t === 'object' ? (t as { id?: unknown }).id : undefined);
    return message === null ? [] : [{ path: `eventTypes.${i}.id`, message }];
  });
}

/**
 * The registry of the built-ins plus user types (already checked by eventTypeListSchema, which refuses the reserved
 * milestone and measure ids). A user type may not reuse a built-in id (redefinedBuiltIns).
 */
export function buildRegistry(userTypes: readonly EventTypeDefinition[]): RegistryResult {
  const problems = redefinedBuiltIns(userTypes);
  if (problems.length > 0) return { ok: false, problems };
  const types = [...BUILT_IN_EVENT_TYPES, ...userTypes];
  const byId = new Map(types.map((t) => [t.id, t]));
  return { ok: true, registry: { get: (id) => byId.get(id), all: () => types } };
}

export const BUILT_IN_REGISTRY: EventTypeRegistry = (() => {
  const result = buildRegistry([]);
  if (!result.ok) throw new Error('built-in event types are inconsistent');
  return result.registry;
})();

// ---- what a type says -------------------------------------------------------------------------------------------

export function milestoneOf(type: EventTypeDefinition, id: string): MilestoneDefinition | undefined {
  return type.milestones.find((m) => m.id === id);
}

export function startOf(type: EventTypeDefinition): MilestoneDefinition {
  const start = type.milestones.find((m) => m.role === 'start');
  if (!start) throw new Error(`event type ${type.id} has no start milestone`);
  return start;
}

export function stopsOf(type: EventTypeDefinition): MilestoneDefinition[] {
  return type.milestones.filter((m) => m.role === 'stop');
}

/** The outcomes a case of this type can end with: the ids of its stops. */
export function outcomesOf(type: EventTypeDefinition): string[] {
  return stopsOf(type).map((m) => m.id);
}

/** The stop that means the person gave up (abandoned, left), if the type has one. */
export function gaveUpStopOf(type: EventTypeDefinition): MilestoneDefinition | undefined {
  return type.milestones.find((m) => m.role === 'stop' && m.outcome === 'gaveUp');
}

function measureOf(type: EventTypeDefinition, id: string): MeasureDefinition | undefined {
  return type.measures.find((m) => m.id === id);
}

/** The measures whose clock starts at this milestone. */
export function measuresStartedBy(type: EventTypeDefinition, milestone: string): MeasureDefinition[] {
  return type.measures.filter((m) => m.from === milestone);
}

/** The measures whose clock this milestone stops: those it is the `to` of, and all of them for the gaveUp stop. */
export function measuresStoppedBy(type: EventTypeDefinition, milestone: string): MeasureDefinition[] {
  if (gaveUpStopOf(type)?.id === milestone) return [...type.measures];
  return type.measures.filter((m) => m.to === milestone);
}

/** The clock (measure of the type) behind a standard's measure: itself, or answerSeconds for `rings`. */
export function clockMeasureOf(type: EventTypeDefinition, standardMeasure: string): MeasureDefinition | undefined {
  const id = type.id === RINGS_MEASURE.type && standardMeasure === RINGS_MEASURE.measure ? RINGS_MEASURE.seconds : standardMeasure;
  return measureOf(type, id);
}

/** The refusal of an event type id the registry does not know, naming those it does. */
export const unknownEventTypeMessage = (registry: EventTypeRegistry, id: unknown): string => oneOfMessage(registry.all().map((t) => t.id), id);

/**
 * Where a case type sent as an event's `type` goes: a type of the registry that has no event form (a complaint, a
 * user type; only calls and visits are posted as events) is posted as its milestones. Said after the event schema's
 * refusal of the value; null for any other value (an event type, or one the registry does not know, whose refusal
 * suggests the event type it most likely mistypes).
 */
export function postedAsMilestonesMessage(registry: EventTypeRegistry, given: unknown): string | null {
  if (typeof given !== 'string' || Object.hasOwn(WAIT_FIELD_BY_TYPE, given)) return null;
  const type = registry.get(given);
  if (!type) return null;
  return `"${type.id}" is a type of case posted as milestones (${type.milestones.map((m) => m.id).join(', ')}) to POST ${API_PREFIX}/milestones, not as an event`;
}

/** Problems of a standard's (eventType, measure) against the registry, with the standard definition's field names. */
export function standardTargetProblems(registry: EventTypeRegistry, eventType: string, measure: string, clock?: StandardClock): FieldProblem[] {
  const type = registry.get(eventType);
  if (!type) return [{ path: 'eventType', message: unknownEventTypeMessage(registry, eventType) }];
  const notAMeasure = notAStandardMeasureMessage(type, measure);
  if (notAMeasure !== null) return [{ path: 'measure', message: notAMeasure }];
  // A call's or visit's wait is judged as posted, in wall-clock seconds (and rings); a business clock on it would
  // count open time on the board and wall time in the verdict. Closed hours are left out by countOutsideHours.
  if (clock === 'business' && Object.hasOwn(WAIT_FIELD_BY_TYPE, type.id)) {
    return [{ path: 'clock', message: `must be "wall" for a ${type.id}: its wait is judged in wall-clock seconds as posted (countOutsideHours: false leaves out the ${type.id}s that start while the site is closed)` }];
  }
  return [];
}

/**
 * Problems of a milestone against the registry: a known type, one of its milestones, and handleSeconds only on a
 * stop. A field left out (not given, or wrong in itself: its own problem is the one to fix) is not checked, nor is
 * what depends on it (a milestone of an unknown type). Paths are field names of the milestone.
 */
export function milestoneProblems(registry: EventTypeRegistry, input: Partial<Pick<MilestoneInput, 'type' | 'milestone' | 'handleSeconds'>>): FieldProblem[] {
  if (input.type === undefined) return [];
  const type = registry.get(input.type);
  if (!type) return [{ path: 'type', message: unknownEventTypeMessage(registry, input.type) }];
  if (input.milestone === undefined) return [];
  const milestone = milestoneOf(type, input.milestone);
  if (!milestone) return [{ path: 'milestone', message: `is not a milestone of a ${type.id}: ${oneOfMessage(type.milestones.map((m) => m.id), input.milestone)}` }];
  if (input.handleSeconds !== undefined && milestone.role !== 'stop') {
    return [{ path: 'handleSeconds', message: `is only given on a stop (${outcomesOf(type).join(', ')})` }];
  }
  return [];
}
