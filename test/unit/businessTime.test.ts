// Business time against an independent oracle (isOpen() asked minute by minute) across DST changes, a 30-minute
// DST shift, a zone without DST, overnight shifts, "24:00" ends and holidays on DST days; algebraic properties;
// hand-computed deadlines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessSeconds, businessSecondsBetween, openIntervals, type BusinessCalendar } from '../../server/src/domain/businessTime';
import { isOpen } from '../../server/src/domain/hours';
import { WEEKDAYS, type BusinessHours } from '../../server/src/protocol';

const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Fixed so runs repeat; BUSINESS_TIME_SEED=N explores other cases, BUSINESS_TIME_RUNS=K multiplies the runs. */
const SEED = Number(process.env.BUSINESS_TIME_SEED ?? 20260329);
const RUNS_FACTOR = Number(process.env.BUSINESS_TIME_RUNS ?? 1);
const runs = (numRuns: number) => ({ numRuns: numRuns * RUNS_FACTOR, seed: SEED });
const TIMEOUT = 30_000 * RUNS_FACTOR;
const site = (timeZone: string, hours: BusinessHours | null, holidays: string[] = []): BusinessCalendar => ({ timeZone, hours, holidays });
const weekdays = (intervals: string[]): BusinessHours => ({ mon: intervals, tue: intervals, wed: intervals, thu: intervals, fri: intervals });
const everyDay = (intervals: string[]): BusinessHours => Object.fromEntries(WEEKDAYS.map((d) => [d, intervals]));

// ---- the oracle: no offsets, no day boundaries, only isOpen() --------------------------------------------------

/**
 * isOpen() sampled on every UTC minute of the range. Every boundary of these zones and hours is on a whole UTC
 * minute, which the oracle checks where the state changes: the instant just before the minute must still have
 * the previous state. So each minute is wholly open or closed and the sum is exact to the millisecond.
 */
function walkMinutes(cal: BusinessCalendar, from: number, visit: (minute: number, open: boolean) => boolean): void {
  let previous: boolean | null = null;
  for (let m = Math.floor(from / MINUTE) * MINUTE; ; m += MINUTE) {
    const open = isOpen(cal, m);
    if (previous !== null && open !== previous) expect(isOpen(cal, m - 1), `state changes off the minute at ${iso(m)}`).toBe(previous);
    previous = open;
    if (!visit(m, open)) return;
  }
}

/** Whether each UTC minute from `first` on is open, up to the minute containing `to` - 1. */
interface MinuteTable {
  first: number;
  open: boolean[];
}

function minuteTable(cal: BusinessCalendar, from: number, to: number): MinuteTable {
  const table: MinuteTable = { first: Math.floor(from / MINUTE) * MINUTE, open: [] };
  walkMinutes(cal, table.first, (m, open) => {
    table.open.push(open);
    return m + MINUTE < to;
  });
  return table;
}

function tableSeconds(table: MinuteTable, from: number, to: number): number {
  let ms = 0;
  for (let i = Math.floor((from - table.first) / MINUTE), m = table.first + i * MINUTE; m < to; i++, m += MINUTE) {
    if (i >= table.open.length) throw new Error('range outside the table');
    if (table.open[i]) ms += Math.min(to, m + MINUTE) - Math.max(from, m);
  }
  return ms / 1000;
}

/** The deadline by walking the table; Infinity when the table ends first. */
function tableDeadline(table: MinuteTable, from: number, seconds: number): number {
  let remaining = seconds * 1000;
  for (let i = Math.floor((from - table.first) / MINUTE), m = table.first + i * MINUTE; i < table.open.length; i++, m += MINUTE) {
    if (!table.open[i]) continue;
    const start = Math.max(from, m);
    if (remaining <= m + MINUTE - start) return start + remaining;
    remaining -= m + MINUTE - start;
  }
  return Infinity;
}

const oracleSeconds = (cal: BusinessCalendar, from: number, to: number) => (to <= from ? 0 : tableSeconds(minuteTable(cal, from, to), from, to));

// ---- generators -------------------------------------------------------------------------------------------------

