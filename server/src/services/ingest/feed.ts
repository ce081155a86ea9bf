// A feed: what an integration read from another system's records (Asterisk's queue_log lines, Twilio TaskRouter
// callbacks, Amazon Connect contact records; http/routes/integrations.ts), milestones, finished events and
// withdrawals mixed, stored all or nothing in one write.
import type { MilestoneInput } from '../../protocol/eventTypes';
import type { CaseKey, WriteTx } from '../../store/port';
import { caseText } from './cases';
import type { IngestContext } from './context';
import { checkEvents, writeEvents } from './events';
import { nothingWritten, writeMilestones, type CasesWritten } from './milestoneWrite';
import type { FeedInput, FeedOutcome, IngestOutcome, SiteLimit } from './outcomes';

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
  const e = feed.events.length > 0 ? await writeEvents(ctx, part, checkEvents(ctx, feed.events, sites), 'skip', 'end') : { outcome: { kind: 'stored', results: [] } as IngestOutcome, stored: [], late: [] };
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
