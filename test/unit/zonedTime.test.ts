// Local periods in IANA zones: DST days of 23 and 25 hours, half- and quarter-hour offsets, a
// 30-minute DST shift, business hours and holidays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOpen } from '../../server/src/domain/hours';
import { nextPeriodStart, periodStart, periodStarts } from '../../server/src/domain/zonedTime';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe('periods in a zone', () => {
  it('New York: 23-hour and 25-hour days', () => {
    expect(periodStarts(at('2026-03-07T12:00:00Z'), at('2026-03-10T00:00:00Z'), 'America/New_York', 'day').map(iso)).toEqual([
      '2026-03-07T05:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ]);
    const fallBack = periodStart(at('2026-11-01T12:00:00Z'), 'America/New_York', 'day');
    expect(nextPeriodStart(fallBack, 'America/New_York', 'day') - fallBack).toBe(25 * 3_600_000);
  });
  it('the repeated 01:00 hour of a fall-back day is two hour buckets', () => {
    expect(periodStarts(at('2026-11-01T04:00:00Z'), at('2026-11-01T08:00:00Z'), 'America/New_York', 'hour').map(iso)).toEqual([
      '2026-11-01T04:00:00.000Z', // 00:00 EDT
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });
  it('half- and quarter-hour offsets: hours start at :30 (Kolkata) and :15 (Kathmandu) UTC', () => {
    expect(periodStarts(at('2026-01-01T00:00:00Z'), at('2026-01-01T02:00:00Z'), 'Asia/Kolkata', 'hour').map(iso)).toEqual([
      '2025-12-31T23:30:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T01:30:00.000Z',
    ]);
    expect(periodStart(at('2026-01-01T00:00:00Z'), 'Asia/Kathmandu', 'hour')).toBe(at('2025-12-31T23:15:00Z'));
    expect(periodStart(at('2026-01-01T12:00:00Z'), 'Asia/Kathmandu', 'day')).toBe(at('2025-12-31T18:15:00Z'));
  });
  it('Lord Howe: a 30-minute DST shift makes a 23.5-hour day and a 30-minute local hour', () => {
    const day = periodStart(at('2026-10-04T06:00:00Z'), 'Australia/Lord_Howe', 'day');
    expect(nextPeriodStart(day, 'Australia/Lord_Howe', 'day') - day).toBe(23.5 * 3_600_000);
    const hours = periodStarts(at('2026-10-03T14:00:00Z'), at('2026-10-03T17:00:00Z'), 'Australia/Lord_Howe', 'hour');
    const lengths = hours.slice(0, -1).map((h, i) => (hours[i + 1]! - h) / 60_000);
    expect(lengths).toContain(30);
  });
  it('months follow the local calendar', () => {
    expect(periodStarts(at('2026-01-15T00:00:00Z'), at('2026-04-02T00:00:00Z'), 'Europe/Berlin', 'month').map(iso)).toEqual([
      '2025-12-31T23:00:00.000Z',
      '2026-01-31T23:00:00.000Z',
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
    ]);
  });
  it('property: every instant lies in [periodStart, nextPeriodStart) and the start is the first instant of its local day', () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'UTC'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') }), (zone, ms) => {
        const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
        const s = periodStart(ms, zone, 'day');
        const e = nextPeriodStart(ms, zone, 'day');
        expect(s).toBeLessThanOrEqual(ms);
        expect(e).toBeGreaterThan(ms);
        expect(local.format(s)).toBe(local.format(ms));
        expect(local.format(s - 1)).not.toBe(local.format(s));
        expect(local.format(e - 1)).toBe(local.format(ms));
        expect(local.format(e)).not.toBe(local.format(ms));
      }),
      { numRuns: 300 },
    );
  });
  it('property: the next local month or hour starts at the first instant outside the one of ms (galloping, then bisection)', () => {
    const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'UTC'];
    const formats = {
      month: (zone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit' }),
      hour: (zone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' }),
    };
    const made: Record<string, Intl.DateTimeFormat> = {};
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom('month' as const, 'hour' as const), fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') }), (zone, unit, ms) => {
        const local = (made[`${unit} ${zone}`] ??= formats[unit](zone));
        const e = nextPeriodStart(ms, zone, unit);
        expect(e).toBeGreaterThan(ms);
        expect(local.format(e - 1)).toBe(local.format(ms));
        expect(local.format(e)).not.toBe(local.format(ms));
      }),
      { numRuns: 300 },
    );
  });
});

describe('business hours', () => {
  const site = { timeZone: 'Europe/Berlin', hours: { mon: ['09:00-12:00', '13:00-17:00'], sat: ['10:00-24:00'] }, holidays: ['2026-06-01'] };
  it('opens on the start, closes on the end, per local weekday; holidays close', () => {
    expect(isOpen(site, at('2026-06-08T09:00:00+02:00'))).toBe(true); // Monday 09:00
    expect(isOpen(site, at('2026-06-08T08:59:59+02:00'))).toBe(false);
    expect(isOpen(site, at('2026-06-08T12:00:00+02:00'))).toBe(false); // lunch
    expect(isOpen(site, at('2026-06-08T16:59:59.999+02:00'))).toBe(true);
    expect(isOpen(site, at('2026-06-08T17:00:00+02:00'))).toBe(false);
    expect(isOpen(site, at('2026-06-13T23:59:59+02:00'))).toBe(true); // Saturday until midnight
    expect(isOpen(site, at('2026-06-09T10:00:00+02:00'))).toBe(false); // Tuesday: not listed
    expect(isOpen(site, at('2026-06-01T10:00:00+02:00'))).toBe(false); // Monday, but a holiday
    expect(isOpen(site, at('2026-06-08T07:30:00Z'))).toBe(true); // 09:30 local
  });
  it('no hours configured: open around the clock (holidays still close)', () => {
    expect(isOpen({ timeZone: 'UTC', hours: null, holidays: [] }, at('2026-06-09T03:00:00Z'))).toBe(true);
    expect(isOpen({ timeZone: 'UTC', hours: null, holidays: ['2026-06-09'] }, at('2026-06-09T03:00:00Z'))).toBe(false);
  });
});
