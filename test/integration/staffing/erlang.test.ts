// GET /api/v1/staffing/erlang on a real server: the textbook answer, unstable loads as answers, and each bad
// parameter refused with a 400 that names it.
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../support/testServer';

const server = useTestServer({ logLevel: 'silent' });

const erlang = (query: string) => server().getJson(`/api/v1/staffing/erlang?${query}`);

describe('GET /api/v1/staffing/erlang', () => {
  it('answers the textbook case: 200 calls an hour of 180 s, 80 % within 20 s needs 14 people', async () => {
    const res = await erlang('arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=20&target=0.8');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ offeredLoad: 10, agents: 14, minimumStableAgents: 11, limitedBy: 'serviceLevel' });
    // Published figures for A = 10 Erlangs, T = 20 s (CRAN ErlangC README): 14 people, P(wait) 0.1741, SL 0.88835.
    expect(res.body.at.serviceLevel).toBeCloseTo(0.88835, 5);
    expect(res.body.at.probabilityWait).toBeCloseTo(0.1741319, 7);
    expect(res.body.fewer).toMatchObject({ agents: 13 });
    expect(res.body.fewer.serviceLevel).toBeLessThan(0.8);
    expect(res.body.more).toMatchObject({ agents: 15, stable: true });
    expect(res.body.at.averageSpeedOfAnswer).toBeCloseTo(7.83593701177724, 9);
    expect(res.body.at.occupancy).toBeCloseTo(10 / 14, 12);
  });

  it('applies the occupancy cap and says it decided', async () => {
    const res = await erlang('arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=20&target=0.8&maxOccupancy=0.7');
    expect(res.body).toMatchObject({ agents: 15, limitedBy: 'occupancy' });
  });

  it('answers a large load without overflow (1,000 Erlangs)', async () => {
    const res = await erlang('arrivalsPerHour=7200&handleSeconds=500&thresholdSeconds=20&target=0.9');
    expect(res.status).toBe(200);
    expect(res.body.offeredLoad).toBe(1000);
    expect(res.body.agents).toBeGreaterThan(1000);
    expect(res.body.at.serviceLevel).toBeGreaterThanOrEqual(0.9);
    expect(res.body.fewer.serviceLevel).toBeLessThan(0.9);
  });

  it('reports the figures one person short of stable as an unstable queue, not an error', async () => {
    const res = await erlang('arrivalsPerHour=60&handleSeconds=120&thresholdSeconds=20&target=0.5');
    expect(res.body).toMatchObject({ offeredLoad: 2, minimumStableAgents: 3, unstableWithFewer: true });
    expect(res.body.fewer).toEqual({ agents: 2, stable: false, serviceLevel: 0, probabilityWait: 1, averageSpeedOfAnswer: null, occupancy: 1 });
  });

  it('needs nobody when nobody arrives', async () => {
    expect((await erlang('arrivalsPerHour=0&handleSeconds=120&thresholdSeconds=20&target=0.9')).body).toMatchObject({ agents: 0, limitedBy: 'noArrivals' });
  });

  it.each([
    ['handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour', /^is required/],
    ['arrivalsPerHour=-1&handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour', /≥ 0/],
    ['arrivalsPerHour=0x10&handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour', /number/],
    ['arrivalsPerHour=Infinity&handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour', /number/],
    ['arrivalsPerHour=200&handleSeconds=0&thresholdSeconds=20&target=0.8', 'handleSeconds', /above 0/],
    ['arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=abc&target=0.8', 'thresholdSeconds', /number/],
    ['arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=20&target=1', 'target', /strictly between 0 and 1/],
    ['arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=20&target=0.8&maxOccupancy=0', 'maxOccupancy', /above 0/],
    ['arrivalsPerHour=200&arrivalsPerHour=300&handleSeconds=180&thresholdSeconds=20&target=0.8', 'arrivalsPerHour', /once/],
    ['arrivalsPerHour=200&handleSeconds=180&thresholdSeconds=20&target=0.8&agents=3', 'agents', /not a known parameter/],
  ])('refuses %s naming %s', async (query, field, message) => {
    const res = await erlang(query);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/problem\+json/);
    expect(res.body.type).toMatch(/\/invalid-query$/);
    expect(res.body.errors).toContainEqual({ path: field, message: expect.stringMatching(message) });
  });

  it('reads decimal numbers as JSON writes them, exponent included', async () => {
    const plain = await erlang('arrivalsPerHour=1000&handleSeconds=180&thresholdSeconds=20&target=0.8');
    const exponent = await erlang('arrivalsPerHour=1e3&handleSeconds=1.8E2&thresholdSeconds=2e%2B1&target=8e-1');
    expect(exponent.status).toBe(200);
    expect(exponent.body).toEqual(plain.body);
  });

  it('refuses a question that would need a million people as a query problem, naming what drove it once', async () => {
    for (const arrivals of ['1000000000', '1e9']) {
      const res = await erlang(`arrivalsPerHour=${arrivals}&handleSeconds=180&thresholdSeconds=20&target=0.8`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        type: 'https://ringside.dev/problems/invalid-query',
        title: 'Invalid query parameter',
        status: 400,
        detail: 'arrivalsPerHour would need 1000000 agents or more',
        errors: [{ path: 'arrivalsPerHour', message: 'would need 1000000 agents or more' }],
      });
    }
  });

  it('needs a key with the read scope', async () => {
    const res = await fetch(`${server().url}/api/v1/staffing/erlang?arrivalsPerHour=1&handleSeconds=1&thresholdSeconds=1&target=0.5`);
    expect(res.status).toBe(401);
  });
});
