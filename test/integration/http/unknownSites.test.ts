// A site the server has never heard of (not configured, no event ever) is most likely a typo: every read that filters
// by site refuses it naming `site`, as an unknown standard is refused. A site it knows with nothing in the range is a
// real zero, and so is a retired site, whose history is still reported.
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer();
beforeAll(async () => {
  expect((await server().postEvents(call({ site: 'harbour' }))).status).toBe(201);
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${server().url}/api/v1${path}`, { method, headers: { ...adminHeaders(server().apiKey), 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  expect((await send('POST', '/sites', { id: 'quiet' })).status).toBe(201);
  expect((await send('POST', '/sites', { id: 'closed' })).status).toBe(201);
  expect((await send('DELETE', '/sites/closed')).status).toBe(200);
});

const get = async (path: string) => {
  const res = await fetch(`${server().url}/api/v1${path}`, { headers: adminHeaders(server().apiKey) });
  return { status: res.status, body: /json/.test(res.headers.get('content-type') ?? '') ? await res.json() : await res.text() };
};

const READS = [
  (site: string) => `/compliance?site=${site}&window=1h`,
  (site: string) => `/distribution?site=${site}&window=1h`,
  (site: string) => `/incidents?site=${site}`,
  (site: string) => `/clocks?site=${site}`,
  (site: string) => `/export/events?site=${site}&format=csv`,
  (site: string) => `/export/compliance?site=harbour,${site}&format=csv`,
  (site: string) => `/export/milestones?site=${site}&format=csv`,
  (site: string) => `/export/incidents?site=${site}&format=csv`,
  (site: string) => `/export/report?site=${site}`,
];

describe('a site in a read', () => {
  it('is refused naming site when the server has never heard of it', async () => {
    for (const read of READS) {
      const res = await get(read('nosuch'));
      expect({ path: read('nosuch'), status: res.status, type: res.body.type }).toEqual({ path: read('nosuch'), status: 400, type: 'https://ringside.dev/problems/invalid-query' });
      expect(res.body.errors, read('nosuch')).toEqual([{ path: 'site', message: 'unknown site "nosuch": no site of that name is configured or has events' }]);
    }
  });

  it('is told the known site it most likely mistypes, on every read', async () => {
    for (const read of [...READS, (site: string) => `/staffing/forecast?site=${site}&standard=call-answer-2-rings&date=2026-12-01`]) {
      const res = await get(read('harbor'));
      expect(res.body.errors, read('harbor')).toEqual([{ path: 'site', message: 'unknown site "harbor": no site of that name is configured or has events (did you mean "harbour"?)' }]);
    }
  });

  it('given as a list where one site is taken, is told to give one', async () => {
    for (const path of ['/compliance?site=harbour,quiet&window=1h', '/clocks?site=harbour,quiet', '/incidents?site=harbour,quiet']) {
      const res = await get(path);
      expect(res.body.errors, path).toEqual([
        { path: 'site', message: 'unknown site "harbour,quiet": no site of that name is configured or has events; give one site here, not a list (leave it out for every site together)' },
      ]);
    }
    // The exports take lists: each site of one is looked up, and no such hint is given.
    expect((await get('/export/events?site=harbour,quiet&format=csv')).status).toBe(200);
  });

  it('is listed beside the other problems of the query', async () => {
    const res = await get('/compliance?site=nosuch&standard=nope&window=1h');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['standard', 'site']);
  });

  it('answers zero for a site it knows with nothing in the range: configured, retired, or only posted to', async () => {
    for (const site of ['quiet', 'closed', 'harbour']) {
      for (const read of READS) expect({ path: read(site), status: (await get(read(site))).status }).toEqual({ path: read(site), status: 200 });
    }
    const quiet = await get('/compliance?site=quiet&window=1h');
    expect(quiet.body.standards.every((s: { total: number }) => s.total === 0)).toBe(true);
  });
});
