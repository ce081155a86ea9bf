// Validating posted milestones (the shared wire schema, then the event type registry) and making them ready to store.
import { canonicalJson } from '../../domain/canonical';
import { requestMilestoneConflict } from '../../domain/contentConflicts';
import { misorderedPairs } from '../../domain/clocks';
import { milestoneOf, milestoneProblems, type EventTypeRegistry } from '../../domain/eventTypes';
import { parseInput, type Site } from '../../protocol';
import { milestoneInputSchema, type MilestoneInput, type StoredMilestone } from '../../protocol/eventTypes';
import type { CaseRecord, NewMilestone, StoreReads } from '../../store/port';
import { timeOrderedUuid } from './eventId';
import { caseText } from './cases';
import { caseEndedMessage, endingStop, storedEnding, type Ending } from './caseStart';
import type { ItemProblem } from './itemProblem';
import { firstPerField, futureProblem, soundFields, toItemProblems } from './validate';

export type MilestoneValidation = { ok: true; inputs: MilestoneInput[] } | { ok: false; problems: ItemProblem[] };

/** The fields of a milestone in the order the schema has them: a refusal lists its problems in that order. */
const FIELD_ORDER = new Map(Object.keys(milestoneInputSchema.shape).map((key, i) => [key, i]));
const inFieldOrder = (problems: ItemProblem[]): ItemProblem[] =>
  problems.sort((a, b) => (FIELD_ORDER.get(String(a.path[0])) ?? FIELD_ORDER.size) - (FIELD_ORDER.get(String(b.path[0])) ?? FIELD_ORDER.size));

/**
 * Every bad field of every milestone; `at` more than LIMITS.maxFutureSeconds after `nowMs` is refused as for events.
 * The checks after the schema (the event type registry, the future) also read a refused milestone's fields that the
 * schema found sound, so one answer lists every problem of a milestone.
 */
export function validateMilestones(items: readonly unknown[], registry: EventTypeRegistry, nowMs: number): MilestoneValidation {
  const inputs: MilestoneInput[] = [];
  const problems: ItemProblem[] = [];
  items.forEach((item, index) => {
    const parsed = parseInput(milestoneInputSchema, item);
    if (parsed.success) {
      const later = laterProblems(index, parsed.data, registry, nowMs);
      if (later.length === 0) inputs.push(parsed.data);
      else problems.push(...later);
      return;
    }
    const sound = soundFields(item, parsed.error.issues);
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const fields = { type: text(sound.type), milestone: text(sound.milestone), at: text(sound.at), handleSeconds: typeof sound.handleSeconds === 'number' ? sound.handleSeconds : undefined };
    const own = parsed.error.issues.flatMap((issue) => toItemProblems(index, issue, 'milestones'));
    problems.push(...inFieldOrder([...own, ...laterProblems(index, fields, registry, nowMs)]));
  });
  return problems.length === 0 ? { ok: true, inputs } : { ok: false, problems: firstPerField(problems) };
}

const NONE: readonly ItemProblem[] = [];

/** What the schema cannot know of a milestone: the registry's problems, and `at` in the future; each field read only when given. */
function laterProblems(index: number, m: Partial<Pick<MilestoneInput, 'type' | 'milestone' | 'at' | 'handleSeconds'>>, registry: EventTypeRegistry, nowMs: number): readonly ItemProblem[] {
  const known = milestoneProblems(registry, m);
  const future = m.at === undefined ? null : futureProblem(index, 'at', m.at, nowMs);
  if (known.length === 0) return future ? [future] : NONE;
  const later = known.map((p): ItemProblem => ({ index, path: [p.path], message: p.message }));
  return future ? [...later, future] : later;
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
    else {
      const [firstContent, content] = [canonicalJson(inputs[first]), canonicalJson(input)];
      if (firstContent !== content) problems.push({ index, path: ['milestone'], message: requestMilestoneConflict(first, index, firstContent, content) });
    }
  });
  return problems;
}

/** `caseStored`: milestones of its case were found stored in this write (NewMilestone). */
export function prepareMilestone(input: MilestoneInput, site: Site, receivedAtMs: number, caseStored = false): NewMilestone {
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
    caseStored,
  };
}

/** Where a milestone of a case comes from: stored before, or item `index` of this request. */
interface Timed {
  atMs: number;
  at: string;
  index: number | null;
}

/**
 * Milestones that would time a stop before its case's start (or a measure's end before its beginning; domain/clocks
 * order.ts orderedPairs) against the case's stored milestones or the request's others: refused (409, path `at`, naming the
 * other milestone and its time), never measured as a 0 s wait. Whichever arrives second is the one refused: a start
 * timed after a stored stop as much as a stop timed before a stored start; within a request, the later item. A
 * milestone already stored under the same pairing key is taken as stored (a retry is a duplicate, other content the
 * store's conflict). `stored`: the milestones each case (of a known type, by caseText) had stored, as read for the
 * check, so that settling the case later in the same write need not read them again; `caseStored[i]`: item i's case
 * has milestones stored (so its case row exists).
 */
