// The staffing forecast's calendar and threshold arithmetic: local hours of a day (23 or 25 when the clocks
// change), the same weekday of the weeks before, today/tomorrow in a zone, and a standard's threshold as a wait.
import { describe, expect, it } from 'vitest';
import { StaffingInputError } from '../../server/src/domain/staffing/erlangC';
import { historyDates, hoursOfDay, resolveDate, thresholdSecondsOf } from '../../server/src/domain/staffing/forecast';

describe('staffing forecast calendar', () => {
  it('gives a day its local hours: 24, 23 when the clocks go forward, 25 when they go back (the repeated hour twice)', () => {
    expect(hoursOfDay('2026-03-04', 'Europe/Berlin').map((h) => h.label)).toHaveLength(24);
    const spring = hoursOfDay('2026-03-29', 'Europe/Berlin');
    expect(spring).toHaveLength(23);
    expect(spring.map((h) => h.label)).not.toContain('02:00');
    const autumn = hoursOfDay('2026-10-25', 'Europe/Berlin');
    expect(autumn).toHaveLength(25);
    expect(autumn.filter((h) => h.label === '02:00')).toHaveLength(2);
    // Hours tile the day without gaps.
    for (let i = 1; i < autumn.length; i++) expect(autumn[i]!.startMs).toBe(autumn[i - 1]!.endMs);
    expect(hoursOfDay('2026-03-04', 'Asia/Kolkata')[0]!.startMs).toBe(Date.parse('2026-03-03T18:30:00Z'));
  });

  it('looks back at the same weekday of each of the 4 weeks before, across month ends', () => {
    expect(historyDates('2026-03-04')).toEqual(['2026-02-25', '2026-02-18', '2026-02-11', '2026-02-04']);
  });

  it("reads today and tomorrow in the site's zone", () => {
    const now = Date.parse('2026-03-04T23:30:00Z'); // already the 5th in Berlin
    expect(resolveDate('today', now, 'Europe/Berlin')).toBe('2026-03-05');
    expect(resolveDate('tomorrow', now, 'Europe/Berlin')).toBe('2026-03-06');
    expect(resolveDate('today', now, 'America/New_York')).toBe('2026-03-04');
    expect(resolveDate('2026-01-01', now, 'UTC')).toBe('2026-01-01');
  });
});

describe("a standard's threshold as a wait", () => {
  it('converts rings with the ring cycle (rings ≤ R: R × cycle; rings < R: (ceil(R) − 1) × cycle), seconds as they are', () => {
    expect(thresholdSecondsOf({ measure: 'rings', operator: '<=', threshold: 2 }, 6)).toBe(12);
    expect(thresholdSecondsOf({ measure: 'rings', operator: '<', threshold: 3 }, 5)).toBe(10);
    expect(thresholdSecondsOf({ measure: 'greetSeconds', operator: '<=', threshold: 30 }, 6)).toBe(30);
  });

  it('refuses a standard that does not bound a wait from above, or that no call can meet, naming the standard', () => {
    expect(() => thresholdSecondsOf({ measure: 'answerSeconds', operator: '>=', threshold: 5 }, 6)).toThrow(StaffingInputError);
    expect(() => thresholdSecondsOf({ measure: 'rings', operator: '<', threshold: 1 }, 6)).toThrow(expect.objectContaining({ field: 'standard' }));
  });
});
