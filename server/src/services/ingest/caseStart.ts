// An event posted with a caseId becomes that case's finished event, counted at its own occurredAt: it must be the
// case that started when the case's stored start says, or a miss recorded today would count on another day.
import { agreesWithCaseStart, CASE_START_TOLERANCE_SECONDS } from '../../domain/clocks';
import { startOf, type EventTypeRegistry } from '../../domain/eventTypes';
import type { StoredMilestone } from '../../protocol/eventTypes';
import type { CaseKey, CasesReads, NewEvent } from '../../store/port';
import type { ItemProblem } from './itemProblem';

/**
 * What an event's occurredAt is the instant of: the start of its wait (POST /events: when ringing began), or its end
 * (the integrations that date a call as the source writes it; docs/integrations/README.md, "When a call is dated").
 */
export type EventDating = 'start' | 'end';

/** A case's stored start milestone, once it has arrived (a stop may come first): that one read, not the case's others. */
export async function storedStartOf(cases: CasesReads, registry: EventTypeRegistry, key: CaseKey): Promise<StoredMilestone | undefined> {
  const definition = registry.get(key.type);
  if (!definition) return undefined;
  const [start] = await cases.milestones(key, startOf(definition).id);
  return start;
}

/**
 * Item `index`, an event closing case `caseId` whose start `start` is stored, refused (409, path `occurredAt`) when
 * the start it gives lies more than CASE_START_TOLERANCE_SECONDS from the stored one, naming both and where the
 * stored one came from; null when they agree.
 */
export function caseStartProblem(index: number, prepared: NewEvent, caseId: string, start: StoredMilestone, dating: EventDating): ItemProblem | null {
  const { event } = prepared;
  const wait = (event.type === 'call' ? event.answerSeconds : event.greetSeconds) ?? 0;
  const eventStartMs = dating === 'end' ? prepared.occurredAtMs - wait * 1000 : prepared.occurredAtMs;
  if (agreesWithCaseStart(eventStartMs, Date.parse(start.at))) return null;
  const given = dating === 'end' ? `is ${event.occurredAt}, the end of a ${wait} s wait that began at ${new Date(eventStartMs).toISOString()}` : `is ${event.occurredAt}`;
  return {
    index,
    path: ['occurredAt'],
    message:
      `${given}, but ${event.type} ${JSON.stringify(caseId)} at ${JSON.stringify(event.site)} started at ${start.at} (its ${JSON.stringify(start.milestone)} milestone ` +
      `${JSON.stringify(start.id)}, stored as seq ${start.seq}): the event that closes a case must begin when the case started (within ${CASE_START_TOLERANCE_SECONDS} s)`,
  };
}
