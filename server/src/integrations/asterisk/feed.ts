// A queue_log body as what the one ingest path stores: ENTERQUEUE as `started` milestones; CONNECT and the
// abandons as finished call events carrying Asterisk's own holdtime or waittime (an event with a caseId closes
// its case, whether or not its start arrived); EXITWITHKEY as a withdrawal (the case closes unjudged). Pure.
import { parseQueueLog, mapQueueLog } from './queueLog';
import { countIgnored, type CallEventInput, type IgnoredCounts, type MilestoneInput } from '../types';

export interface QueueLogFeed {
  milestones: MilestoneInput[];
  events: CallEventInput[];
  withdrawals: Array<{ type: 'call'; site: string; caseId: string }>;
  /** The 1-based line each record came from, by the record's id (for naming a refused record). */
  lineOf: ReadonlyMap<string, number>;
  summary: { lines: number; answered: number; abandoned: number; withdrawn: number; openClocks: number; lateStarts: number; ignored: IgnoredCounts };
}

/**
 * Throws QueueLogError (every malformed line with its number) before anything is mapped. An ENTERQUEUE from
 * before `liveSinceMs` is not stored as a running clock: the server judges a start by its own clock, so a start
 * that arrives after a deadline has passed would be breached (and under F1 missed) at once, even when its CONNECT
 * within the threshold is in the next request (a backlog or a rotated file cut mid-call). Its end still comes,
 * with Asterisk's own wait, as an event; only the live view of that call is lost.
 */
export function queueLogFeed(text: string, site: string, liveSinceMs: number): QueueLogFeed {
  const mapping = mapQueueLog(text, site);
  const milestones: MilestoneInput[] = [];
  const events: CallEventInput[] = [];
  let lateStarts = 0;
  for (const m of mapping.milestones) {
    const event = asFinishedCall(m);
    if (event) events.push(event);
    else if (m.milestone === 'started' && Date.parse(m.at) < liveSinceMs) lateStarts++;
    else milestones.push(m);
  }
  // Handle times need a record that updates an ended call, which the contract does not have yet: read, counted, not stored.
  const ignored = { ...mapping.summary.ignored };
  for (const h of mapping.handleTimes) countIgnored(ignored, h.id.slice(h.id.lastIndexOf(':') + 1));
  const { lines, answered, abandoned, withdrawn, openClocks } = mapping.summary;
  return {
    milestones,
    events,
    withdrawals: mapping.withdrawals.map((w) => ({ type: w.type, site: w.site, caseId: w.caseId })),
    lineOf: new Map(parseQueueLog(text).map((l) => [`aq:${l.callId}@${l.queue.trim()}:${l.event}`, l.lineNumber])),
    summary: { lines, answered, abandoned, withdrawn, openClocks, lateStarts, ignored },
  };
}

/** A stop milestone with the source's own wait is the call's finished event; without it the server measures from the start. */
function asFinishedCall(m: MilestoneInput): CallEventInput | null {
  if (m.answerSeconds === undefined || (m.milestone !== 'answered' && m.milestone !== 'abandoned')) return null;
  return {
    type: 'call',
    site: m.site,
    caseId: m.caseId,
    occurredAt: m.at,
    outcome: m.milestone,
    answerSeconds: m.answerSeconds,
    ...(m.id === undefined ? {} : { id: m.id }),
    ...(m.agent === undefined ? {} : { agent: m.agent }),
    ...(m.queue === undefined ? {} : { queue: m.queue }),
  };
}
