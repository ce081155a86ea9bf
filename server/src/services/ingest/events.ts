// One request's events: validated and checked against its key before the write; inside it judged against the stored
// sites and the cases they close, written, and those cases closed.
import type { EventInput, IngestResult, JudgedEvent } from '../../protocol';
import type { StoredMilestone } from '../../protocol/eventTypes';
import { isDomainError } from '../../domain/errors';
import { postedAsMilestonesMessage, type EventTypeRegistry } from '../../domain/eventTypes';
import type { CaseJudgementRecord, CaseKey, NewEvent, SiteRecord, WriteOutcome, WriteTx } from '../../store/port';
import { awaitsStart, caseText, withRecorded } from './cases';
import { caseEndedMessage, caseStartProblem, storedEnding, storedStartAndStop, type CaseStart, type EventDating } from './caseStart';
import { configuredOrDefault, forbiddenSites, unknownSiteProblems, type IngestContext } from './context';
import { conflictProblem, type ItemProblem } from './itemProblem';
import type { IngestOutcome, LateEnd, SiteLimit } from './outcomes';
import { prepareEvent } from './prepare';
import { caseTwinSites, newSiteItems } from './siteCase';
import { validateEvents } from './validate';

/** A request of known sites: nothing new to check against the stored sites (siteCase.ts). */
const NO_NEW_SITES: { problems: ItemProblem[]; created: readonly string[] } = { problems: [], created: [] };

/** What an end of a case that already closed by expiry is: a conflict (POST /events), or skipped as late (a feed). */
type LateEnds = 'refuse' | 'skip';

/** The stored records of the named sites (those that exist). */
export type SitesOf = (names: readonly string[]) => Promise<ReadonlyMap<string, SiteRecord>>;

/** One request judged and ready to write (`inputs`: the valid items not left out as late, with their indexes), or its refusal. */
export type Prepared =
  | { ok: true; inputs: Array<{ input: EventInput; index: number }>; batch: NewEvent[]; late: LateEnd[]; receivedAtMs: number; createdSites: readonly string[] }
  | { ok: false; outcome: Exclude<IngestOutcome, { kind: 'stored' }> };

/** One request's items validated (and allowed for its key), or its refusal. */
export type Checked = { ok: true; inputs: EventInput[] } | { ok: false; outcome: Extract<IngestOutcome, { kind: 'invalid' | 'forbidden' }> };

/** A written event as the API answers it. */
export const resultOf = (w: WriteOutcome): IngestResult => ({ event: w.judged.event, judgements: w.judged.judgements, id: w.judged.event.id, seq: w.judged.event.seq, duplicate: w.duplicate });

/** Validates one request's events and checks its key may write their sites (reading nothing stored). */
export function checkEvents(ctx: IngestContext, items: readonly unknown[], allowed: SiteLimit): Checked {
  const validation = validateEvents(items, ctx.now());
  if (!validation.ok) {
    const registry = ctx.registry();
    return { ok: false, outcome: { kind: 'invalid', problems: validation.problems.map((p) => withMilestonesHint(registry, items[p.index], p)) } };
  }
  const forbidden = forbiddenSites(validation.inputs, allowed);
  if (forbidden.length > 0) return { ok: false, outcome: { kind: 'forbidden', problems: forbidden } };
  return { ok: true, inputs: validation.inputs };
}

/** A refused `type` that names a case type posted as milestones (a complaint) says so, after the schema's words. */
function withMilestonesHint(registry: EventTypeRegistry, item: unknown, problem: ItemProblem): ItemProblem {
  if (problem.path.length !== 1 || problem.path[0] !== 'type' || item === null || typeof item !== 'object') return problem;
  const hint = postedAsMilestonesMessage(registry, (item as { type?: unknown }).type);
  return hint === null ? problem : { ...problem, message: `${problem.message}: ${hint}` };
}

/**
 * Validate, judge and write one request inside `tx`; no notification. `expired`: what an end of an expired case is;
 * `dated`: what instant of its wait an event's occurredAt is.
 */