/** DST changes (UTC instant, local date) of 2026, and Kolkata (no DST) on Berlin's and New York's days. */
const ANCHORS: Record<string, { at: string; date: string }[]> = {
  'Europe/Berlin': [
    { at: '2026-03-29T01:00:00Z', date: '2026-03-29' },
    { at: '2026-10-25T01:00:00Z', date: '2026-10-25' },
  ],
  'America/New_York': [
    { at: '2026-03-08T07:00:00Z', date: '2026-03-08' },
    { at: '2026-11-01T06:00:00Z', date: '2026-11-01' },
  ],
  'Australia/Lord_Howe': [
    { at: '2026-04-04T15:00:00Z', date: '2026-04-05' }, // 02:00 +11 → 01:30 +10:30
    { at: '2026-10-03T15:30:00Z', date: '2026-10-04' }, // 02:00 +10:30 → 02:30 +11
  ],
  // Santiago changes at midnight: 6 September starts at 01:00, 4 April ends with 23:00–24:00 twice.
  'America/Santiago': [
    { at: '2026-04-05T03:00:00Z', date: '2026-04-04' },
    { at: '2026-09-06T04:00:00Z', date: '2026-09-06' },
  ],
  'Asia/Kolkata': [
    { at: '2026-03-29T01:00:00Z', date: '2026-03-29' },
    { at: '2026-11-01T06:00:00Z', date: '2026-11-01' },
  ],
};
const ZONES = Object.keys(ANCHORS);

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
/** Any valid interval on whole minutes, "24:00" ends included. */
const randomInterval = fc
  .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
  .map(([start, length]) => `${hhmm(start)}-${hhmm(Math.min(1440, start + length))}`);
/** Intervals that stress DST hours, midnight and overnight shifts. */
const namedInterval = fc.constantFrom(
  '09:00-17:00',
  '09:00-12:00',
  '11:00-14:00',
  '13:00-17:30',
  '22:00-24:00',
  '00:00-06:00',
  '00:00-24:00',
  '01:00-04:00',
  '01:30-02:45',
  '02:00-03:00',
  '02:15-02:40',
  '23:59-24:00',
);
const dayHours = fc.array(fc.oneof(namedInterval, randomInterval), { maxLength: 3 });
const businessHours: fc.Arbitrary<BusinessHours | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...WEEKDAYS), dayHours, { maxKeys: 7 }) },
  { weight: 2, arbitrary: fc.constantFrom<BusinessHours>(weekdays(['09:00-17:00']), everyDay(['22:00-24:00', '00:00-06:00']), everyDay(['00:00-24:00'])) },
);

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A site, and an instant within two weeks of one of its zone's DST changes; holidays include the change day. */
const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    anchor: fc.nat(1),
    hours: businessHours,
    holidayDays: fc.array(fc.integer({ min: -10, max: 10 }), { maxLength: 3 }),
    dstDayHoliday: fc.boolean(),
    offset: fc.integer({ min: -12 * DAY, max: 4 * DAY }),
  })
  .map(({ zone, anchor, hours, holidayDays, dstDayHoliday, offset }) => {
    const change = ANCHORS[zone]![anchor]!;
    const holidays = holidayDays.map((d) => isoDate(at(change.at) + d * DAY));
    if (dstDayHoliday) holidays.push(change.date);
    return { cal: site(zone, hours, holidays), start: at(change.at) + offset };
  });

// ---- against the oracle -----------------------------------------------------------------------------------------

