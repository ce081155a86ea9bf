// The dashboard's counts, days and times are written out by hand (format.ts), not by Intl formatters: the texts must
// stay what the browser's Intl formatters for the same locales write.
import { describe, expect, it } from 'vitest';
import { formatCount, formatDayMonth, formatDayTime } from '../../webview/src/format';

describe('counts, days and times read as Intl writes them', () => {
  it('groups counts as en-US does, negative, zero and beyond plain integers included', () => {
    const intl = new Intl.NumberFormat('en-US');
    for (const n of [0, -0, 7, 999, 1000, 12_146, 999_999, 1_000_000, 1_234_567_890, -1, -1234, -1_000_000, Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, 1234.5678, NaN]) {
      expect(formatCount(n)).toBe(intl.format(n));
    }
  });

  it('writes every month’s day and time in the viewer’s zone as en-GB does', () => {
    const dayMonth = new Intl.DateTimeFormat('en-GB', { month: 'short' });
    const dayTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    for (let month = 0; month < 12; month++) {
      for (const [day, hour, minute] of [[1, 0, 0], [9, 9, 5], [28, 12, 30], [28, 23, 59]] as const) {
        const at = new Date(2026, month, day, hour, minute);
        expect(formatDayMonth(at)).toBe(`${at.getDate()} ${dayMonth.format(at)}`);
        expect(formatDayMonth(at.getTime())).toBe(`${at.getDate()} ${dayMonth.format(at)}`);
        expect(formatDayTime(at.getTime())).toBe(dayTime.format(at));
      }
    }
  });
});
