// GET /api/v1/staffing/forecast on a real server: generated history with a known weekly pattern (Wednesdays busy in
// the morning, other days different), the forecast recovers the pattern hour by hour from the same weekday of the 4
// weeks before, leaves out a Wednesday without arrivals, converts rings with the site's cycle, and says for the
// hours gone by what happened, marking the hour missed for too few people.
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'silent' });

const SITE = 'berlin';
const DAY = '2026-03-04'; // a Wednesday; Berlin is on +01:00 from 4 February to 4 March
/** The weekly pattern: arrivals per local hour on Wednesdays. */
const PATTERN: Record<number, number> = { 8: 12, 9: 30, 10: 48, 11: 36, 12: 18, 13: 24, 14: 6 };
/** Each history Wednesday is the pattern shifted by a known amount; they average out to the pattern. */
const HISTORY = [
  { date: '2026-02-25', shift: 2 },
  { date: '2026-02-18', shift: -2 },
  { date: '2026-02-11', shift: 0 },
  // 2026-02-04: nothing (the site was closed); the forecast leaves it out rather than averaging in zeros.
];
const HANDLE = 240;

const at = (date: string, hour: number, minute: number) => `${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+01:00`;

/** n calls spread over one local hour; served by the given agents in turn, answered on the given ring. */
function hourOfCalls(date: string, hour: number, n: number, opts: { agents?: string[]; rings?: number; handle?: number } = {}) {
  const agents = opts.agents ?? ['ana', 'ben', 'cem', 'dora', 'eli', 'fay'];
  return Array.from({ length: n }, (_v, i) =>
    call({ site: SITE, occurredAt: at(date, hour, Math.floor((i * 60) / n)), rings: opts.rings ?? 1, agent: agents[i % agents.length], handleSeconds: opts.handle ?? HANDLE }),
  );
}

const forecast = (query: string) => server().getJson(`/api/v1/staffing/forecast?${query}`);

beforeAll(async () => {
  const created = await fetch(`${server().url}/api/v1/sites`, {
    method: 'POST',
    headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
    body: JSON.stringify({ id: SITE, name: 'Berlin Mitte', timeZone: 'Europe/Berlin', ringCycleSeconds: 5 }),
  });
  expect(created.status, await created.text()).toBe(201);
  const events = HISTORY.flatMap(({ date, shift }) => Object.entries(PATTERN).flatMap(([h, n]) => hourOfCalls(date, Number(h), n + shift)));
  // Tuesdays and Thursdays are busy all day: a forecast for a Wednesday must not see them.
  for (const date of ['2026-02-24', '2026-02-26', '2026-03-03']) for (let h = 8; h < 18; h++) events.push(...hourOfCalls(date, h, 60));
  // The day itself: 09:00 as forecast and well served; 10:00 busy, answered late, by two people only.
  events.push(...hourOfCalls(DAY, 9, 30), ...hourOfCalls(DAY, 10, 48, { agents: ['ana', 'ben'], rings: 4 }));
  const posted = await server().postEvents({ events });
  expect(posted.status, JSON.stringify(posted.body).slice(0, 400)).toBe(201);
});

