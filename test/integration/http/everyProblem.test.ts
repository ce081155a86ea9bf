// One answer names every problem of a request (docs/api.md, "Errors"), also those a check can know only from what is
// stored (the sites, an event's type, the event types, a standard) or from the path: each request here has one
// problem of the body's own and one of those, and both are named in the one 400, on a real server and store.
import { describe, expect, it } from 'vitest';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const server = useTestServer();

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server().url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const answer: any = await res.json();
  return { status: res.status, body: answer };
}

/** The paths the 400 names, in its order, after checking it is one. */
async function refusedPaths(method: string, path: string, body: unknown): Promise<string[]> {
  const res = await send(method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  return res.body.errors.map((e: { path: string }) => e.path);
}

const ZONE = 'is not an IANA time zone known to this server (e.g. "Europe/Berlin")';
const site = { name: 'Harbour', timeZone: 'Europe/London', ringCycleSeconds: 3, hours: null, holidays: [] };
const standard = { name: 'Calls', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, formula: 'F3', shortAbandonSeconds: null, scope: {}, bands: { green: 0.9, amber: 0.8 }, windows: ['1h'], countOutsideHours: false, clock: 'wall' };
const callback = { name: 'Callback', milestones: [{ id: 'requested', role: 'start' }, { id: 'called', role: 'stop', outcome: 'served' }], measures: [{ id: 'callbackSeconds', from: 'requested', to: 'called' }], maxOpenSeconds: 86_400 };

describe('a request with a problem only the stored state or the path shows, and another', () => {
  it('POST /sites: an id differing from a stored site only in letter case, beside a bad time zone', async () => {
    expect((await send('POST', '/sites', { id: 'Harbour', ...site })).status).toBe(201);
    const res = await send('POST', '/sites', { id: 'harbour', timeZone: 'Mars/Base' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'timeZone', message: ZONE },
      { path: 'id', message: expect.stringMatching(/^new site "harbour" differs from another site only in letter case: .*\(did you mean "Harbour"\?\)$/) },
    ]);
    expect((await send('GET', '/sites/harbour')).status).toBe(404);
  });

  it('PUT and PATCH /sites/:id: a body id other than the path, beside a bad time zone', async () => {
    expect((await send('POST', '/sites', { id: 'pier', ...site })).status).toBe(201);
    const mismatch = { path: 'id', message: 'must match the site in the URL ("pier")' };
    const put = await send('PUT', '/sites/pier', { ...site, id: 'other', timeZone: 'Mars/Base' });
    expect([put.status, put.body.errors]).toEqual([400, [{ path: 'timeZone', message: ZONE }, mismatch]]);
    expect((await refusedPaths('PATCH', '/sites/pier', { id: 'other', timeZone: 'Mars/Base' })).sort()).toEqual(['id', 'timeZone']);
    // The same id, spelt as the body's ids are read (trimmed), is the path's.
    expect((await send('PATCH', '/sites/pier', { id: ' pier ', name: 'Pier' })).status).toBe(200);
  });

  it('POST /events/:id/amend: a field the event\'s type does not have, beside an empty reason', async () => {
    expect((await server().postEvents(call({ id: 'amend-1', site: 'Harbour' }))).status).toBe(201);
    const res = await send('POST', '/events/amend-1/amend', { reason: '', changes: { greetSeconds: 4, outcome: 'greeted' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'reason', message: 'must not be empty' },
      { path: 'changes.outcome', message: expect.stringMatching(/^must be one of answered, abandoned \(got "greeted"\).*, as the event is a call$/) },
      { path: 'changes.greetSeconds', message: 'a call has no greetSeconds' },
    ]);
  });

  it('POST /standards: an unknown event type, or a business clock on a call, beside a bad target; PUT naming another id, with the same', async () => {
    expect((await refusedPaths('POST', '/standards', { id: 'cb-1', name: 'Callbacks', eventType: 'callback', measure: 'callbackSeconds', threshold: 60, target: 5 })).sort()).toEqual(['eventType', 'target']);
    expect((await refusedPaths('POST', '/standards', { ...standard, id: 'cb-2', clock: 'business', target: 5 })).sort()).toEqual(['clock', 'target']);
    expect((await send('POST', '/standards', { id: 'calls-2', ...standard })).status).toBe(201);
    const put = await send('PUT', '/standards/calls-2', { ...standard, id: 'other', eventType: 'callback', target: 5 });
    expect(put.status).toBe(400);
    expect(put.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['eventType', 'id', 'target']);
    expect(put.body.errors).toContainEqual({ path: 'id', message: 'must match the standard in the URL ("calls-2")' });
  });

  it('PATCH /standards/:id: another id and an unknown event type, beside a bad target', async () => {
    expect((await send('POST', '/standards', { id: 'calls-3', ...standard })).status).toBe(201);
    expect((await refusedPaths('PATCH', '/standards/calls-3', { id: 'other', eventType: 'callback', target: 5 })).sort()).toEqual(['eventType', 'id', 'target']);
    expect((await send('GET', '/standards/calls-3')).body).toMatchObject({ version: 1, eventType: 'call', target: 0.9 });
  });

  it('PUT /event-types/:id: a body id other than the path, beside a bad field', async () => {
    expect((await send('POST', '/event-types', { id: 'callback', ...callback })).status).toBe(201);
    const res = await send('PUT', '/event-types/callback', { ...callback, id: 'ring-back', maxOpenSeconds: -1 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['id', 'maxOpenSeconds']);
    expect(res.body.errors).toContainEqual({ path: 'id', message: 'must match the event type in the URL ("callback")' });
  });

  it('GET /staffing/forecast: a standard no forecast can be made for, beside a bad date', async () => {
    expect((await send('POST', '/standards', { id: 'all-calls', ...standard, target: 1 })).status).toBe(201);
    const res = await send('GET', '/staffing/forecast?site=Harbour&standard=all-calls&date=2026-02-30');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'standard', message: 'has target 1: a forecast needs a target strictly between 0 and 1' },
      { path: 'date', message: 'is not a real date (got "2026-02-30")' },
    ]);
  });
});
