// app_queue's service-level counters (apps/app_queue.c), computed straight from queue_log lines, as the
// reference Ringside's F2 and F1 are checked against (see the unit and integration tests that import it):
//  - callscompleted / callscompletedinsl grow in update_queue(), called when an answered call ends
//    (COMPLETEAGENT, COMPLETECALLER, and the transfer handlers: TRANSFER before Asterisk 12, BLINDTRANSFER and
//    ATTENDEDTRANSFER after); "in SL" was decided at connect: holdtime <= servicelevel.
//  - callsabandoned / callsabandonedinsl grow in record_abandoned(), called for ABANDON, EXITWITHTIMEOUT,
//    EXITEMPTY and WITHDRAW; "in SL": waittime <= servicelevel. EXITWITHKEY does not call it.
// It shares no code with the mapper: it reads the holdtime from the line that ends the call.

export interface AsteriskCounters {
  completed: number;
  completedInSl: number;
  abandoned: number;
  abandonedInSl: number;
}

/** app_queue's four counters for one queue and servicelevel, from queue_log text. */
export function asteriskCounters(text: string, queue: string, servicelevel: number): AsteriskCounters {
  const c: AsteriskCounters = { completed: 0, completedInSl: 0, abandoned: 0, abandonedInSl: 0 };
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f[2] !== queue) continue;
    const data = f.slice(5);
    const holdtime = completionHoldtime(f[4]!, data);
    if (holdtime !== null) {
      c.completed++;
      if (holdtime <= servicelevel) c.completedInSl++;
    }
    if (['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'WITHDRAW'].includes(f[4]!)) {
      c.abandoned++;
      if (Number(data[2]) <= servicelevel) c.abandonedInSl++;
    }
  }
  return c;
}

/** The holdtime on a line that ends an answered call, or null for any other line. */
function completionHoldtime(event: string, data: string[]): number | null {
  switch (event) {
    case 'COMPLETEAGENT':
    case 'COMPLETECALLER':
      return Number(data[0]); // holdtime|calltime|origposition
    case 'TRANSFER':
    case 'BLINDTRANSFER':
      return Number(data[2]); // extension|context|holdtime|calltime(|origposition)
    case 'ATTENDEDTRANSFER':
      return Number(data[data.length - 3]); // method|target…|holdtime|calltime|origposition
    default:
      return null;
  }
}

export const sl = (c: AsteriskCounters) => c.completedInSl / c.completed;
export const sl2 = (c: AsteriskCounters) => (c.abandonedInSl + c.completedInSl) / (c.abandoned + c.completed);
