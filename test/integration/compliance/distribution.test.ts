// GET /api/v1/distribution against hand-counted bins, on a real server with a real SQLite file.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DistributionReport, StandardDistribution } from '../../../server/src/protocol';
import { serverTimeZone } from '../../../server/src/domain/zonedTime';
import { call, useTestServer, visit } from '../support/testServer';

const server = useTestServer();

// 2026-01-12, a day with no other traffic. The bin of each event is written next to it.
const DAY = [
  call({ site: 'downtown', occurredAt: '2026-01-12T09:00:00Z', rings: 1 }), // ring 1
  call({ site: 'downtown', occurredAt: '2026-01-12T09:01:00Z', rings: 0 }), // ring 1 (picked up before it rang)
  call({ site: 'downtown', occurredAt: '2026-01-12T09:02:00Z', rings: undefined, answerSeconds: 11.9 }), // ring 2 (derived, 6 s cycle)
  call({ site: 'downtown', occurredAt: '2026-01-12T09:03:00Z', rings: 3 }), // ring 3
  call({ site: 'airport', occurredAt: '2026-01-12T09:04:00Z', rings: 4 }), // 4+
  call({ site: 'airport', occurredAt: '2026-01-12T09:05:00Z', rings: 9 }), // 4+
  call({ site: 'airport', occurredAt: '2026-01-12T09:06:00Z', outcome: 'abandoned', rings: 1 }), // abandoned (even on ring 1)
  visit({ site: 'downtown', occurredAt: '2026-01-12T09:00:00Z', greetSeconds: 0 }), // 0–10
  visit({ site: 'downtown', occurredAt: '2026-01-12T09:00:30Z', greetSeconds: 10 }), // 0–10 (edges are inclusive above)
  visit({ site: 'downtown', occurredAt: '2026-01-12T09:01:00Z', greetSeconds: 10.5 }), // 10–20
  visit({ site: 'airport', occurredAt: '2026-01-12T09:02:00Z', greetSeconds: 30 }), // 20–30: still met (≤ 30 s)
  visit({ site: 'airport', occurredAt: '2026-01-12T09:03:00Z', greetSeconds: 30.5 }), // 30–60: missed
  visit({ site: 'airport', occurredAt: '2026-01-12T09:04:00Z', greetSeconds: 600 }), // 60+
  visit({ site: 'airport', occurredAt: '2026-01-12T09:05:00Z', outcome: 'left', greetSeconds: 4 }), // left
  call({ site: 'downtown', occurredAt: '2026-01-12T12:00:00Z', rings: 1 }), // exactly at `to`: excluded
];
const RANGE = 'from=2026-01-12T08:00:00Z&to=2026-01-12T12:00:00Z';

beforeAll(async () => {
  expect((await server().postEvents({ events: DAY })).status).toBe(201);
});

