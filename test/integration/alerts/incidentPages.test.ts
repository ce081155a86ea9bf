// GET /incidents cut at its limit says so (`complete: false`), and `before` reads on from the oldest incident it
// gave: a wallboard or an auditor paging through more incidents than one answer holds misses none and sees none twice.
// Runs on SQLite, and on PostgreSQL in the integration-postgres project.
import { expect, it } from 'vitest';
import type { IncidentPage } from '../../../server/src/protocol';
import { calls, MINUTE, NO_HOLDS, T0 } from '../support/alertSupport';
import { testClock } from '../support/testClock';
import { useTestServer } from '../support/testServer';

const clock = testClock(T0);
const server = useTestServer({ clock, alerts: { intervalMs: 0, throttleMs: 0, policy: NO_HOLDS } });

const SITES = ['airport', 'downtown', 'harbour', 'lobby', 'station'];

async function page(query: string): Promise<[number[], boolean]> {
  const res = await server().getJson(`/api/v1/incidents${query}`);
  expect(res.status).toBe(200);
  const body = res.body as IncidentPage;
  return [body.incidents.map((i) => i.id), body.complete];
}

it('pages through incidents newest first, each page oldest first, and says when a list is whole', async () => {
  // One incident per site, opened one after the other (ids 1..5).
  for (const site of SITES) {
    await server().postEvents({ events: calls(1, 9, T0 - MINUTE, site) });
    await server().testApi.evaluateAlerts();
  }
  expect(await page('')).toEqual([[1, 2, 3, 4, 5], true]);
  expect(await page('?limit=5')).toEqual([[1, 2, 3, 4, 5], true]);
  expect(await page('?limit=2')).toEqual([[4, 5], false]);
  expect(await page('?limit=2&before=4')).toEqual([[2, 3], false]);
  expect(await page('?limit=2&before=2')).toEqual([[1], true]);
  expect(await page('?before=1')).toEqual([[], true]);
  // With another filter, the page is of what it selects: harbour has one.
  expect(await page('?site=harbour&limit=1')).toEqual([[3], true]);
  const bad = await server().getJson('/api/v1/incidents?before=x');
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'before', message: expect.stringContaining('whole number') }]);
});
