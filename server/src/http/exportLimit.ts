// How many exports one caller (a key; a client address, for requests without one) may run at once. An export reads
// its whole range (a year of events, a report's every day of every site) however it is paced, and the request rate
// let an `audit` key start dozens at once: the node then read them all side by side. One more than
// EXPORTS_AT_ONCE is answered 429 `too-many-exports`, naming why, and may be asked again once one has ended.
// Counted per node, in memory, like the rate limit's buckets.
import { callerOf } from './caller';
import type { NodeResponse } from './plain';
import { problem, sendProblem } from './problems';

/** Exports one caller may run at once on a node. */
export const EXPORTS_AT_ONCE = 2;

/** When a refused export may be asked again: exports mostly take seconds, and nothing says when one will end. */
const RETRY_AFTER_S = 5;

export interface RunningExports {
  /**
   * Counts an export of the caller of `res` as running, and answers the function to call once, when it has stopped
   * reading; or, when the caller already runs EXPORTS_AT_ONCE, answers the request 429 and returns null.
   */
  start(res: NodeResponse): (() => void) | null;
}

export function runningExports(): RunningExports {
  const running = new Map<string, number>();
  return {
    start(res) {
      const { bucket, key } = callerOf(res);
      const count = running.get(bucket) ?? 0;
      if (count >= EXPORTS_AT_ONCE) {
        refuse(res, key === null ? 'client address' : 'key');
        return null;
      }
      running.set(bucket, count + 1);
      return () => {
        const left = (running.get(bucket) ?? 1) - 1;
        if (left > 0) running.set(bucket, left);
        else running.delete(bucket);
      };
    },
  };
}

function refuse(res: NodeResponse, who: 'key' | 'client address'): void {
  const why = `already runs ${EXPORTS_AT_ONCE} exports, the most one ${who} may run at once`;
  res.setHeader('Retry-After', String(RETRY_AFTER_S));
  const field = who === 'key' ? { path: 'Authorization', message: `names a key that ${why}` } : { path: '(connection)', message: `comes from a client address that ${why}` };
  sendProblem(res, problem(429, 'too-many-exports', 'Too many exports', `this ${who} ${why}; retry once one of them has ended`, [field]));
}
