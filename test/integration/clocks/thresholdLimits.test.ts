// A standard's threshold is bounded where its clocks are computed: a threshold past what any case can measure is
// refused, and the largest one allowed, counted in the open hours of a site open one minute a week, gives an open
// case a clock with no deadline instead of walking the site's calendar for millennia.
import { describe, expect, it } from 'vitest';
import { adminHeaders, useTestServer } from '../support/testServer';
import { postMilestones } from './support';

const server = useTestServer();

async function send(method: string, path: string, body: unknown) {
  const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const standard = (fields: Record<string, unknown>) => ({ name: 'Complaints resolved', eventType: 'complaint', measure: 'resolveSeconds', target: 0.9, ...fields });

describe('thresholds and the clocks they time', () => {
  it('refuses a threshold no case could reach, naming it, and stores nothing', async () => {
    for (const threshold of [1e300, 31_622_401]) {
      const res = await send('POST', '/standards', standard({ id: 'too-long', threshold }));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'threshold', message: 'must be at most 31622400 (366 days in seconds: no case stays open longer)' }]);
    }
    expect((await server().getJson('/api/v1/standards/too-long')).status).toBe(404);
  });

  it('bounds a short-abandon limit as a threshold, naming it', async () => {
    const call = { id: 'short-too-long', name: 'Calls answered in 20 s', eventType: 'call', measure: 'answerSeconds', threshold: 20, target: 0.8, formula: 'F5' };
    const res = await send('POST', '/standards', { ...call, shortAbandonSeconds: 1e12 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'shortAbandonSeconds', message: 'must be at most 31622400 (366 days in seconds: no case stays open longer)' }]);
    expect((await server().getJson('/api/v1/standards/short-too-long')).status).toBe(404);
    expect((await send('POST', '/standards', { ...call, shortAbandonSeconds: 31_622_400 })).status).toBe(201);
  });

  it('answers GET /clocks for a business threshold the site never uses up, its deadline null', async () => {
    expect((await send('POST', '/sites', { id: 'rarely', hours: { mon: ['09:00-09:01'] } })).status).toBe(201);
    const created = await send('POST', '/standards', standard({ id: 'resolve-business', threshold: 31_622_400, clock: 'business', scope: { sites: ['rarely'] } }));
    expect(created.status).toBe(201);
    const at = new Date(Date.now() - 1000).toISOString();
    expect((await postMilestones(server(), { type: 'complaint', site: 'rarely', caseId: 'K-1', milestone: 'received', at })).status).toBe(201);
    // Before, finding this deadline walked the site's calendar for millennia: the request (and the test) never ended.
    const clocks = await server().getJson('/api/v1/clocks?site=rarely');
    expect(clocks.status).toBe(200);
    const standing = clocks.body.clocks[0].standards.find((s: { standardId: string }) => s.standardId === 'resolve-business');
    expect(standing).toMatchObject({ deadline: null, atRiskAt: null, state: 'running' });
    expect((await server().getJson('/api/v1/health')).status).toBe(200);
  });
});
