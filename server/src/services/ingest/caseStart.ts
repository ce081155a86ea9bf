// An event posted with a caseId becomes that case's finished event, counted at its own occurredAt: it must be the
// case that started when the case's stored start says, or a miss recorded today would count on another day.
import { agreesWithCaseStart, CASE_START_TOLERANCE_SECONDS } from '../../domain/clocks';
import { startOf, stopsOf, type EventTypeRegistry } from '../../domain/eventTypes';
import type { StoredMilestone } from '../../protocol/eventTypes';
import type { StoredEvent } from '../../protocol';
import type { CaseKey, CasesReads, NewEvent } from '../../store/port';
import type { ItemProblem } from './itemProblem';

/**
 * What an event's occurredAt is the instant of: the start of its wait (POST /events: when ringing began), or its end
 * (the integrations that date a call as the source writes it; docs/integrations/README.md, "When a call is dated").
 */
export type EventDating = 'start' | 'end';

/**
 * A case's stored start milestone and the stop that ended it (endingStop's), each once it has arrived (a stop may
 * come first): one read of the case's milestones.
 */
export async function storedStartAndStop(cases: CasesReads, registry: EventTypeRegistry, key: CaseKey): Promise<{ start?: StoredMilestone; stop?: StoredMilestone }> {
  const definition = registry.get(key.type);
  if (!definition) return {};
  const start = startOf(definition).id;
  const stops = new Set(stopsOf(definition).map((m) => m.id));
  const milestones = await cases.milestones(key);
  return { start: milestones.find((m) => m.milestone === start), stop: endingStop(milestones, (m) => stops.has(m.milestone)) };
}

/** The stop a case ended with, and where that is told: a stored milestone, an item of this request, or an event. */
export interface Ending {
  stop: string;
  where: string;
}

/** The stop that ended a case, among its stored milestones: the earliest (a case ends once), if any. */
export function endingStop(milestones: readonly StoredMilestone[], isStop: (m: StoredMilestone) => boolean): StoredMilestone | undefined {
  return milestones.filter(isStop).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

/** A stored stop as the ending a second end is refused by. */
export const storedEnding = (stop: StoredMilestone): Ending => ({ stop: stop.milestone, where: `stored, at ${stop.at}` });

/**
 * Why a second, different end of a case is refused (a stop, or an event's outcome `as`): the stop it ended with, and
 * where that is told.
 */
export function caseEndedMessage(item: CaseKey, ending: Ending, as?: string): string {
  return `cannot end ${item.type} ${JSON.stringify(item.caseId)} at ${JSON.stringify(item.site)}${as === undefined ? '' : ` as "${as}"`}: it already ended with its "${ending.stop}" stop (${ending.where}); a case ends once`;
}

/** When an event says its case started: its occurredAt, or that less its wait when it is dated at the end. */
export function eventStartMs(occurredAtMs: number, event: StoredEvent | NewEvent['event'], dating: EventDating): number {
  const wait = (event.type === 'call' ? event.answerSeconds : event.greetSeconds) ?? 0;
  return dating === 'end' ? occurredAtMs - wait * 1000 : occurredAtMs;
}

/** A case's start as the event closing it is checked against: stored (a milestone and its seq), or earlier in the request the event comes in. */
export type CaseStart = Pick<StoredMilestone, 'at' | 'milestone' | 'id'> & { seq: number | null };

/**
 * Item `index`, an event closing case `caseId` whose start `start` is stored or in its request, refused (409, path `occurredAt`) when
 * the start it gives lies more than CASE_START_TOLERANCE_SECONDS from the stored one, naming both and where the
 * stored one came from; null when they agree.
 */
export function caseStartProblem(index: number, prepared: NewEvent, caseId: string, start: CaseStart, dating: EventDating): ItemProblem | null {
  const { event } = prepared;
  const wait = (event.type === 'call' ? event.answerSeconds : event.greetSeconds) ?? 0;
  const startMs = eventStartMs(prepared.occurredAtMs, event, dating);
  if (agreesWithCaseStart(startMs, Date.parse(start.at))) return null;
  const given = dating === 'end' ? `is ${event.occurredAt}, the end of a ${wait} s wait that began at ${new Date(startMs).toISOString()}` : `is ${event.occurredAt}`;
  return {
    index,
    path: ['occurredAt'],
    message:
      `${given}, but ${event.type} ${JSON.stringify(caseId)} at ${JSON.stringify(event.site)} started at ${start.at} (its ${JSON.stringify(start.milestone)} milestone ` +
      `${JSON.stringify(start.id)}, ${start.seq === null ? 'earlier in this request' : `stored as seq ${start.seq}`}): the event that closes a case must begin when the case started (within ${CASE_START_TOLERANCE_SECONDS} s)`,
  };
}
