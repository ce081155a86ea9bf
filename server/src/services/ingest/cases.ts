// A case whose milestones say it is over becomes its finished event, written through the same path as a posted
// event (prepareEvent → writes.events: judgements, chain, rollups), so every figure, export, correction and alert
// sees it. Judgements recorded while the case was open (a miss at the deadline, a verdict when a measure stopped) are
// kept as recorded; the event carries the real measure. Calls and visits become the event POST /events would have
// stored; other types (complaints, types defined as data) an event of their type carrying the type's measures.
import { canonicalJson } from '../../domain/canonical';
import type { CaseMilestone, CaseState } from '../../domain/clocks';
import { caseState, expireCase, expiresAtMs, expiryJudgement, judgeMeasure, standardsForCase, toFinishedEvent, type FinishedEvent } from '../../domain/clocks';
import type { EventTypeRegistry } from '../../domain/eventTypes';
import { isOpen } from '../../domain/hours';
import { judgeEvent } from '../../domain/judge';
import { ownVerdictPrevails } from '../../domain/clocks/recordedVerdicts';
import type { EventInput, JudgedEvent, Judgement, Site, Standard } from '../../protocol';
import type { StoredMilestone } from '../../protocol/eventTypes';
import type { CaseJudgementRecord, CaseKey, CaseRecord, NewEvent, WriteTx } from '../../store/port';
import { prepareEvent } from './prepare';

export interface CaseContext {
  registry: EventTypeRegistry;
  /** The (non-retired) standard versions in force at an instant. */
  standardsAt: (ms: number) => readonly Standard[];
  /** The site as configured, or the defaults it is created with. */
  siteOf(tx: WriteTx, name: string): Promise<Site>;
  nowMs: number;
}

export interface Settled {
  key: CaseKey;
  /** The finished event written for it, when it closed now. */
  judged: JudgedEvent | null;
  closed: boolean;
  /** An open case known whole without a read (opened by this write): its milestones, and no case judgements. */
  known?: KnownCase;
}

/** A case as this write left it, for whoever watches cases (the open clocks) to take without reading it again. */
export interface KnownCase {
  milestones: readonly StoredMilestone[];
  recorded: readonly CaseJudgementRecord[];
}

/**
 * The milestones of cases this write added to, by caseText(), as the write knows them: all the case has, in seq
 * order. `opened`: the write created the case, so it also has no case judgements and is open, and settling it needs
 * no read at all; otherwise its judgements are still read, and its case row unless `record` has it (the milestones
 * and the row were read earlier in the same write, before its own milestones were added, which change no existing
 * row).
 */
export interface WrittenCase {
  milestones: readonly StoredMilestone[];
  opened: boolean;
  record?: CaseRecord;
}
export type WrittenCases = ReadonlyMap<string, WrittenCase>;

/**
 * A case's key as one text, for maps and sets of cases (ingest's and the open clocks', which take what ingest knew of a
 * case by it). Each of type and site is prefixed with its length, so no two keys give the same text whatever their
 * characters; built by concatenation, which costs half of a JSON array's text, and a write with a thousand cases
 * makes it ~ten times per case.
 */
export const caseText = (k: CaseKey): string => `${k.type.length}:${k.type}${k.site.length}:${k.site}${k.caseId}`;

/**
 * A case that expiry closed before its start arrived (its first milestone a stop or a step, older than the type's
 * maxOpenSeconds): it became no event, and nothing was judged. It is not over: its start, arriving later, settles it
 * (that start is never later than the case's other milestones, so the case is then either finished or expired), and
 * an event posted for it is its finished event, as for an open case. Anything else closed stays closed.
 */
export const awaitsStart = (record: CaseRecord): boolean => record.state === 'closed' && record.expired && record.eventSeq === null;

export const toCaseMilestone = (m: StoredMilestone): CaseMilestone => ({
  type: m.type, site: m.site, caseId: m.caseId, milestone: m.milestone, at: m.at, agent: m.agent, queue: m.queue, handleSeconds: m.handleSeconds,
});

/** The id of the finished event a case becomes: stable, so the case is one event however often it is settled. */
const caseEventId = (k: CaseKey): string => `case:${k.type}:${k.site}:${k.caseId}`;

/**
 * Closes each case that is over, in turn: every measure stopped (or, at or after its expiry instant, expired); open
 * or already closed cases are left as they are (closed: false). The finished events of consecutive calls and visits
 * are written as ONE batch (one rollup and histogram fold, one site check per site, instead of a write per case):
 * the same records in the same chain order, since a call's or visit's settlement writes nothing before its event,
 * and a case of another type (which records its case judgements first) is settled only once the events before it
 * are written.
 */