export async function writeEvents(
  ctx: IngestContext,
  tx: WriteTx,
  checked: Checked,
  expired: LateEnds = 'refuse',
  dated: EventDating = 'start',
  requestStarts: ReadonlyMap<string, CaseStart> = NO_STARTS,
): Promise<{ outcome: IngestOutcome; stored: JudgedEvent[]; late: LateEnd[] }> {
  const prepared = await prepareEvents(ctx, tx, checked, expired, dated, undefined, requestStarts);
  if (!prepared.ok) return { outcome: prepared.outcome, stored: [], late: [] };
  const { inputs, batch, late, receivedAtMs } = prepared;
  let written;
  try {
    written = await tx.writes.events(batch);
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict' && error.at !== undefined) {
      return { outcome: { kind: 'conflict', problems: [conflictProblem(inputs[error.at]?.index ?? error.at, error)] }, stored: [], late: [] };
    }
    throw error;
  }
  await closePairedCases(ctx, tx, inputs.map((i) => i.input), written, receivedAtMs);
  return { outcome: { kind: 'stored', results: written.map(resultOf) }, stored: written.filter((w) => !w.duplicate).map((w) => w.judged), late };
}

/** No start milestones in the request (POST /events has none). */
const NO_STARTS: ReadonlyMap<string, CaseStart> = new Map();

/**
 * Judges one checked request's events (reading, never writing): its refusal, or the batch to write. `requestStarts`:
 * the start milestones of the feed the events come with, by case, which an event is held to when its case has no
 * stored start.
 */
export async function prepareEvents(
  ctx: IngestContext,
  tx: WriteTx,
  validation: Checked,
  expired: LateEnds,
  dated: EventDating = 'start',
  sitesOf: SitesOf = (names) => tx.sites.getMany(names),
  requestStarts: ReadonlyMap<string, CaseStart> = NO_STARTS,
): Promise<Prepared> {
  if (!validation.ok) return validation;
  const receivedAtMs = ctx.now();
  // Each event is judged by the standard versions in force when it happened, with its site's configuration (or
  // the defaults an unknown site is created with, unless unknown sites are refused). One read of the request's sites,
  // inside the write: nothing changes a site between its lookup and the events' judgement.
  const sites = await sitesOf(validation.inputs.map((input) => input.site));
  const unknown = unknownSiteProblems(ctx, validation.inputs, sites);
  if (unknown.length > 0) return { ok: false, outcome: { kind: 'invalid', problems: unknown } };
  const fresh = newSiteItems(validation.inputs, sites);
  const twins = fresh.length > 0 ? await caseTwinSites(validation.inputs, fresh, tx.sites) : NO_NEW_SITES;
  if (twins.problems.length > 0) return { ok: false, outcome: { kind: 'invalid', problems: twins.problems } };
  const paired = await pairedCases(ctx, tx, validation.inputs, expired);
  if (!paired.ok) return { ok: false, outcome: { kind: 'conflict', problems: paired.problems } };
  const lateIndexes = new Set(paired.late.map((l) => l.index));
  const inputs = validation.inputs.flatMap((input, index) => (lateIndexes.has(index) ? [] : [{ input, index }]));
  const batch = inputs.map(({ input, index }) => {
    const prepared = prepareEvent(input, { standardsAt: ctx.standardsAt, site: configuredOrDefault(ctx, input.site, sites.get(input.site)), receivedAtMs });
    const recorded = paired.recorded.get(index);
    return recorded ? { ...prepared, judgements: withRecorded(prepared.judgements, recorded) } : prepared;
  });
  // Checked on the prepared events: an end-dated call's wait may be derived from its rings.
  const misdated = inputs.flatMap(({ input, index }, i) => {
    const start = paired.starts.get(index) ?? (input.caseId === undefined ? undefined : requestStarts.get(caseText({ type: input.type, site: input.site, caseId: input.caseId })));
    const problem = start && input.caseId !== undefined ? caseStartProblem(index, batch[i]!, input.caseId, start, dated) : null;
    return problem ? [problem] : [];
  });
  if (misdated.length > 0) return { ok: false, outcome: { kind: 'conflict', problems: misdated } };
  return { ok: true, inputs, batch, late: paired.late, receivedAtMs, createdSites: twins.created };
}

/**
 * Events posted with a caseId close that case (the event is its finished event, with any judgement recorded on
 * it while open). A case already ended by another event, or by its own milestones, is a conflict: it would count
 * twice; so is a second event for a case an earlier item of the request closes (the same event twice is one, the
 * writer's duplicate). One that expired is a conflict too, unless `expired` is 'skip' (a feed): that event is late
 * and left out. `starts`: the stored start of each open case an event closes, once it has arrived (caseStart.ts
 * checks the event against it).
 */