async function distribution(query: string): Promise<DistributionReport> {
  const res = await server().getJson(`/api/v1/distribution?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as DistributionReport;
}

const byStandard = (r: DistributionReport, id: string): StandardDistribution => {
  const found = r.standards.find((s) => s.standardId === id);
  if (!found) throw new Error(`no ${id} in ${JSON.stringify(r)}`);
  return found;
};
const counts = (d: StandardDistribution) => Object.fromEntries(d.bins.map((b) => [b.label, b.count]));

describe('GET /api/v1/distribution', () => {
  it('counts calls per ring (1, 2, 3, 4+) and abandoned, and marks the threshold after ring 2', async () => {
    const calls = byStandard(await distribution(RANGE), 'call-answer-2-rings');
    expect(counts(calls)).toEqual({ 'Ring 1': 2, 'Ring 2': 1, 'Ring 3': 1, '4+ rings': 2, Abandoned: 1 });
    expect(calls.bins.map((b) => b.key)).toEqual(['ring-1', 'ring-2', 'ring-3', 'ring-4+', 'abandoned']);
    expect(calls.bins.map((b) => b.met)).toEqual([2, 1, 0, 0, 0]);
    expect(calls).toMatchObject({ unit: 'rings', operator: '<=', threshold: 2, thresholdAfterBin: 2, total: 7, eventType: 'call' });
  });

  it('bins greet times (0–10, 10–20, 20–30, 30–60, 60+ s) and visitors who left; 30 s exactly is within the threshold', async () => {
    const visits = byStandard(await distribution(RANGE), 'visit-greet-30s');
    expect(counts(visits)).toEqual({ '0–10 s': 2, '10–20 s': 1, '20–30 s': 1, '30–60 s': 1, '60 s+': 1, Left: 1 });
    expect(visits.bins.map((b) => b.met)).toEqual([2, 1, 1, 0, 0, 0]);
    expect(visits.thresholdAfterBin).toBe(3);
    expect(visits.bins[1]).toMatchObject({ from: 10, to: 20, kind: 'wait' });
    expect(visits.bins.at(-1)).toMatchObject({ key: 'left', kind: 'abandoned' });
  });

  it('filters by site and standard, and answers empty bins for a quiet range', async () => {
    const r = await distribution(`${RANGE}&site=airport&standard=call-answer-2-rings`);
    expect(r.site).toBe('airport');
    expect(r.standards.map((s) => s.standardId)).toEqual(['call-answer-2-rings']);
    expect(counts(r.standards[0]!)).toEqual({ 'Ring 1': 0, 'Ring 2': 0, 'Ring 3': 0, '4+ rings': 2, Abandoned: 1 });

    const quiet = await distribution('from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z');
    expect(quiet.standards.every((s) => s.total === 0 && s.bins.every((b) => b.count === 0))).toBe(true);
  });

  it('takes a rolling window instead of from/to', async () => {
    expect((await server().postEvents(call({ site: 'now-site', rings: 5 }))).status).toBe(201);
    const r = await distribution('window=1h&site=now-site&standard=call-answer-2-rings');
    expect(counts(r.standards[0]!)['4+ rings']).toBe(1);
    expect(Date.parse(r.to) - Date.parse(r.from)).toBe(3_600_000);
  });

  it("takes today in the site's zone, or tz, exactly as GET /api/v1/compliance does", async () => {
    // A zone that is not the server's, so a server-zone "today" would show.
    const zone = serverTimeZone() === 'Asia/Kolkata' ? 'Pacific/Kiritimati' : 'Asia/Kolkata';
    const created = await fetch(`${server().url}/api/v1/sites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().apiKey}` },
      body: JSON.stringify({ id: 'far-away', timeZone: zone }),
    });
    expect(created.status).toBe(201);
    for (const query of ['window=today&site=far-away', 'window=today&site=far-away&tz=Europe/Berlin', 'window=month&tz=Asia/Tokyo']) {
      const r = await distribution(query);
      const c = (await server().getJson(`/api/v1/compliance?${query}`)).body;
      expect({ from: r.from, to: r.to, timeZone: r.timeZone }, query).toEqual({ from: c.from, to: c.to, timeZone: c.timeZone });
    }
    const local = await distribution('window=today&site=far-away');
    expect(local.timeZone).toBe(zone);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(local.from))).toBe('00:00');
  });

  it('refuses bad parameters with problem+json naming each one', async () => {
    const res = await server().getJson('/api/v1/distribution?window=2y&standard=nope&colour=red');
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['colour', 'standard', 'window']);

    const both = await server().getJson('/api/v1/distribution?window=1h&from=2026-01-12T08:00:00Z');
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([{ path: 'from', message: 'cannot be combined with window' }]); // as /compliance says it
    const backwards = await server().getJson('/api/v1/distribution?from=2026-01-12T09:00:00Z&to=2026-01-12T08:00:00Z');
    expect(backwards.body.errors[0].path).toBe('to');
    const notIso = await server().getJson('/api/v1/distribution?from=yesterday');
    expect(notIso.body.errors[0].path).toBe('from');
  });

  it('needs a key with read scope, like the compliance report', async () => {
    const anonymous = await fetch(`${server().url}/api/v1/distribution?${RANGE}`);
    expect(anonymous.status).toBe(401);
    const created = await fetch(`${server().url}/api/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().apiKey}` },
      body: JSON.stringify({ name: 'wallboard', scopes: ['read'] }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const withRead = await fetch(`${server().url}/api/v1/distribution?${RANGE}`, { headers: { authorization: `Bearer ${key}` } });
    expect(withRead.status).toBe(200);
    const ingestOnly = await fetch(`${server().url}/api/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server().apiKey}` },
      body: JSON.stringify({ name: 'pbx', scopes: ['ingest'] }),
    });
    const pbx = ((await ingestOnly.json()) as { key: string }).key;
    expect((await fetch(`${server().url}/api/v1/distribution?${RANGE}`, { headers: { authorization: `Bearer ${pbx}` } })).status).toBe(403);
  });
});
