// Which verdict counts for a case's standard: the one recorded on the case while it was open, or the one its own
// times give once it ends.
//
// A miss is recorded at a deadline when no stop has arrived by then and none could still meet. The stop may have
// happened in time and reached the server late: a kiosk tap queued while the tablet was offline, a broker holding
// a device's message, a phone system's log shipped in batches. Its own time says the clock stopped before the
// deadline, and the case is judged by its own times, as if the stop had come at once (an event counts at the time it
// happened, not when it arrived). The recorded miss stays in the audit chain as what was known at the deadline; it
// was pushed as a breach then, and a breach is a live signal, not a verdict.

import { isCounted } from '../../protocol/pure/counted';

/** A verdict's parts that a recorded judgement keeps (met, counted, reason). */
export interface Verdict {
  met: boolean;
  counted?: boolean;
  reason: string | null;
}

/** Whether the case's own verdict replaces the one recorded while it was open: a deadline miss its stop did not bear out. */
export function ownVerdictPrevails(recorded: Verdict, own: Verdict): boolean {
  const ownIsCountedMiss = isCounted(own) && !own.met;
  return recorded.reason === 'deadline' && !ownIsCountedMiss;
}
