// From a validated input to a record ready to store: id, derived measurements, judgements.
import type { EventInput, Site, Standard } from '../../protocol';
import { canonicalJson } from '../../domain/canonical';
import { isOpen } from '../../domain/hours';
import { judgeEvent } from '../../domain/judge';
import { completeMeasurements } from '../../domain/measures';
import type { NewEvent } from '../../store/port';
import { timeOrderedUuid } from './eventId';

export interface PrepareContext {
  /** The (non-retired) standard versions in force at an instant (occurredAt). */
  standardsAt(ms: number): readonly Standard[];
  /** The event's site as configured, or the defaults it will be created with. */
  site: Site;
  receivedAtMs: number;
}

export function prepareEvent(input: EventInput, ctx: PrepareContext): NewEvent {
  const measured = completeMeasurements(input, ctx.site.ringCycleSeconds);
  const event: NewEvent['event'] = {
    id: input.id ?? timeOrderedUuid(ctx.receivedAtMs),
    type: input.type,
    site: input.site,
    occurredAt: input.occurredAt,
    outcome: input.outcome,
    // Named one by one, not spread: every posted event is prepared, and a spread builds the object the slow way.
    rings: measured.rings,
    answerSeconds: measured.answerSeconds,
    greetSeconds: measured.greetSeconds,
    derived: measured.derived,
    queue: input.type === 'call' ? (input.queue ?? null) : null,
    agent: input.agent ?? null,
    handleSeconds: input.handleSeconds ?? null,
  };
  const occurredAtMs = Date.parse(input.occurredAt);
  const prepared: NewEvent = {
    event,
    occurredAtMs,
    receivedAtMs: ctx.receivedAtMs,
    content: canonicalJson(input),
    judgements: judgeEvent(event, ctx.standardsAt(occurredAtMs), { inHours: isOpen(ctx.site, occurredAtMs) }),
    siteDefaults: { timeZone: ctx.site.timeZone, ringCycleSeconds: ctx.site.ringCycleSeconds },
  };
  if (input.id === undefined) prepared.idMadeHere = true;
  return prepared;
}