describe('business time against isOpen() minute by minute', () => {
  // The oracle costs ~8 µs a minute (one Intl lookup), so random ranges are kept to days and the fixed
  // three-week ranges below cover the weeks.
  it('businessSecondsBetween equals the oracle over random ranges up to 4 days', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 4 * DAY }), ({ cal, start }, length) => {
        expect(businessSecondsBetween(cal, start, start + length)).toBe(oracleSeconds(cal, start, start + length));
      }),
      runs(40),
    );
  });

  it('addBusinessSeconds equals the oracle deadline (thresholds up to 12 hours of open time)', { timeout: TIMEOUT }, () => {
    const horizon = 3 * DAY;
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 12 * HOUR }), ({ cal, start }, thresholdMs) => {
        const seconds = thresholdMs / 1000;
        const deadline = addBusinessSeconds(cal, start, seconds);
        // The oracle walks a bounded horizon: beyond it a deadline is not checked, only that it is later.
        const expected = tableDeadline(minuteTable(cal, start, start + horizon), start, seconds);
        if (expected === Infinity) expect(deadline).toBeGreaterThan(start + horizon);
        else expect(deadline).toBe(expected);
      }),
      runs(40),
    );
  });

  it('random ranges and deadlines within 16 days around every DST change in every zone, with a split overnight shift', { timeout: TIMEOUT }, () => {
    const hours: BusinessHours = { ...weekdays(['08:00-12:00', '13:00-18:30']), sat: ['22:00-24:00'], sun: ['00:00-06:00', '01:30-02:45'] };
    for (const zone of ZONES) {
      for (const change of ANCHORS[zone]!) {
        const cal = site(zone, hours, [isoDate(at(change.at) + 3 * DAY)]);
        const [from, to] = [at(change.at) - 8 * DAY, at(change.at) + 8 * DAY];
        const table = minuteTable(cal, from, to);
        expect(businessSecondsBetween(cal, from + 17, to - 5), `${zone} ${change.date}`).toBe(tableSeconds(table, from + 17, to - 5));
        fc.assert(
          fc.property(fc.integer({ min: from, max: to }), fc.integer({ min: from, max: to }), fc.integer({ min: 0, max: 3 * DAY }), (x, y, thresholdMs) => {
            const [a, b] = [Math.min(x, y), Math.max(x, y)];
            expect(businessSecondsBetween(cal, a, b)).toBe(tableSeconds(table, a, b));
            const expected = tableDeadline(table, a, thresholdMs / 1000);
            const deadline = addBusinessSeconds(cal, a, thresholdMs / 1000);
            if (expected === Infinity) expect(deadline).toBeGreaterThan(to - MINUTE);
            else expect(deadline).toBe(expected);
          }),
          runs(60),
        );
      }
    }
  });
});

describe('open intervals have exactly the semantics of isOpen()', { timeout: TIMEOUT }, () => {
  it('each interval is open from its first to its last millisecond and closed just outside it; intervals are maximal', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 5 * DAY }), ({ cal, start }, length) => {
        const end = start + length;
        const intervals = [...openIntervals(cal, start, end)];
        let previousEnd = -Infinity;
        for (const { start: s, end: e } of intervals) {
          expect(s).toBeGreaterThan(previousEnd); // disjoint and not touching: adjacent openings are joined
          expect(s).toBeGreaterThanOrEqual(start);
          expect(e).toBeLessThanOrEqual(end);
          expect(s).toBeLessThan(e);
          expect(isOpen(cal, s)).toBe(true);
          expect(isOpen(cal, e - 1)).toBe(true);
          if (s > start) expect(isOpen(cal, s - 1)).toBe(false);
          if (e < end) expect(isOpen(cal, e)).toBe(false);
          previousEnd = e;
        }
        const total = intervals.reduce((sum, iv) => sum + iv.end - iv.start, 0);
        expect(total / 1000).toBe(businessSecondsBetween(cal, start, end));
      }),
      runs(150),
    );
  });

  it('any instant is inside an interval iff isOpen() says so', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer({ min: 0, max: 3 * DAY - 1 }), { minLength: 1, maxLength: 50 }), ({ cal, start }, probes) => {
        const intervals = [...openIntervals(cal, start, start + 3 * DAY)];
        for (const probe of probes) {
          const t = start + probe;
          expect(intervals.some((iv) => iv.start <= t && t < iv.end), iso(t)).toBe(isOpen(cal, t));
        }
      }),
      runs(150),
    );
  });
});

// ---- algebra ----------------------------------------------------------------------------------------------------