async function pairedCases(
  ctx: IngestContext,
  tx: WriteTx,
  inputs: readonly EventInput[],
  expired: LateEnds,
): Promise<{ ok: true; recorded: Map<number, CaseJudgementRecord[]>; starts: Map<number, StoredMilestone>; late: LateEnd[] } | { ok: false; problems: ItemProblem[] }> {
  const recorded = new Map<number, CaseJudgementRecord[]>();
  const starts = new Map<number, StoredMilestone>();
  const problems: ItemProblem[] = [];
  const late: LateEnd[] = [];
  // The first item of the request that closes each case (by caseText): nothing here writes, so a case open for it is
  // open for the items after it.
  const closing = new Map<string, number>();
  for (const [index, input] of inputs.entries()) {
    if (!input.caseId) continue;
    const key = { type: input.type, site: input.site, caseId: input.caseId };
    const first = closing.get(caseText(key));
    if (first !== undefined && (input.id === undefined || inputs[first]!.id !== input.id)) {
      problems.push(caseEnded(index, input, `events.${first} of this request`));
      continue;
    }
    const record = await tx.cases.get(key);
    if (record?.state === 'closed' && !awaitsStart(record)) {
      const ended = record.eventSeq === null ? undefined : (await tx.events.after(record.eventSeq - 1, 1))[0]?.event;
      if (input.id !== undefined && ended?.id === input.id) continue; // a retry of the event that closed it
      if (record.expired && expired === 'skip') {
        late.push({ index, caseId: input.caseId });
        continue;
      }
      problems.push(caseEnded(index, input, ended ? `event ${JSON.stringify(ended.id)} (seq ${ended.seq})` : record.expired ? 'expiry' : 'its milestones'));
      continue;
    }
    if (record) {
      // Both asked before either is awaited: one round trip on PostgreSQL's pipelined write connection.
      const [judgements, { start, stop }] = await Promise.all([tx.cases.judgements(key), storedStartAndStop(tx.cases, ctx.registry(), key)]);
      // A stop already stored ended the case: an event with another outcome would contradict it, as a stop other than
      // a closing event's outcome does the other way round (milestones.ts contradictingStops). A feed skips it as a
      // late end, as it does an end of an expired case: refusing would hold up the rest of the feed behind it.
      if (stop && stop.milestone !== input.outcome) {
        if (expired === 'skip') late.push({ index, caseId: input.caseId });
        else problems.push({ index, path: ['outcome'], caseEnded: true, message: caseEndedMessage(key, storedEnding(stop), input.outcome) });
        continue;
      }
      recorded.set(index, judgements);
      if (start) starts.set(index, start);
    }
    // Only an item that goes on to close its case counts as closing it: one skipped as late above closes nothing.
    if (first === undefined) closing.set(caseText(key), index);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, recorded, starts, late };
}

/** Item `index`, an event for a case that already ended (`how`: by what), refused: a case is one event. */
const caseEnded = (index: number, input: EventInput, how: string): ItemProblem => ({
  index,
  path: ['caseId'],
  message: `${input.type} ${JSON.stringify(input.caseId)} at ${JSON.stringify(input.site)} has already ended (by ${how}); a case is one event`,
});

/** Each newly stored event with a caseId closes its case, paired with it. */
async function closePairedCases(ctx: IngestContext, tx: WriteTx, inputs: readonly EventInput[], written: ReadonlyArray<{ duplicate: boolean; judged: JudgedEvent }>, receivedAtMs: number): Promise<void> {
  const closed: CaseKey[] = [];
  for (const [index, input] of inputs.entries()) {
    const w = written[index]!;
    if (!input.caseId || w.duplicate) continue;
    const key = { type: input.type, site: input.site, caseId: input.caseId };
    await tx.writes.closeCase(key, { closedAtMs: receivedAtMs, expired: false, eventSeq: w.judged.event.seq });
    closed.push(key);
  }
  if (closed.length > 0) tx.onCommit(() => ctx.notifyCases(closed, new Map(closed.map((k) => [caseText(k), { closed: true }]))));
}
