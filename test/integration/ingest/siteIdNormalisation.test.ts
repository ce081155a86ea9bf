// Site ids are Unicode NFC on every way in: "Zürich" typed precomposed (ü) and decomposed (u + U+0308) is one site,
// whichever door it comes through (events, milestones, sites, keys' site lists, the kiosk) and whichever form a read
// names it by. A site stored in another form before ids were normalised keeps its id and is found by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeAsBefore } from '../support/core';
import { adminHeaders, call, isoAgo, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const NFC = 'Z\u00fcrich';
const NFD = 'Zu\u0308rich';
const OLD = 'Mu\u0308nchen'; // stored decomposed by a server before ids were normalised
const OLD_EVENT = call({ id: 'old-1', site: OLD, occurredAt: isoAgo(60), rings: 1 });
const ASCII_EVENT = call({ id: 'old-2', site: 'Bern', occurredAt: isoAgo(60), rings: 1 }); // its site reads the same
const q = encodeURIComponent;
let server: TestServer;

beforeAll(async () => {
  const dataDir = tempDataDir();
  // What a server before the rule stored.
  await storeAsBefore(dataDir, [OLD_EVENT, ASCII_EVENT]);
  server = await startTestServer({ dataDir, logLevel: 'error' });
});

afterAll(async () => {
  await server?.close();
  if (server) removeDir(server.dataDir);
});

const send = async (method: string, path: string, body?: unknown, key = server.apiKey) => {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { ...adminHeaders(key), 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
};

const siteIds = async (): Promise<string[]> => ((await send('GET', '/sites')).body.sites as Array<{ id: string }>).map((s) => s.id);

describe('site ids in NFC', () => {
  it('events, milestones, sites, keys and the kiosk store one form: both spellings are one site', async () => {
    const events = await send('POST', '/events', { events: [call({ id: 'z1', site: NFC, rings: 1 }), call({ id: 'z2', site: NFD, rings: 4 })] });
    expect(events.status, JSON.stringify(events.body)).toBe(201);
    expect(events.body.results.map((r: any) => r.event.site)).toEqual([NFC, NFC]);
    const milestone = await send('POST', '/milestones', { type: 'call', site: NFD, caseId: 'zc1', milestone: 'started', at: isoAgo(5) });
    expect(milestone.status, JSON.stringify(milestone.body)).toBe(201);
    expect(milestone.body.results[0].milestone.site).toBe(NFC);
    const site = await send('POST', '/sites', { id: 'Gene\u0300ve', timeZone: 'Europe/Zurich' });
    expect(site.status, JSON.stringify(site.body)).toBe(201);
    expect(site.body.id).toBe('Gen\u00e8ve');
    const key = await send('POST', '/keys', { name: 'zurich desk', scopes: ['ingest'], sites: [NFD] });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    expect(key.body.sites).toEqual([NFC]);
    expect((await send('POST', '/events', call({ id: 'z3', site: NFD }), key.body.key)).status).toBe(201);
    expect((await send('GET', `/kiosk?site=${q(NFD)}`, undefined, key.body.key)).body.site.id).toBe(NFC);
    const ids = await siteIds();
    expect(ids).toContain(NFC);
    expect(ids).not.toContain(NFD);
    expect(ids).toContain('Gen\u00e8ve');
  });

  it('a read finds the site by either spelling', async () => {
    const compliance = (site: string) => send('GET', `/compliance?site=${q(site)}&standard=call-answer-2-rings`);
    const [composed, decomposed] = [await compliance(NFC), await compliance(NFD)];
    expect(decomposed.status, JSON.stringify(decomposed.body)).toBe(200);
    expect(decomposed.body.standards).toEqual(composed.body.standards);
    expect(decomposed.body.standards[0]).toMatchObject({ denominator: 3 });
    expect((await send('GET', `/sites/${q(NFD)}`)).body).toMatchObject({ id: NFC, autoCreated: true });
    expect((await send('GET', `/sites/${q('Gene\u0300ve')}`)).body.id).toBe('Gen\u00e8ve');
    expect((await send('GET', `/sites/${q('Gene\u0300ve')}/history`)).body.id).toBe('Gen\u00e8ve');
    const exported = await send('GET', `/export/events?site=${q(NFD)}&from=${q(isoAgo(3600))}&format=json`);
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    expect(new Set(exported.body.rows.map((r: any) => r.event_id))).toEqual(new Set(['z1', 'z2', 'z3']));
    expect((await send('GET', `/clocks?site=${q(NFD)}`)).body.clocks.map((c: any) => c.caseId)).toEqual(['zc1']);
  });

  it('a site stored decomposed before the rule keeps its id and is read by it; new events take the NFC form', async () => {
    expect(await siteIds()).toContain(OLD);
    expect((await send('GET', `/sites/${q(OLD)}/history`)).body.id).toBe(OLD);
    const old = await send('GET', `/compliance?site=${q(OLD)}&standard=call-answer-2-rings`);
    expect(old.status, JSON.stringify(old.body)).toBe(200);
    expect(old.body.standards[0]).toMatchObject({ numerator: 1, denominator: 1 });
    const exported = await send('GET', `/export/events?site=${q(OLD)}&from=${q(isoAgo(3600))}&format=json`);
    expect(exported.body.rows.map((r: any) => [r.event_id, r.site])).toEqual([['old-1', OLD]]);
    const posted = await send('POST', '/events', call({ id: 'm1', site: OLD }));
    expect(posted.body.results[0].event.site).toBe(OLD.normalize('NFC'));
    // Its configuration is the NFC form's; posted again, its old event now names another site.
    expect((await send('PATCH', `/sites/${q(OLD)}`, { timeZone: 'Europe/Berlin' })).body.errors).toEqual([
      { path: 'id', message: `names the site "${OLD}", stored before site ids were normalised to Unicode NFC; its configuration stays as it is: configure "${OLD.normalize('NFC')}" instead` },
    ]);
    expect((await send('POST', '/events', ASCII_EVENT)).status).toBe(200);
    expect((await send('POST', '/events', OLD_EVENT)).status).toBe(409);
    expect((await send('DELETE', `/sites/${q(OLD)}`)).body.id).toBe(OLD);
  });
});