describe('properties', { timeout: TIMEOUT }, () => {
  const threeInstants = fc.tuple(fc.integer({ min: 0, max: 20 * DAY }), fc.integer({ min: 0, max: 20 * DAY })).map(([x, y]) => [Math.min(x, y), Math.max(x, y)] as const);

  it('additivity: between(a, b) + between(b, c) = between(a, c)', () => {
    fc.assert(
      fc.property(scenario, threeInstants, ({ cal, start }, [x, y]) => {
        const [a, b, c] = [start, start + x, start + y];
        expect(businessSecondsBetween(cal, a, b) + businessSecondsBetween(cal, b, c)).toBeCloseTo(businessSecondsBetween(cal, a, c), 9);
        expect(Math.round(businessSecondsBetween(cal, a, b) * 1000) + Math.round(businessSecondsBetween(cal, b, c) * 1000)).toBe(Math.round(businessSecondsBetween(cal, a, c) * 1000));
      }),
      runs(200),
    );
  });

  it('addBusinessSeconds inverts between: between(a, add(a, s)) = s, and add(a, between(a, b)) is b or the end of the last opening before b', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 10 * DAY }), fc.integer({ min: 0, max: DAY }), ({ cal, start }, length, thresholdMs) => {
        const seconds = thresholdMs / 1000;
        const deadline = addBusinessSeconds(cal, start, seconds);
        expect(deadline).toBeGreaterThanOrEqual(start);
        if (Number.isFinite(deadline)) {
          expect(businessSecondsBetween(cal, start, deadline)).toBe(seconds);
          expect(isOpen(cal, deadline - 1) || (seconds === 0 && isOpen(cal, deadline))).toBe(true); // earliest such instant
          if (seconds > 0) expect(businessSecondsBetween(cal, start, deadline - 1)).toBeLessThan(seconds);
        }
        const end = start + length;
        const spent = businessSecondsBetween(cal, start, end);
        const back = addBusinessSeconds(cal, start, spent);
        if (spent > 0) {
          expect(back).toBeLessThanOrEqual(end);
          expect(businessSecondsBetween(cal, back, end)).toBe(0);
          expect(isOpen(cal, back - 1)).toBe(true);
        }
      }),
      runs(200),
    );
  });

  it('monotonic: later ends and longer thresholds never give less; a later start never gives an earlier deadline', () => {
    fc.assert(
      fc.property(scenario, threeInstants, fc.integer({ min: 0, max: DAY }), fc.integer({ min: 0, max: DAY }), ({ cal, start }, [x, y], s1, s2) => {
        expect(businessSecondsBetween(cal, start, start + x)).toBeLessThanOrEqual(businessSecondsBetween(cal, start, start + y));
        expect(businessSecondsBetween(cal, start + x, start + 20 * DAY)).toBeGreaterThanOrEqual(businessSecondsBetween(cal, start + y, start + 20 * DAY));
        const [lo, hi] = [Math.min(s1, s2) / 1000, Math.max(s1, s2) / 1000];
        expect(addBusinessSeconds(cal, start, lo)).toBeLessThanOrEqual(addBusinessSeconds(cal, start, hi));
        expect(addBusinessSeconds(cal, start + x, lo)).toBeLessThanOrEqual(addBusinessSeconds(cal, start + y, lo));
      }),
      runs(200),
    );
  });
});

// ---- hand-computed ------------------------------------------------------------------------------------------------

