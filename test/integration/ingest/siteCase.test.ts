// Sites are created on first sight, and site ids are case-sensitive: a new site whose id is an existing site's but for
// letter case ("Harbour" beside "harbour") would be a second site the dashboard labels like the first. It is refused,
// naming `site` and the site meant, on every way a site is created; sites stored in such pairs before keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestCore, storeAsBefore } from '../support/core';
import { adminHeaders, call, isoAgo, removeDir, startTestServer, tempDataDir, visit, type TestServer } from '../support/testServer';

let server: TestServer;

beforeAll(async () => {
  const dataDir = tempDataDir();
  // A pair stored before the rule, past the service's check: both stay sites of their own.
  await storeAsBefore(dataDir, [call({ id: 'old-north', site: 'north' }), call({ id: 'old-North', site: 'North' })]);
  server = await startTestServer({ dataDir, logLevel: 'error' });
  expect((await server.postEvents(visit({ id: 'first-harbour', site: 'harbour' }))).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

const send = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(server.apiKey), 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
};

const siteIds = async (): Promise<string[]> => ((await send('GET', '/sites')).body.sites as Array<{ id: string }>).map((s) => s.id);

const twinMessage = (site: string, meant: string) => `new site "${site}" differs from another site only in letter case: site ids are case-sensitive, so it would be a second site (did you mean "${meant}"?)`;

describe('a new site id that differs from a site only in letter case', () => {
  it('is refused for an event, naming `site` and the site meant, and nothing is stored', async () => {
    const res = await server.postEvents(visit({ site: 'Harbour' }));
    expect(res).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-event$/), errors: [{ path: 'site', message: twinMessage('Harbour', 'harbour') }] } });
    const batch = await server.postEvents({ events: [visit({ id: 'fine-1' }), visit({ site: 'HARBOUR' })] });
    expect(batch.body.errors).toEqual([{ path: 'events.1.site', message: twinMessage('HARBOUR', 'harbour') }]);
    expect(await siteIds()).not.toContain('Harbour');
    expect(await siteIds()).not.toContain('HARBOUR');
    expect((await send('POST', '/events/fine-1/void', { reason: 'x' })).status).toBe(404);
  });

  it('is refused for a milestone, and for a site created over the API', async () => {
    const milestone = await send('POST', '/milestones', { type: 'call', site: 'HarBour', caseId: 'c1', milestone: 'started', at: isoAgo(1) });
    expect(milestone).toMatchObject({ status: 400, body: { type: expect.stringMatching(/\/invalid-milestone$/), errors: [{ path: 'site', message: twinMessage('HarBour', 'harbour') }] } });
    const site = await send('POST', '/sites', { id: 'Harbour', timeZone: 'Europe/London' });
    expect(site).toMatchObject({ status: 400, body: { errors: [{ path: 'id', message: twinMessage('Harbour', 'harbour') }] } });
    expect(await siteIds()).not.toContain('Harbour');
  });

  it('is refused within one request: the first spelling creates the site, a later one is told to use it', async () => {
    const res = await server.postEvents({ events: [call({ site: 'Annex' }), call({ site: 'annex' }), call({ site: 'Annex' }), call({ site: 'ANNEX' })] });
    expect(res.body.errors).toEqual([
      { path: 'events.1.site', message: twinMessage('annex', 'Annex') },
      { path: 'events.3.site', message: twinMessage('ANNEX', 'Annex') },
    ]);
    expect(await siteIds()).not.toContain('Annex');
    expect((await server.postEvents({ events: [call({ site: 'Annex' }), call({ site: 'Annex' })] })).status).toBe(201);
    expect(await siteIds()).toContain('Annex');
  });

  it('is refused when requests written together create both spellings: the later one, as if written alone', async () => {
    const dataDir = tempDataDir();
    const core = await openTestCore(dataDir);
    try {
      const outcomes = await core.ingest.ingestMany([
        { items: [call({ site: 'east' })], sites: null },
        { items: [call({ site: 'East' })], sites: null },
        { items: [call({ site: 'west' })], sites: null },
      ]);
      expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'invalid', 'stored']);
      expect(outcomes[1]).toMatchObject({ problems: [{ index: 0, path: ['site'], message: twinMessage('East', 'east') }] });
      expect((await core.store.reads.sites.ids()).filter((id) => id.toLowerCase() === 'east')).toEqual(['east']);
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});

describe('sites stored in such a pair before the rule', () => {
  it('keep taking events, milestones and their own configuration, each under its own id; a third spelling is refused', async () => {
    const posted = await server.postEvents({ events: [call({ site: 'north' }), call({ site: 'North' })] });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body.results.map((r: any) => r.event.site)).toEqual(['north', 'North']);
    expect((await send('POST', '/milestones', { type: 'call', site: 'North', caseId: 'n1', milestone: 'started', at: isoAgo(1) })).status).toBe(201);
    expect((await send('PATCH', '/sites/North', { name: 'North (old)' })).status).toBe(200);
    expect(await siteIds()).toEqual(expect.arrayContaining(['north', 'North']));
    // A third spelling is new: refused, naming both when neither is the nearer.
    const res = await server.postEvents(call({ site: 'NORTH' }));
    expect(res.body.errors).toEqual([{ path: 'site', message: 'new site "NORTH" differs from the sites "North", "north" only in letter case: site ids are case-sensitive, so it would be a second site' }]);
    const near = await server.postEvents(call({ site: 'nortH' }));
    expect(near.body.errors).toEqual([{ path: 'site', message: twinMessage('nortH', 'north') }]);
  });
});
