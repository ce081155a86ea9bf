// Validating posted milestones (the shared wire schema, then the event type registry) and making them ready to store.
import { canonicalJson } from '../../domain/canonical';
import { milestoneProblems, type EventTypeRegistry } from '../../domain/eventTypes';
import { LIMITS, type Site } from '../../protocol';
import { milestoneInputSchema, type MilestoneInput } from '../../protocol/eventTypes';
import type { NewMilestone } from '../../store/port';
import { timeOrderedUuid } from './eventId';
import type { ItemProblem } from './itemProblem';
import { firstPerField, toItemProblems } from './validate';

export type MilestoneValidation = { ok: true; inputs: MilestoneInput[] } | { ok: false; problems: ItemProblem[] };

/** Every bad field of every milestone; `at` more than LIMITS.maxFutureSeconds after `nowMs` is refused as for events. */
export function validateMilestones(items: readonly unknown[], registry: EventTypeRegistry, nowMs: number): MilestoneValidation {
  const inputs: MilestoneInput[] = [];
  const problems: ItemProblem[] = [];
  items.forEach((item, index) => {
    const parsed = milestoneInputSchema.safeParse(item);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.flatMap((issue) => toItemProblems(index, issue, 'a milestone')));
      return;
    }
    const known = milestoneProblems(registry, parsed.data);
    if (known.length > 0) {
      problems.push(...known.map((p) => ({ index, path: [p.path], message: p.message })));
    } else if (Date.parse(parsed.data.at) > nowMs + LIMITS.maxFutureSeconds * 1000) {
      problems.push({ index, path: ['at'], message: `is more than ${LIMITS.maxFutureSeconds / 60} minutes in the future (server time ${new Date(nowMs).toISOString()})` });
    } else inputs.push(parsed.data);
  });
  return problems.length === 0 ? { ok: true, inputs } : { ok: false, problems: firstPerField(problems) };
}

/**
 * Two items of one request with the same pairing key and different content: refused like a reused key (409), as
 * the store would refuse the second; the same content twice is one milestone posted twice (a duplicate).
 */
export function pairingConflicts(inputs: readonly MilestoneInput[]): ItemProblem[] {
  const seen = new Map<string, number>();
  const problems: ItemProblem[] = [];
  inputs.forEach((input, index) => {
    const key = JSON.stringify([input.type, input.site, input.caseId, input.milestone]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    // Contents are compared only for a repeated key (rare): the canonical JSON of every item cost as much as the check.
    else if (canonicalJson(inputs[first]) !== canonicalJson(input)) problems.push({ index, path: ['milestone'], message: `milestones.${first} and milestones.${index} are the same milestone of one case with different content` });
  });
  return problems;
}

export function prepareMilestone(input: MilestoneInput, site: Site, receivedAtMs: number): NewMilestone {
  return {
    milestone: {
      // Time-ordered, like an event's: a batch's ids go in at the end of the milestones' id index (eventId.ts).
      id: input.id ?? timeOrderedUuid(receivedAtMs),
      type: input.type,
      site: input.site,
      caseId: input.caseId,
      milestone: input.milestone,
      at: input.at,
      agent: input.agent ?? null,
      queue: input.queue ?? null,
      handleSeconds: input.handleSeconds ?? null,
    },
    atMs: Date.parse(input.at),
    receivedAtMs,
    content: canonicalJson(input),
    siteDefaults: { timeZone: site.timeZone, ringCycleSeconds: site.ringCycleSeconds },
  };
}
