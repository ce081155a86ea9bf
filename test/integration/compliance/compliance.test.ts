// GET /api/v1/compliance against hand-computed expectations.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../../server/src/protocol';
import { call, isoAgo, useTestServer, visit } from '../support/testServer';

const server = useTestServer();

// 2026-01-10, a day with no other traffic. Met/missed is written next to each event.
const DAY = [
  call({ site: 'downtown', occurredAt: '2026-01-10T09:00:10Z', rings: 1 }), // met
  call({ site: 'downtown', occurredAt: '2026-01-10T09:00:50Z', rings: undefined, answerSeconds: 11.9 }), // ring 2: met
  call({ site: 'downtown', occurredAt: '2026-01-10T09:05:00Z', rings: 3 }), // missed
  call({ site: 'downtown', occurredAt: '2026-01-10T09:30:00Z', outcome: 'abandoned', rings: undefined, answerSeconds: 3 }), // missed (abandon)
  call({ site: 'airport', occurredAt: '2026-01-10T09:10:00Z', rings: undefined, answerSeconds: 12 }), // ring 3: missed
  call({ site: 'airport', occurredAt: '2026-01-10T11:15:00+01:00', rings: 2 }), // 10:15Z, met
  call({ site: 'airport', occurredAt: '2026-01-10T11:00:00Z', rings: 1 }), // exactly at `to` below: excluded there
  visit({ site: 'downtown', occurredAt: '2026-01-10T09:01:00Z', greetSeconds: 30 }), // met
  visit({ site: 'airport', occurredAt: '2026-01-10T09:20:00Z', greetSeconds: 45 }), // missed
  visit({ site: 'airport', occurredAt: '2026-01-10T10:00:00Z', outcome: 'left', greetSeconds: 5 }), // missed (left)
  visit({ site: 'harbour', occurredAt: '2026-01-10T10:30:00Z', greetSeconds: 2 }), // met
];

beforeAll(async () => {
  expect((await server().postEvents({ events: DAY })).status).toBe(201);
});

async function report(query: string): Promise<ComplianceReport> {
  const res = await server().getJson(`/api/v1/compliance?${query}`);
  expect(res.status).toBe(200);
  return res.body as ComplianceReport;
}

const figures = (r: ComplianceReport) => Object.fromEntries(r.standards.map((s) => [s.standardId, [s.total, s.met, s.missed, s.ratio]]));
const WINDOW = 'from=2026-01-10T09:00:00Z&to=2026-01-10T11:00:00Z';

describe('GET /api/v1/compliance', () => {
  it('counts every standard over [from, to), stating target and formula', async () => {
    const r = await report(WINDOW);
    expect(r).toMatchObject({ from: '2026-01-10T09:00:00.000Z', to: '2026-01-10T11:00:00.000Z', site: null, bucket: null });
    expect(figures(r)).toEqual({
      'call-answer-2-rings': [6, 3, 3, 0.5],
      'visit-greet-30s': [4, 2, 2, 0.5],
    });
    expect(r.standards[0]).toMatchObject({ standardName: 'Calls answered within 2 rings', target: 0.9, formula: 'F3' });
  });

  it('breaks down by site', async () => {
    expect(figures(await report(`${WINDOW}&site=downtown`))).toEqual({ 'call-answer-2-rings': [4, 2, 2, 0.5], 'visit-greet-30s': [1, 1, 0, 1] });
    expect(figures(await report(`${WINDOW}&site=airport`))).toEqual({ 'call-answer-2-rings': [2, 1, 1, 0.5], 'visit-greet-30s': [2, 0, 2, 0] });
    // A site the server has never heard of is most likely a typo: named, not answered with zeros.
    const nowhere = await server().getJson(`/api/v1/compliance?${WINDOW}&site=nowhere`);
    expect(nowhere).toMatchObject({ status: 400, body: { errors: [{ path: 'site', message: 'unknown site "nowhere": no site of that name is configured or has events' }] } });
  });

  it('includes `from` and excludes `to`, and accepts offsets', async () => {
    expect(figures(await report('from=2026-01-10T09:00:10Z&to=2026-01-10T09:05:00Z'))['call-answer-2-rings']).toEqual([2, 2, 0, 1]);
    expect(figures(await report('from=2026-01-10T12:00:00%2B01:00&to=2026-01-10T12:00:00Z'))['call-answer-2-rings']).toEqual([1, 1, 0, 1]);
  });

  it('filters to one standard', async () => {
    const r = await report(`${WINDOW}&standard=visit-greet-30s`);
    expect(r.standards.map((s) => s.standardId)).toEqual(['visit-greet-30s']);
  });

  it('returns gap-free minute series', async () => {
    const r = await report('from=2026-01-10T09:00:00Z&to=2026-01-10T09:06:00Z&bucket=minute&standard=call-answer-2-rings');
    const series = r.standards[0]!.series!;
    expect(series.map((p) => p.start.slice(11, 16))).toEqual(['09:00', '09:01', '09:02', '09:03', '09:04', '09:05']);
    expect(series.map((p) => [p.total, p.met, p.ratio])).toEqual([[2, 2, 1], [0, 0, null], [0, 0, null], [0, 0, null], [0, 0, null], [1, 0, 0]]);
  });

  it('sums hour buckets on local hour boundaries', async () => {
    const r = await report(`${WINDOW}&bucket=hour&standard=call-answer-2-rings`);
    const series = r.standards[0]!.series!;
    for (const p of series) expect(new Date(p.start).getMinutes()).toBe(0);
    expect(series.reduce((n, p) => n + p.total, 0)).toBe(6);
    expect(series.reduce((n, p) => n + p.met, 0)).toBe(3);
    if (new Date('2026-01-10T09:00:00Z').getMinutes() === 0) {
      // Whole-hour zones: the 09:00Z hour holds 5 calls (2 met), the 10:00Z hour 1 (met).
      expect(series.filter((p) => p.total > 0).map((p) => [p.start, p.total, p.met])).toEqual([
        ['2026-01-10T09:00:00.000Z', 5, 2],
        ['2026-01-10T10:00:00.000Z', 1, 1],
      ]);
    }
  });

  it('states its zone’s offsets from UTC at both ends of the range: whose clock its buckets keep', async () => {
    // London's clocks went forward on 29 March 2026: the range starts at +00:00 and its last instant is at +01:00.
    const spring = await report('from=2026-03-28T12:00:00Z&to=2026-03-30T12:00:00Z&tz=europe/london&bucket=hour&standard=call-answer-2-rings');
    expect(spring).toMatchObject({ timeZone: 'Europe/London', utcOffsets: { from: '+00:00', to: '+01:00' } });
    expect((await report(`${WINDOW}&tz=Asia/Kolkata`)).utcOffsets).toEqual({ from: '+05:30', to: '+05:30' });
    expect((await report(`${WINDOW}&tz=UTC`)).utcOffsets).toEqual({ from: '+00:00', to: '+00:00' });
  });

  it('defaults to today: back-dated events are not in it, an event from a second ago is', async () => {
    const today = await report('');
    const before = figures(today);
    // A second ago, or today's first instant when today is not a second old yet (a second ago was yesterday then)
    const occurredAt = new Date(Math.max(Date.parse(isoAgo(1)), Date.parse(today.from))).toISOString();
    await server().postEvents(call({ occurredAt, rings: 1 }));
    const after = figures(await report(''));
    expect(after['call-answer-2-rings']![0]).toBe((before['call-answer-2-rings']![0] as number) + 1);
    expect(after['visit-greet-30s']).toEqual(before['visit-greet-30s']);
  });
});
