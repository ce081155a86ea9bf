// The queue_log events that make up a caller's stay in a queue, named once for the server that reads them
// (integrations/asterisk/queueLog.ts) and the forwarder that sets refused lines aside (cli/forward), which must know
// which lines close a stay: without its end, a stay whose start is stored stays open and expires as a breach.

/** Events that end a stay as abandoned (app_queue's record_abandoned), and SYSCOMPAT (channels not bridged). */
const QUEUE_LOG_ABANDONS = ['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'WITHDRAW', 'SYSCOMPAT'] as const;
export type QueueLogAbandon = (typeof QUEUE_LOG_ABANDONS)[number];

/** Events that end an answered call (its talk), after the CONNECT that ended its stay: they carry its handle time. */
const QUEUE_LOG_CALL_ENDS = ['COMPLETEAGENT', 'COMPLETECALLER', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER'] as const;
export type QueueLogCallEnd = (typeof QUEUE_LOG_CALL_ENDS)[number];

/**
 * How a line of `event` takes part in its caller's stay: its start (ENTERQUEUE), its end (CONNECT, an abandon,
 * EXITWITHKEY: what closes its case), the end of the answered call after it (`handle`), or not at all (null).
 */
export function stayPartOf(event: string): 'start' | 'end' | 'handle' | null {
  if (event === 'ENTERQUEUE') return 'start';
  if (event === 'CONNECT' || event === 'EXITWITHKEY' || (QUEUE_LOG_ABANDONS as readonly string[]).includes(event)) return 'end';
  return (QUEUE_LOG_CALL_ENDS as readonly string[]).includes(event) ? 'handle' : null;
}