export async function misorderedMilestones(
  reads: Pick<StoreReads, 'cases'>,
  inputs: readonly MilestoneInput[],
  registry: EventTypeRegistry,
): Promise<{ problems: ItemProblem[]; stored: Map<string, StoredMilestone[]>; caseStored: boolean[] }> {
  const byCase = new Map<string, number[]>();
  inputs.forEach((m, index) => {
    const key = caseText(m);
    byCase.set(key, [...(byCase.get(key) ?? []), index]);
  });
  const groups = [...byCase.entries()];
  // Every case's read is asked before any is awaited: on PostgreSQL's pipelined write connection they share one
  // round trip instead of one each.
  const storedOf = await Promise.all(
    groups.map(([, indexes]) => {
      const first = inputs[indexes[0]!]!;
      return registry.get(first.type) ? reads.cases.milestones({ type: first.type, site: first.site, caseId: first.caseId }) : Promise.resolve(null);
    }),
  );
  const stored = new Map<string, StoredMilestone[]>();
  const problems: ItemProblem[] = [];
  const caseStored = inputs.map(() => false);
  for (const [g, [text, indexes]] of groups.entries()) {
    const type = registry.get(inputs[indexes[0]!]!.type);
    const before = storedOf[g];
    if (!type || !before) continue;
    stored.set(text, before);
    if (before.length > 0) for (const index of indexes) caseStored[index] = true;
    const timed = new Map<string, Timed>();
    for (const m of before) timed.set(m.milestone, { atMs: Date.parse(m.at), at: m.at, index: null });
    for (const index of indexes) {
      const m = inputs[index]!;
      if (!timed.has(m.milestone)) timed.set(m.milestone, { atMs: Date.parse(m.at), at: m.at, index });
    }
    const blamed = new Set<number>();
    for (const { earlier, later } of misorderedPairs(type, timed)) {
      const a = timed.get(earlier)!;
      const b = timed.get(later)!;
      // The one that arrived second: a new item against a stored milestone, or the later of two new items.
      const laterIsBlamed = b.index !== null && (a.index === null || b.index > a.index);
      const [own, other] = laterIsBlamed ? [b, a] : [a, b];
      const otherId = laterIsBlamed ? earlier : later;
      if (own.index === null || blamed.has(own.index)) continue;
      blamed.add(own.index);
      const where = other.index === null ? 'stored' : `milestones.${other.index} of this request`;
      const relation = laterIsBlamed ? 'before' : 'after';
      problems.push({
        index: own.index,
        path: ['at'],
        message: `is ${relation} the case's "${otherId}" milestone (${where}, at ${other.at}): a ${type.id}'s "${later}" cannot be timed before its "${earlier}"`,
      });
    }
  }
  return { problems: problems.sort((x, y) => x.index - y.index), stored, caseStored };
}

/**
 * Stops that contradict how their case ended: a case ends once, so a stop other than the one that ended it (an
 * `abandoned` after a stored `answered`; within a request, the later of two different stops) is refused (409, path
 * `milestone`, naming the stop that ended the case), where settling would keep the first and drop it unseen. A case
 * closed by a posted event ended with that event's outcome; a stop named like it stays accepted (the handle time of
 * an answered call arrives that way, docs/integrations/asterisk.md), and a repeat of the ending stop is the pairing
 * key's duplicate or conflict. A case closed by expiry or withdrawn ended with no stop of its own: a late stop is
 * stored, as a feed's late end is, and changes nothing. `stored`: misorderedMilestones' reads of each case.
 * `rows`: the case rows read for the check (by caseText; a case with no row is left out), so that settling the case
 * later in the same write need not read its row again.
 */
export async function contradictingStops(
  reads: Pick<StoreReads, 'cases' | 'events'>,
  inputs: readonly MilestoneInput[],
  registry: EventTypeRegistry,
  stored: ReadonlyMap<string, readonly StoredMilestone[]>,
): Promise<{ problems: ItemProblem[]; rows: Map<string, CaseRecord> }> {
  const isStop = (m: Pick<MilestoneInput, 'type' | 'milestone'>) => {
    const type = registry.get(m.type);
    return type !== undefined && milestoneOf(type, m.milestone)?.role === 'stop';
  };
  const stops = new Map<string, number[]>();
  inputs.forEach((m, index) => {
    if (isStop(m)) stops.set(caseText(m), [...(stops.get(caseText(m)) ?? []), index]);
  });
  const problems: ItemProblem[] = [];
  const rows = new Map<string, CaseRecord>();
  await Promise.all(
    [...stops.entries()].map(async ([text, indexes]) => {
      const first = inputs[indexes[0]!]!;
      const stop = endingStop(stored.get(text) ?? [], isStop);
      let ending = stop && storedEnding(stop);
      if (!ending) {
        const record = await reads.cases.get({ type: first.type, site: first.site, caseId: first.caseId });
        if (record) rows.set(text, record);
        ending = await eventEnding(reads, record);
      }
      for (const index of indexes) {
        const m = inputs[index]!;
        if (!ending) ending = { stop: m.milestone, where: `milestones.${index} of this request, at ${m.at}` };
        else if (ending.stop !== m.milestone) {
          problems.push({ index, path: ['milestone'], caseEnded: true, message: caseEndedMessage(m, ending) });
        }
      }
    }),
  );
  return { problems: problems.sort((x, y) => x.index - y.index), rows };
}

/** The outcome of the event a closed case was paired with, when it ended with one (not by expiry or a withdrawal). */
async function eventEnding(reads: Pick<StoreReads, 'events'>, record: CaseRecord | undefined): Promise<Ending | undefined> {
  if (record?.state !== 'closed' || record.expired || record.eventSeq === null) return undefined;
  const event = (await reads.events.after(record.eventSeq - 1, 1))[0]?.event;
  return event && { stop: event.outcome, where: `event ${JSON.stringify(event.id)}, seq ${event.seq}` };
}
