// A queue_log body as what the one ingest path stores: ENTERQUEUE as `started` milestones; CONNECT and the
// abandons as finished call events carrying Asterisk's own holdtime or waittime (an event with a caseId closes
// its case, whether or not its start arrived); the end of an answered call (COMPLETE…, the transfers) as the
// case's `answered` stop milestone carrying the calltime as handleSeconds; EXITWITHKEY, and a CONNECT or abandon
// whose wait went negative, as a withdrawal (the case closes unjudged). Pure.
import { idOf, mapReadings, type QueueLogReading } from './queueLog';
import { isLiveStart } from './stays';
import type { CallEventInput, HandleTimeInput, IgnoredCounts, MilestoneInput } from '../types';

export interface QueueLogFeed {
  milestones: MilestoneInput[];
  events: CallEventInput[];
  withdrawals: Array<{ type: 'call'; site: string; caseId: string }>;
  /** The 1-based line each record came from, by the record's id (for naming a refused record). */
  lineOf: ReadonlyMap<string, number>;
  summary: { lines: number; answered: number; abandoned: number; withdrawn: number; unmeasured: { count: number; caseIds: string[] }; handleTimes: number; openClocks: number; lateStarts: number; ignored: IgnoredCounts };
}

/**
 * The records of a queue_log body read by readQueueLog, each line of the case `caseIds` gives it (stays.ts, told the
 * same `liveSinceMs`). An ENTERQUEUE from before `liveSinceMs` is not stored as a running clock (isLiveStart): the
 * server judges a start by its own clock, so a start that arrives after a deadline has passed would be breached (and
 * under F1 missed) at once, even when its CONNECT within the threshold is in the next request (a backlog or a rotated
 * file cut mid-call). Its end still comes, with Asterisk's own wait, as an event; only the live view of that call is
 * lost.
 */
export function queueLogFeed(readings: readonly QueueLogReading[], caseIds: ReadonlyArray<string | undefined>, site: string, liveSinceMs: number): QueueLogFeed {
  const mapping = mapReadings(readings, caseIds, site);
  const milestones: MilestoneInput[] = [];
  const events: CallEventInput[] = [];
  const late = new Set<string>();
  let lateStarts = 0;
  for (const m of mapping.milestones) {
    const event = asFinishedCall(m);
    if (event) events.push(event);
    else if (m.milestone === 'started' && !isLiveStart(Date.parse(m.at), liveSinceMs)) {
      lateStarts++;
      late.add(m.caseId);
    } else milestones.push(m);
  }
  const { lines, answered, abandoned, withdrawn, unmeasured, handleTimes, openCaseIds, ignored } = mapping.summary;
  // The calls waiting at the body's end that now have a running clock: a late start opened none.
  const openClocks = openCaseIds.filter((caseId) => !late.has(caseId)).length;
  return {
    milestones: [...milestones, ...handleTimeStops(mapping.handleTimes)],
    events,
    withdrawals: mapping.withdrawals.map((w) => ({ type: w.type, site: w.site, caseId: w.caseId })),
    lineOf: new Map(readings.flatMap((r, i) => (caseIds[i] === undefined ? [] : [[idOf(r.line, caseIds[i]), r.line.lineNumber] as const]))),
    summary: { lines, answered, abandoned, withdrawn, unmeasured, handleTimes, openClocks, lateStarts, ignored },
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

/**
 * A call's handle time as the `answered` stop milestone of its case, at the instant it was answered (the end minus
 * the calltime). The CONNECT's event has already closed the case (often in an earlier request), so the milestone
 * changes no figure: it is stored, chained, and read as that event's handle time (docs/integrations/asterisk.md).
 * Posting the event's measure again would change its content, which ingest refuses; a stop of the case is the
 * record the contract already has for "how long serving took". One per case: app_queue writes one end per answered
 * call, and a second (a malformed log) would only conflict.
 */
function handleTimeStops(handleTimes: readonly HandleTimeInput[]): MilestoneInput[] {
  const byCase = new Map<string, MilestoneInput>();
  for (const h of handleTimes) {
    if (byCase.has(h.caseId)) continue;
    const answeredAt = new Date(Date.parse(h.at) - h.handleSeconds * 1000).toISOString();
    byCase.set(h.caseId, { type: 'call', site: h.site, caseId: h.caseId, milestone: 'answered', at: answeredAt, handleSeconds: h.handleSeconds, id: h.id, ...(h.agent === undefined ? {} : { agent: h.agent }), ...(h.queue === undefined ? {} : { queue: h.queue }) });
  }
  return [...byCase.values()];
}
