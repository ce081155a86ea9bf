// How a moment reads in the viewer's zone, the same on the dashboard and in the VS Code extension: "14:05" when it
// is today's, "5 Dec 14:05" when it is not (figures kept over an overnight outage or a laptop's sleep must not read
// as today's). Written out, not by Intl formatters: the first Intl object a fresh page makes loads ICU's locale data
// (webview/src/format.ts says why that matters); the texts are those of en-GB's day, short month and 24-hour time.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => String(n).padStart(2, '0');

/** "3 Dec" in the viewer's zone: a day on a chart's axis longer than a day and a half, a date in a phrase. */
export function formatDayMonth(time: number | Date): string {
  const date = typeof time === 'number' ? new Date(time) : time;
  return `${date.getDate()} ${MONTHS[date.getMonth()]}`;
}

/** Wall-clock time in the viewer's zone, 24 h: "14:05:09" (or "14:05" without seconds). */
export function formatClock(time: string | number, withSeconds = true): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return '—';
  const hm = `${two(date.getHours())}:${two(date.getMinutes())}`;
  return withSeconds ? `${hm}:${two(date.getSeconds())}` : hm;
}

/** A local day (the viewer's zone) as the instants it spans: [startMs, endMs). */
export interface LocalDay {
  startMs: number;
  endMs: number;
}

/** The local day an instant falls in (23 or 25 hours long on a daylight-saving change). */
export function localDayOf(ms: number): LocalDay {
  const date = new Date(ms);
  const [year, month, day] = [date.getFullYear(), date.getMonth(), date.getDate()];
  return { startMs: new Date(year, month, day).getTime(), endMs: new Date(year, month, day + 1).getTime() };
}

/** Whether an instant falls in a local day (its time alone then says it). */
export function isWithinDay(ms: number, day: LocalDay): boolean {
  return ms >= day.startMs && ms < day.endMs;
}

/**
 * An instant as its time alone when it falls in `day` ("14:05", or "14:05:09" `withSeconds`), else with its day
 * ("5 Dec 14:05"): the one way the board and the extension name a moment that may not be today's.
 */
export function formatTimeInDay(time: number, day: LocalDay | null, withSeconds = false): string {
  return day !== null && isWithinDay(time, day) ? formatClock(time, withSeconds) : `${formatDayMonth(time)} ${formatClock(time, false)}`;
}
