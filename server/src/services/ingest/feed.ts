// A feed: what an integration read from another system's records (Asterisk's queue_log lines, Twilio TaskRouter
// callbacks, Amazon Connect contact records; http/routes/integrations.ts), milestones, finished events and
// withdrawals mixed, stored all or nothing in one write.
import { startOf } from '../../domain/eventTypes';
import type { MilestoneInput } from '../../protocol/eventTypes';
import type { CaseKey, CaseRecord, WriteTx } from '../../store/port';
import { caseText } from './cases';
import { eventStartMs, storedStartAndStop, type CaseStart } from './caseStart';
import type { IngestContext } from './context';
import { checkEvents, writeEvents } from './events';
import { nothingWritten, writeMilestones, type CasesWritten } from './milestoneWrite';
import type { FeedCase, FeedCases, FeedInput, FeedOutcome, IngestOutcome, SiteLimit } from './outcomes';

/**
 * Writes a feed inside `part` (its `milestones` validated before the write): finished events (as POST /events; one
 * with a caseId closes its case), milestones (as POST /milestones) and withdrawals (cases the source ended without an
 * outcome: closed without a finished event, so they are neither judged nor counted); no notification. A refusal
 * names the part at fault, and leaves what the feed wrote before it for the caller to roll back (allOrNothing.ts).
 */
export async function writeFeed(ctx: IngestContext, part: WriteTx, feed: FeedInput, milestones: readonly MilestoneInput[], sites: SiteLimit): Promise<CasesWritten<FeedOutcome>> {
  // Events first: one that ends a case whose start is in the same request closes it before the start is
  // stored, so a start older than the clock's expiry is not expired first (it stays closed, as ended).
  // An end whose case already closed by expiry is skipped (late), not refused: the source cannot take it back,
  // and refusing would hold up every later record of the feed behind it.
  // The integrations' events are dated at the end of the wait, as their sources write them.
  // An end whose case's start is in the same request is held to it as to a stored start: the same answer however the
  // lines were cut into requests.
  const e = feed.events.length > 0 ? await writeEvents(ctx, part, checkEvents(ctx, feed.events, sites), 'skip', 'end', requestStarts(ctx, milestones)) : { outcome: { kind: 'stored', results: [] } as IngestOutcome, stored: [], late: [] };
  if (e.outcome.kind !== 'stored') return nothingWritten<FeedOutcome>({ ...e.outcome, part: 'events' });
  const m = await writeMilestones(ctx, part, milestones);
  if (m.outcome.kind !== 'stored') return nothingWritten<FeedOutcome>({ ...m.outcome, part: 'milestones' });
  const withdrawn = await withdraw(ctx, part, feed.withdrawals);
  const known = new Map(m.known);
  for (const key of withdrawn) known.set(caseText(key), { closed: true });
  const outcome: FeedOutcome = { kind: 'stored', milestones: m.outcome.results, events: e.outcome.results, withdrawn: withdrawn.length, late: e.late };
  return { outcome, stored: [...e.stored, ...m.stored], cases: [...m.cases, ...withdrawn], known };
}

/** Closes each case that is not closed yet (a case never seen is recorded closed, so its later milestones do not open it). */
async function withdraw(ctx: IngestContext, tx: WriteTx, keys: readonly CaseKey[]): Promise<CaseKey[]> {
  const closed: CaseKey[] = [];
  for (const key of keys) {
    const record = await tx.cases.get(key);
    if (record?.state === 'closed') continue;
    await tx.writes.closeCase(key, { closedAtMs: ctx.now(), expired: false, eventSeq: null });
    if (record) closed.push(key);
  }
  return closed;
}

/** The start milestones of a request, by case (caseText): the first of each case. */
function requestStarts(ctx: IngestContext, milestones: readonly MilestoneInput[]): Map<string, CaseStart> {
  const starts = new Map<string, CaseStart>();
  for (const m of milestones) {
    const definition = ctx.registry().get(m.type);
    const key = caseText({ type: m.type, site: m.site, caseId: m.caseId });
    if (definition && m.milestone === startOf(definition).id && !starts.has(key)) starts.set(key, { at: m.at, milestone: m.milestone, id: m.id ?? '', seq: null });
  }
  return starts;
}

/**
 * The stored cases as a feed reads them inside its write: when each started is its start milestone, else its finished
 * event's start (a feed's events are dated at the end of their wait); when it stopped, its stop milestone. The open ones with a prefix are read once per
 * request, from the open cases (few: the calls waiting now, the complaints open).
 */
export function feedCases(ctx: IngestContext, tx: WriteTx): FeedCases {
  let open: Promise<CaseRecord[]> | undefined;
  const asFeedCase = async (record: CaseRecord): Promise<FeedCase> => {
    const { start, stop } = await storedStartAndStop(tx.cases, ctx.registry(), record);
    const ended = start || record.eventSeq === null ? undefined : (await tx.events.after(record.eventSeq - 1, 1))[0]?.event;
    const startMs = start ? Date.parse(start.at) : ended ? eventStartMs(Date.parse(ended.occurredAt), ended, 'end') : null;
    return { caseId: record.caseId, open: record.state === 'open', startMs, stopMs: stop ? Date.parse(stop.at) : null };
  };
  return {
    get: async (key) => {
      const record = await tx.cases.get(key);
      return record ? asFeedCase(record) : undefined;
    },
    openWithPrefix: async (type, site, prefix) => {
      open ??= tx.cases.open();
      const matching = (await open).filter((c) => c.type === type && c.site === site && c.caseId.startsWith(prefix));
      return Promise.all(matching.map(asFeedCase));
    },
  };
}