describe('hand-computed deadlines', () => {
  const office = site('Europe/Berlin', weekdays(['09:00-17:00']), ['2026-12-25']);
  const due = (cal: BusinessCalendar, from: string, hours: number) => iso(addBusinessSeconds(cal, at(from), hours * 3600));

  it('received Friday 16:00 in Berlin, 4 business hours of Mon–Fri 09:00–17:00: due Monday 12:00', () => {
    expect(due(office, '2026-01-16T16:00:00+01:00', 4)).toBe(iso(at('2026-01-19T12:00:00+01:00')));
    expect(businessSecondsBetween(office, at('2026-01-16T16:00:00+01:00'), at('2026-01-19T12:00:00+01:00'))).toBe(4 * 3600);
  });

  it('a holiday is skipped: Thursday 24 December 16:00 + 4 h → Monday 28 December 12:00 (Friday is Christmas)', () => {
    expect(due(office, '2026-12-24T16:00:00+01:00', 4)).toBe(iso(at('2026-12-28T12:00:00+01:00')));
  });

  it('a clock started while closed counts from the next opening; 0 s is that opening', () => {
    expect(due(office, '2026-01-17T11:00:00+01:00', 4)).toBe(iso(at('2026-01-19T13:00:00+01:00'))); // Saturday
    expect(due(office, '2026-01-17T11:00:00+01:00', 0)).toBe(iso(at('2026-01-19T09:00:00+01:00')));
    expect(due(office, '2026-01-16T17:00:00+01:00', 1)).toBe(iso(at('2026-01-19T10:00:00+01:00'))); // closing time is closed
    expect(due(office, '2026-01-19T10:30:00+01:00', 0)).toBe(iso(at('2026-01-19T10:30:00+01:00'))); // open: now
  });

  it('a threshold that uses up an opening ends at its close, not at the next opening', () => {
    expect(due(office, '2026-01-19T09:00:00+01:00', 8)).toBe(iso(at('2026-01-19T17:00:00+01:00')));
  });

  it('New York across the March change: the weekend moves the offset, business hours stay local', () => {
    const ny = site('America/New_York', weekdays(['09:00-17:00']));
    expect(due(ny, '2026-03-06T16:00:00-05:00', 4)).toBe('2026-03-09T16:00:00.000Z'); // Monday 12:00 EDT
  });

  it('Kolkata (+05:30, no DST): Saturday 18:30 + 1 h of Mon–Sat 10:00–19:00 → Monday 10:30', () => {
    const kolkata = site('Asia/Kolkata', { ...weekdays(['10:00-19:00']), sat: ['10:00-19:00'] });
    expect(due(kolkata, '2026-01-17T18:30:00+05:30', 1)).toBe('2026-01-19T05:00:00.000Z');
  });

  describe('Berlin spring forward, Sunday 29 March 2026 (02:00 → 03:00)', () => {
    it('the day has 23 open hours around the clock', () => {
      for (const cal of [site('Europe/Berlin', null, ['2026-01-01']), site('Europe/Berlin', everyDay(['00:00-24:00']))]) {
        expect(businessSecondsBetween(cal, at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'))).toBe(23 * 3600);
      }
    });
    it('01:00–05:00 is three real hours; 02:00–02:30 does not exist that day', () => {
      const cal = site('Europe/Berlin', { sun: ['01:00-05:00'] });
      expect(businessSecondsBetween(cal, at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'))).toBe(3 * 3600);
      const gap = site('Europe/Berlin', { sun: ['02:00-02:30'] });
      expect(businessSecondsBetween(gap, at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'))).toBe(0);
      expect(due(gap, '2026-03-29T00:00:00+01:00', 0)).toBe(iso(at('2026-04-05T02:00:00+02:00')));
    });
    it('an overnight shift (Sat 22:00–24:00 + Sun 00:00–06:00) is one opening of 7 hours', () => {
      const cal = site('Europe/Berlin', { sat: ['22:00-24:00'], sun: ['00:00-06:00'] });
      expect(due(cal, '2026-03-28T22:00:00+01:00', 7)).toBe('2026-03-29T04:00:00.000Z'); // 06:00 CEST
      expect([...openIntervals(cal, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'))].map((iv) => [iso(iv.start), iso(iv.end)])).toEqual([
        ['2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z'],
      ]);
    });
  });

  describe('Berlin fall back, Sunday 25 October 2026 (03:00 → 02:00)', () => {
    it('the repeated hour is open twice: 01:00–04:00 is four real hours', () => {
      const cal = site('Europe/Berlin', { sun: ['01:00-04:00'] });
      expect(businessSecondsBetween(cal, at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00'))).toBe(4 * 3600);
    });
    it('an overnight shift is 9 hours; 8 business hours from Saturday 22:00 end at 05:00 CET', () => {
      const cal = site('Europe/Berlin', { sat: ['22:00-24:00'], sun: ['00:00-06:00'] });
      expect(due(cal, '2026-10-24T22:00:00+02:00', 8)).toBe('2026-10-25T04:00:00.000Z');
      expect(businessSecondsBetween(cal, at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(9 * 3600);
    });
    it('a holiday on the 25-hour day closes all 25 hours', () => {
      const cal = site('Europe/Berlin', null, ['2026-10-25']);
      expect(businessSecondsBetween(cal, at('2026-10-24T12:00:00+02:00'), at('2026-10-26T12:00:00+01:00'))).toBe(24 * 3600);
      expect(due(cal, '2026-10-24T12:00:00+02:00', 13)).toBe(iso(at('2026-10-26T01:00:00+01:00')));
    });
  });

  describe('Santiago, changes at midnight', () => {
    it('Sunday 6 September 2026 starts at 01:00: 00:00–02:00 is one hour, the day 23 hours', () => {
      const dayFrom = at('2026-09-06T01:00:00-03:00');
      const dayTo = at('2026-09-07T00:00:00-03:00');
      expect(businessSecondsBetween(site('America/Santiago', { sun: ['00:00-02:00'] }), dayFrom - HOUR, dayTo)).toBe(3600);
      expect(businessSecondsBetween(site('America/Santiago', { sun: ['00:00-24:00'] }), dayFrom - HOUR, dayTo)).toBe(23 * 3600);
      expect(due(site('America/Santiago', { sun: ['00:30-02:00'] }), '2026-09-05T12:00:00-04:00', 0)).toBe(iso(dayFrom));
    });
    it('Saturday 4 April 2026 ends with 23:00–24:00 twice: 22:00–24:00 is three hours', () => {
      const cal = site('America/Santiago', { sat: ['22:00-24:00'] });
      expect([...openIntervals(cal, at('2026-04-04T12:00:00Z'), at('2026-04-05T12:00:00Z'))].map((iv) => [iso(iv.start), iso(iv.end)])).toEqual([
        ['2026-04-05T01:00:00.000Z', '2026-04-05T04:00:00.000Z'],
      ]);
    });
  });

  describe('Lord Howe, a 30-minute shift', () => {
    it('spring forward (Sunday 4 October 2026, 02:00 → 02:30): a 23.5-hour day; 02:00–03:00 is 30 minutes', () => {
      const dayFrom = at('2026-10-04T00:00:00+10:30');
      const dayTo = at('2026-10-05T00:00:00+11:00');
      expect(businessSecondsBetween(site('Australia/Lord_Howe', null, ['2026-12-25']), dayFrom, dayTo)).toBe(23.5 * 3600);
      expect(businessSecondsBetween(site('Australia/Lord_Howe', { sun: ['02:00-03:00'] }), dayFrom, dayTo)).toBe(30 * 60);
    });
    it('fall back (Sunday 5 April 2026, 02:00 → 01:30): 01:00–02:00 is 90 minutes in one opening', () => {
      const cal = site('Australia/Lord_Howe', { sun: ['01:00-02:00'] });
      expect([...openIntervals(cal, at('2026-04-04T00:00:00Z'), at('2026-04-05T00:00:00Z'))].map((iv) => [iso(iv.start), iso(iv.end)])).toEqual([
        ['2026-04-04T14:00:00.000Z', '2026-04-04T15:30:00.000Z'],
      ]);
    });
  });
});

describe('edges', () => {
  it('a site with hours but no open weekday is never open: deadlines are Infinity', () => {
    for (const [hours, holidays] of [[{}, []], [{ mon: [], sun: [] }, ['2026-01-05', '2026-09-01']]] as [BusinessHours, string[]][]) {
      const cal = site('Europe/Berlin', hours, holidays);
      expect(addBusinessSeconds(cal, at('2026-01-01T00:00:00Z'), 0)).toBe(Infinity);
      expect(addBusinessSeconds(cal, at('2026-01-01T00:00:00Z'), 60)).toBe(Infinity);
      expect(businessSecondsBetween(cal, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))).toBe(0);
      expect([...openIntervals(cal, at('2026-01-01T00:00:00Z'), at('2026-02-01T00:00:00Z'))]).toEqual([]);
    }
  });

  it('no hours and no holidays: business time is wall time', () => {
    const cal = site('America/New_York', null);
    expect(businessSecondsBetween(cal, 1000, 1000 + 90 * DAY + 7)).toBe(90 * 86_400 + 0.007);
    expect(addBusinessSeconds(cal, 1000, 42.5)).toBe(43_500);
    expect(businessSecondsBetween(cal, 5000, 4000)).toBe(0);
  });

  it('overlapping intervals of a day count once, as isOpen() sees them', () => {
    const cal = site('UTC', { mon: ['09:00-12:00', '11:00-14:00', '10:00-10:30'] });
    expect(businessSecondsBetween(cal, at('2026-01-19T00:00:00Z'), at('2026-01-20T00:00:00Z'))).toBe(5 * 3600);
  });

  it('90 days of business time on office hours with holidays resolve day by day (about a year later)', () => {
    const holidays = ['2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26', '2027-01-01'];
    const cal = site('Europe/Berlin', weekdays(['09:00-12:00', '13:00-17:00']), holidays);
    const from = at('2026-02-02T10:00:00+01:00');
    const deadline = addBusinessSeconds(cal, from, 90 * 86_400);
    expect(businessSecondsBetween(cal, from, deadline)).toBe(90 * 86_400);
    // 2,160 open hours at 35 a week: just over 61 weeks.
    expect(deadline).toBeGreaterThan(from + 61 * 7 * DAY);
    expect(deadline).toBeLessThan(from + 63 * 7 * DAY);
  });

  it('bad arguments are refused by name', () => {
    const cal = site('UTC', null);
    expect(() => addBusinessSeconds(cal, 0, -1)).toThrow(/seconds/);
    expect(() => addBusinessSeconds(cal, 0, Number.NaN)).toThrow(/seconds/);
    expect(() => businessSecondsBetween(cal, Number.NaN, 0)).toThrow(/fromMs/);
    expect(() => [...openIntervals(cal, 0, Infinity)]).toThrow(/toMs/);
    expect(() => businessSecondsBetween(site('UTC', { mon: ['9:00-17:00'] }), 0, DAY)).toThrow(/HH:MM-HH:MM/);
  });
});