export async function settleCases(tx: WriteTx, keys: readonly CaseKey[], ctx: CaseContext, written: WrittenCases = new Map()): Promise<Settled[]> {
  const settled: Settled[] = [];
  let pending: Closing[] = [];
  const writePending = async () => {
    settled.push(...(await closeAll(tx, pending, ctx)));
    pending = [];
  };
  // One lookup per site: settling changes no site (the milestones' write created those it needed).
  const sites = new Map<string, Promise<Site>>();
  const siteOf = (name: string) => {
    let site = sites.get(name);
    if (!site) sites.set(name, (site = ctx.siteOf(tx, name)));
    return site;
  };
  for (const key of keys) {
    if (!hasFinishedEvent(key.type)) await writePending();
    const step = await settleStep(tx, key, ctx, siteOf, written.get(caseText(key)));
    if (step.kind === 'open') settled.push({ key, judged: null, closed: false, ...(step.known ? { known: step.known } : {}) });
    else pending.push(step);
    if (!hasFinishedEvent(key.type)) await writePending();
  }
  await writePending();
  return settled;
}

/** A case that closes now: its finished event (null when it has none) and whether it expired. */
interface Closing {
  kind: 'close';
  key: CaseKey;
  prepared: NewEvent | null;
  expired: boolean;
}

/**
 * Everything settleCase does before writing the finished event; a case of another type records its verdicts here.
 * `written`: the case's milestones as this write knows them (see WrittenCases), else they are read.
 */
async function settleStep(tx: WriteTx, key: CaseKey, ctx: CaseContext, siteOf: (name: string) => Promise<Site>, written: WrittenCase | undefined): Promise<{ kind: 'open'; known?: KnownCase } | Closing> {
  const open = { kind: 'open' } as const;
  const type = ctx.registry.get(key.type);
  if (!type) return open;
  const opened = written?.opened ? written.milestones : undefined;
  const record = opened ? undefined : (written?.record ?? (await tx.cases.get(key)));
  if (!opened && (!record || (record.state === 'closed' && !awaitsStart(record)))) return open;
  const milestones = written?.milestones ?? (await tx.cases.milestones(key));
  if (milestones.length === 0) return open;
  let state = caseState(type, milestones.map(toCaseMilestone));
  // Expiry closed it for want of a start; until the start comes, it stays as expiry left it, and so it does when
  // nothing but the start is left (retention pruned the milestones it had: the start alone would make it a give-up).
  if (record?.state === 'closed' && (!state.start || Object.keys(state.reached).length < 2)) return open;
  const site = await siteOf(key.site);
  const expiry = expiresAtMs(type, state);
  if (expiry !== null && ctx.nowMs >= expiry) state = expireCase(type, state);
  // A case of another type may record verdicts now: then it is no longer known whole without a read.
  const recordsVerdicts = !hasFinishedEvent(key.type);
  if (recordsVerdicts) await recordMeasureJudgements(tx, key, state, ctx, site);
  const known = opened && !recordsVerdicts ? { milestones: opened, recorded: [] } : undefined;
  if (expiry !== null && ctx.nowMs < expiry) return known ? { kind: 'open', known } : open;
  const recorded = known ? known.recorded : await tx.cases.judgements(key);
  return { kind: 'close', key, prepared: finishedEventOf(key, state, recorded, ctx, site), expired: state.expiredAtMs !== null };
}

/** Writes the finished events of `closing` in one batch (in order), then closes each case. */
async function closeAll(tx: WriteTx, closing: readonly Closing[], ctx: CaseContext): Promise<Settled[]> {
  const events = closing.flatMap((c) => (c.prepared ? [c.prepared] : []));
  const written = events.length > 0 ? await tx.writes.events(events) : [];
  let next = 0;
  const settled: Settled[] = [];
  for (const c of closing) {
    const w = c.prepared ? written[next++] : undefined;
    await tx.writes.closeCase(c.key, { closedAtMs: ctx.nowMs, expired: c.expired, eventSeq: w?.judged.event.seq ?? null });
    settled.push({ key: c.key, judged: w && !w.duplicate ? w.judged : null, closed: true });
  }
  return settled;
}

/** The closed case's finished event, judged, ready to store; null when it has none (its start never arrived). */
function finishedEventOf(key: CaseKey, state: CaseState, recorded: readonly CaseJudgementRecord[], ctx: CaseContext, site: Site): NewEvent | null {
  const finished = toFinishedEvent(state, site);
  if (!finished) return null;
  if (!hasFinishedEvent(key.type)) return otherTypeEvent(finished, key, state, recorded, ctx, site);
  const input = finishedInput(finished, key);
  if (!input) return null;
  const prepared = prepareEvent(input, { standardsAt: ctx.standardsAt, site, receivedAtMs: ctx.nowMs });
  return { ...prepared, judgements: keptJudgements(prepared, state, recorded, ctx, site) };
}

/**
 * The event of a closed case of another type: its type, the stop that ended it (or 'expired'), and the wall-clock
 * seconds of each of its measures. Each standard's judgement is the one recorded on the case (as its measure
 * stopped, or at its deadline unless its stopped measure does not bear that out), else its stopped measure's, else
 * expiry's, else the event's as it stands.
 */