describe('GET /api/v1/staffing/forecast', () => {
  it('recovers the weekly pattern hour by hour from the same weekday of the weeks before, and returns that history', async () => {
    const res = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=${DAY}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({ site: SITE, timeZone: 'Europe/Berlin', date: DAY, ringCycleSeconds: 5, thresholdSeconds: 10 });
    expect(body.method).toMatch(/same weekday/);
    expect(body.hours).toHaveLength(24);
    expect(body.hours[0]).toMatchObject({ hour: '00:00', start: '2026-03-03T23:00:00.000Z', end: '2026-03-04T00:00:00.000Z', state: 'past' });
    for (const h of body.hours) {
      const hour = Number(h.hour.slice(0, 2));
      expect(h.forecast.arrivals, h.hour).toBeCloseTo(PATTERN[hour] ?? 0, 9);
    }
    expect(body.history.map((d: any) => [d.date, d.used])).toEqual([
      ['2026-02-25', true],
      ['2026-02-18', true],
      ['2026-02-11', true],
      ['2026-02-04', false],
    ]);
    const feb25 = body.history[0];
    expect(feb25.arrivals).toBe(Object.values(PATTERN).reduce((s, n) => s + n + 2, 0));
    expect(feb25.hours.find((h: any) => h.hour === '10:00')).toEqual({ hour: '10:00', arrivals: 50, handleSeconds: HANDLE });
  });

  it("staffs each hour as Erlang C does for the forecast, the observed handling time and the standard's threshold", async () => {
    const { body } = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=${DAY}`);
    const target = (await server().getJson('/api/v1/standards/call-answer-2-rings')).body.target as number;
    for (const hour of ['08:00', '10:00', '14:00']) {
      const h = body.hours.find((x: any) => x.hour === hour);
      expect(h.forecast).toMatchObject({ handleSeconds: HANDLE, handleFrom: 'hour' });
      const erlang = await server().getJson(`/api/v1/staffing/erlang?arrivalsPerHour=${h.forecast.arrivals}&handleSeconds=${HANDLE}&thresholdSeconds=10&target=${target}`);
      expect(h.forecast.agentsNeeded, hour).toBe(erlang.body.agents);
      expect(h.forecast.serviceLevel).toBeCloseTo(erlang.body.at.serviceLevel, 12);
    }
    // More arrivals need more people; an hour nobody arrives in needs nobody.
    const need = (hour: string) => body.hours.find((x: any) => x.hour === hour).forecast.agentsNeeded as number;
    expect(need('10:00')).toBeGreaterThan(need('09:00'));
    expect(need('09:00')).toBeGreaterThan(need('14:00'));
    expect(need('03:00')).toBe(0);
  });

  it('says what happened in the hours gone by, and marks the hour missed because too few people served', async () => {
    const { body } = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=${DAY}`);
    const nine = body.hours.find((x: any) => x.hour === '09:00');
    expect(nine.observed).toMatchObject({ arrivals: 30, met: 30, counted: 30, compliance: 1, handleSeconds: HANDLE, agentsSeen: 6, understaffed: false });
    const ten = body.hours.find((x: any) => x.hour === '10:00');
    expect(ten.observed).toMatchObject({ arrivals: 48, met: 0, counted: 48, compliance: 0, agentsSeen: 2, understaffed: true });
    expect(ten.observed.agentsNeeded).toBe(ten.forecast.agentsNeeded); // the day's 10:00 was exactly as forecast
    expect(body.hours.find((x: any) => x.hour === '03:00').observed).toMatchObject({ arrivals: 0, compliance: null, agentsSeen: null, understaffed: false });
  });

  it("reads today and tomorrow in the site's zone: today has hours gone by, tomorrow's are all to come", async () => {
    const today = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=today`);
    const tomorrow = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=tomorrow`);
    const berlinToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    expect(today.body.date).toBe(berlinToday);
    expect(Date.parse(`${tomorrow.body.date}T12:00:00Z`) - Date.parse(`${today.body.date}T12:00:00Z`)).toBe(86_400_000);
    expect(tomorrow.body.hours.every((h: any) => h.state === 'future' && h.observed === null)).toBe(true);
    expect(today.body.hours.some((h: any) => h.state === 'current')).toBe(true);
  });

  it('tells the two hours of a day the clocks go back apart by their offset from UTC', async () => {
    const res = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=2026-10-25`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.hours).toHaveLength(25);
    const labels = res.body.hours.map((h: any) => `${h.hour}${h.utcOffset}`);
    expect(labels.slice(0, 5)).toEqual(['00:00+02:00', '01:00+02:00', '02:00+02:00', '02:00+01:00', '03:00+01:00']);
    expect(new Set(labels).size).toBe(25);
    expect(res.body.hours[2].start).toBe('2026-10-25T00:00:00.000Z');
    expect(res.body.hours[3].start).toBe('2026-10-25T01:00:00.000Z');
  });

  it('refuses bad parameters with a 400 naming each', async () => {
    const cases: Array<[string, string]> = [
      [`standard=call-answer-2-rings&date=${DAY}`, 'site'],
      [`site=nowhere&standard=call-answer-2-rings&date=${DAY}`, 'site'],
      [`site=${SITE}&standard=nope&date=${DAY}`, 'standard'],
      [`site=${SITE}&standard=call-answer-2-rings&date=2026-02-30`, 'date'],
      [`site=${SITE}&standard=call-answer-2-rings&date=next-week`, 'date'],
      [`site=${SITE}&standard=call-answer-2-rings&date=${DAY}&zone=UTC`, 'zone'],
    ];
    for (const [query, field] of cases) {
      const res = await forecast(query);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body), query).toContain(`"${field}"`);
    }
  });

  it('names an unknown site, an unknown standard and a bad date in one invalid-query answer, as the other reads do', async () => {
    const res = await forecast('site=nowhere&standard=nope&date=1969-07-20');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://ringside.dev/problems/invalid-query');
    expect(res.body.errors).toEqual([
      { path: 'site', message: 'unknown site "nowhere": no site of that name is configured or has events' },
      { path: 'standard', message: expect.stringMatching(/^unknown standard "nope" \(known: .*call-answer-2-rings/) },
      { path: 'date', message: 'must be 1970-02-01 or later' },
    ]);
    const standardOnly = await forecast(`site=${SITE}&standard=nope&date=${DAY}`);
    expect(standardOnly.body.type).toBe('https://ringside.dev/problems/invalid-query');
  });

  it('says a real day before February 1970 is too early, not that it is no day', async () => {
    const early = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=1969-07-20`);
    expect(early.body.errors).toEqual([{ path: 'date', message: 'must be 1970-02-01 or later' }]);
    const unreal = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=1969-02-30`);
    expect(unreal.body.errors).toEqual([{ path: 'date', message: 'is not a real date (got "1969-02-30")' }]);
  });

  it('says a day in the form that no calendar has is not a real date, as a site\'s holidays do, and a day in another form what form it needs', async () => {
    const unreal = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=2026-02-30`);
    expect(unreal.body.errors).toEqual([{ path: 'date', message: 'is not a real date (got "2026-02-30")' }]);
    const holiday = await fetch(`${server().url}/api/v1/sites`, {
      method: 'POST',
      headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'holiday-check', holidays: ['2026-02-30'] }),
    });
    expect(((await holiday.json()) as { errors: unknown }).errors).toEqual([{ path: 'holidays.0', message: 'is not a real date (got "2026-02-30")' }]);
    const form = await forecast(`site=${SITE}&standard=call-answer-2-rings&date=2026-2-3`);
    expect(form.body.errors).toEqual([{ path: 'date', message: 'must be a day as YYYY-MM-DD (e.g. 2026-11-23), today or tomorrow' }]);
  });
});
