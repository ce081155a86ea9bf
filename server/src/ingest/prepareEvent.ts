// From a validated input to a record ready to store: id, derived measurements, judgements.
import { randomUUID } from 'node:crypto';
import type { EventInput, Standard } from '../protocol';
import { canonicalJson } from '../domain/canonical';
import { judgeEvent } from '../domain/judge';
import { completeMeasurements } from '../domain/measures';
import type { NewEvent } from '../store/eventWriter';

export interface PrepareContext {
  standards: readonly Standard[];
  ringCycleSeconds: number;
  timeZone: string;
  receivedAtMs: number;
}

export function prepareEvent(input: EventInput, ctx: PrepareContext): NewEvent {
  const measured = completeMeasurements(input, ctx.ringCycleSeconds);
  const event: NewEvent['event'] = {
    id: input.id ?? randomUUID(),
    type: input.type,
    site: input.site,
    occurredAt: input.occurredAt,
    outcome: input.outcome,
    ...measured,
    queue: input.type === 'call' ? (input.queue ?? null) : null,
    agent: input.agent ?? null,
  };
  return {
    event,
    occurredAtMs: Date.parse(input.occurredAt),
    receivedAtMs: ctx.receivedAtMs,
    content: canonicalJson(input),
    judgements: judgeEvent(event, ctx.standards),
    siteDefaults: { timeZone: ctx.timeZone, ringCycleSeconds: ctx.ringCycleSeconds },
  };
}