function otherTypeEvent(finished: FinishedEvent, key: CaseKey, state: CaseState, recorded: readonly CaseJudgementRecord[], ctx: CaseContext, site: Site): NewEvent {
  const type = ctx.registry.get(key.type)!;
  const occurredAtMs = Date.parse(finished.occurredAt);
  const event: NewEvent['event'] = {
    id: caseEventId(key), type: key.type, site: key.site, occurredAt: finished.occurredAt, outcome: finished.outcome,
    rings: null, answerSeconds: null, greetSeconds: null, queue: finished.queue, agent: finished.agent, handleSeconds: finished.handleSeconds, derived: [], measures: finished.measures,
  };
  const judgements = standardsForCase(state, ctx.standardsAt(occurredAtMs)).map((standard): Judgement => {
    const judged = judgeMeasure(state, standard, site) ?? expiryJudgement(state, standard, type, site);
    return judged ?? judgeEvent(finished, [standard], { inHours: isOpen(site, occurredAtMs) })[0]!;
  });
  return {
    event,
    occurredAtMs,
    receivedAtMs: ctx.nowMs,
    // What the case amounted to, in the shape of a posted event: equal content ⇔ the same case settled again.
    content: canonicalJson({ id: event.id, type: event.type, site: event.site, caseId: key.caseId, occurredAt: event.occurredAt, outcome: event.outcome, measures: finished.measures }),
    judgements: withRecorded(judgements, recorded),
    siteDefaults: { timeZone: site.timeZone, ringCycleSeconds: site.ringCycleSeconds },
  };
}

/**
 * The finished event's judgements: a judgement recorded while the case was open stays as recorded (with the real
 * measure now known); an expired case's clocks are judged 'expired'; the rest as the finished event judges.
 */
function keptJudgements(prepared: NewEvent, state: CaseState, recorded: readonly CaseJudgementRecord[], ctx: CaseContext, site: Site): Judgement[] {
  const type = ctx.registry.get(state.type)!;
  const standards = ctx.standardsAt(prepared.occurredAtMs);
  const recordedIds = new Set(recorded.map((r) => r.judgement.standardId));
  return withRecorded(prepared.judgements, recorded).map((j) => {
    if (recordedIds.has(j.standardId)) return j;
    const standard = standards.find((s) => s.id === j.standardId);
    const expired = standard && state.expiredAtMs !== null ? expiryJudgement(state, standard, type, site) : null;
    return expired ? { ...j, met: expired.met, counted: expired.counted, reason: expired.reason } : j;
  });
}

/**
 * Calls and visits become the event POST /events would have stored; other types keep each verdict on the case as
 * its measure stops (case judgements), and their event carries those.
 */
const hasFinishedEvent = (type: string) => type === 'call' || type === 'visit';

/**
 * A type without finished events (complaints, user types) keeps each verdict on the case as its measure stops:
 * judged met or missed when the stop arrives, or missed at its deadline (recorded first, and then it stays on the
 * case; the finished event judges by the stop's own time where that does not bear the miss out: withRecorded).
 */
async function recordMeasureJudgements(tx: WriteTx, key: CaseKey, state: CaseState, ctx: CaseContext, site: Site): Promise<void> {
  if (!state.start) return;
  const type = ctx.registry.get(state.type)!;
  for (const standard of standardsForCase(state, ctx.standardsAt(state.start.atMs))) {
    const judgement = judgeMeasure(state, standard, site) ?? expiryJudgement(state, standard, type, site);
    if (judgement) await tx.writes.caseJudgement(key, judgement);
  }
}

/**
 * The event's judgements with those recorded on its case while open kept as recorded (verdict and reason), except a
 * deadline miss that the event's own times do not bear out (a stop timed in time that arrived late): that one gives
 * way to the event's own verdict (domain/clocks/recordedVerdicts.ts).
 */
export function withRecorded(judgements: readonly Judgement[], recorded: readonly CaseJudgementRecord[]): Judgement[] {
  const byStandard = new Map(recorded.map((r) => [r.judgement.standardId, r.judgement]));
  return judgements.map((j) => {
    const kept = byStandard.get(j.standardId);
    return kept && !ownVerdictPrevails(kept, j) ? { ...j, met: kept.met, counted: kept.counted, reason: kept.reason } : j;
  });
}

/** A call's or visit's finished event as POST /events would have carried it; null for other types. */
function finishedInput(e: FinishedEvent, key: CaseKey): EventInput | null {
  // One literal per type, the optional fields spread in after its first key: on Node 20 an object spread first and
  // then given more keys cost microseconds per case.
  const agent = e.agent ? { agent: e.agent } : {};
  const handle = e.handleSeconds === null ? {} : { handleSeconds: e.handleSeconds };
  if (e.type === 'call' && (e.outcome === 'answered' || e.outcome === 'abandoned') && e.answerSeconds !== null) {
    return { id: caseEventId(key), site: e.site, occurredAt: e.occurredAt, ...agent, ...handle, type: 'call', outcome: e.outcome, answerSeconds: e.answerSeconds, ...(e.queue ? { queue: e.queue } : {}) };
  }
  if (e.type === 'visit' && (e.outcome === 'greeted' || e.outcome === 'left') && e.greetSeconds !== null) {
    return { id: caseEventId(key), site: e.site, occurredAt: e.occurredAt, ...agent, ...handle, type: 'visit', outcome: e.outcome, greetSeconds: e.greetSeconds };
  }
  return null;
}
