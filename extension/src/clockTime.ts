// One way the extension names a moment in its notifications, status bar and views: as the dashboard names it
// (protocol/pure/clock.ts), the time alone when it is today's, with its day when not. Figures kept through an
// overnight outage or a laptop's sleep must not read "as of 17:59" the next morning as if they were today's.
import { formatClock, formatTimeInDay, localDayOf } from '@ringside/server/protocol/pure';

/** "14:05" when `time` falls in `now`'s local day (the extension host's zone), else "5 Dec 17:59". */
export function clockTime(time: string | number, now: number = Date.now()): string {
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? formatClock(time, false) : formatTimeInDay(ms, localDayOf(now));
}
