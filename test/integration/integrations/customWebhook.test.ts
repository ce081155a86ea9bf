// POST /api/v1/integrations/custom/:id against a real server whose standards file declares JSONata mappings:
// a door system's own JSON becomes visit milestones (open clocks), a phone system's batch becomes call events,
// what the mapping produces is validated like any posted item (problems name the integration and the mapped
// field), and a file with a bad expression is refused with the expression's position.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, removeDir, startTestServer, tempStandardsFile, type TestServer } from '../support/testServer';

const STANDARDS = `
integrations:
  - id: doors
    map: |
      event = "door.open" ? {
        "type": "visit", "site": door.building, "caseId": visitor.badge, "milestone": "arrived",
        "at": time, "id": "door-" & visitor.badge
      }
  - id: pbx
    map: |
      calls.{
        "type": "call", "site": "north", "id": "pbx-" & uid, "occurredAt": start,
        "outcome": answered ? "answered" : "abandoned", "answerSeconds": wait
      }
  - id: tickets
    map: '{"type": "complaint", "site": "north", "caseId": ticket, "milestone": "received", "at": $fromMillis($number(ms))}'
  - id: stamped
    map: '{"type": "call", "site": "north", "id": "st-" & uid, "occurredAt": $fromMillis($toMillis(start)), "outcome": "answered", "rings": 1}'
  - id: passthrough
    map: payload
`;

const dirs: string[] = [];
let server: TestServer;

const standardsFile = (text: string) => tempStandardsFile(text, dirs);

async function post(id: string, body: unknown, key = server.apiKey): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/api/v1/integrations/custom/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(key) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const isoAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();
const door = (badge: string, extra: Record<string, unknown> = {}) => ({ event: 'door.open', door: { building: 'north' }, visitor: { badge }, time: isoAgo(30), ...extra });

beforeAll(async () => {
  server = await startTestServer({ standardsFile: standardsFile(STANDARDS) });
});
afterAll(async () => {
  await server.close();
  dirs.forEach(removeDir);
});

describe('custom webhook integrations', () => {
  it('maps a posted body to milestones: stored (201), the same again a duplicate (200), the clock open', async () => {
    const body = door('b-17');
    const first = await post('doors', body);
    expect(first.status).toBe(201);
    expect(first.body.results[0].milestone).toMatchObject({ type: 'visit', site: 'north', caseId: 'b-17', milestone: 'arrived', id: 'door-b-17' });
    expect((await post('doors', body)).status).toBe(200);
    const clocks = (await server.getJson('/api/v1/clocks')).body.clocks as { caseId: string; site: string }[];
    expect(clocks).toEqual([expect.objectContaining({ caseId: 'b-17', site: 'north' })]);
  });

  it('maps a batch to call events, all or nothing', async () => {
    const calls = [
      { uid: 'c1', start: isoAgo(120), answered: true, wait: 12 },
      { uid: 'c2', start: isoAgo(100), answered: false, wait: 40 },
    ];
    const stored = await post('pbx', { calls });
    expect(stored.status).toBe(201);
    expect(stored.body.results.map((r: { id: string }) => r.id)).toEqual(['pbx-c1', 'pbx-c2']);
    const bad = await post('pbx', { calls: [{ uid: 'c3', start: isoAgo(90), answered: true, wait: 3 }, { uid: 'c4', start: 'yesterday', answered: true, wait: 5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^integration "pbx": 1 invalid field\(s\); nothing from this request was stored$/);
    expect(bad.body.errors).toEqual([{ path: 'mapped.1.occurredAt', message: expect.stringMatching(/RFC 3339/) }]);
  });

  it('names the integration and the mapped field when what it produced is not a valid milestone', async () => {
    const res = await post('doors', door('b-18', { time: 'at noon' }));
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^integration "doors": 1 invalid field\(s\)/);
    expect(res.body.errors).toEqual([{ path: 'mapped.at', message: expect.stringMatching(/RFC 3339/) }]);
    const noSite = await post('doors', { event: 'door.open', visitor: { badge: 'b-19' }, time: isoAgo(5) });
    expect(noSite.body.errors).toEqual([{ path: 'mapped.site', message: expect.any(String) }]);
  });

  it('names another item of the mapping as its paths do (mapped.N), where a problem points at it', async () => {
    const visit = (milestone: string, secondsAgo: number) => ({ type: 'visit', site: 'north', caseId: 'p-4', milestone, at: isoAgo(secondsAgo) });
    const res = await post('passthrough', { payload: [visit('arrived', 1), visit('greeted', 5)] });
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([{ path: 'mapped.1.at', message: expect.stringMatching(/^is before the case's "arrived" milestone \(mapped\.0 of this request, at /) }]);
    expect(res.body.detail).not.toMatch(/milestones\.0/);
  });

  it('records nothing (200) when the mapping produces nothing, and answers a failing mapping or an unknown id', async () => {
    expect(await post('doors', { event: 'door.closed' })).toEqual({ status: 200, body: { results: [] } });
    const failing = await post('tickets', { ticket: 't-1', ms: 'soon' });
    expect(failing.status).toBe(400);
    expect(failing.body.detail).toMatch(/^integration "tickets": the mapping failed on this body: Unable to cast value to a number: "soon" at position \d+; nothing from this request was stored$/);
    const notObjects = await post('passthrough', { payload: 'door open' });
    expect(notObjects).toMatchObject({
      status: 400,
      body: { type: 'https://ringside.dev/problems/invalid-mapping-output', detail: 'integration "passthrough": the mapping must produce an object or an array of objects; it produced "door open"; nothing from this request was stored' },
    });
    // An item of an array that is not an object is named by its path, as an item's bad field is (mapped.1.caseId).
    const notAnItem = await post('passthrough', { payload: [{ type: 'visit' }, 2] });
    expect(notAnItem).toMatchObject({ status: 400, body: { type: 'https://ringside.dev/problems/invalid-mapping-output', errors: [{ path: 'mapped.1', message: 'must produce an object or an array of objects; item 1 is 2' }] } });
    const extraFields = await post('pbx', { calls: [{ uid: 'c5', start: isoAgo(5), answered: true, wait: 5 }] , extra: 1 });
    expect(extraFields.status).toBe(201);
    const unknown = await post('tills', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('no custom integration "tills" (the standards file declares doors, pbx, tickets, stamped, passthrough)');
    expect(unknown.body.errors).toEqual([{ path: 'id', message: 'unknown integration "tills" (the standards file declares doors, pbx, tickets, stamped, passthrough)' }]);
    const misspelt = await post('door', {});
    expect([misspelt.status, misspelt.body.type.split('/').pop()]).toEqual([404, 'integration-not-found']);
    expect(misspelt.body.detail).toBe('no custom integration "door" (the standards file declares doors, pbx, tickets, stamped, passthrough) (did you mean "doors"?)');
    expect(misspelt.body.errors).toEqual([{ path: 'id', message: 'unknown integration "door" (the standards file declares doors, pbx, tickets, stamped, passthrough) (did you mean "doors"?)' }]);
    const notJson = await fetch(`${server.url}/api/v1/integrations/custom/doors`, { method: 'POST', headers: { 'content-type': 'text/plain', ...adminHeaders(server.apiKey) }, body: 'door open' });
    expect(notJson.status).toBe(415);
  });

  it('refuses a date that does not exist read by $toMillis, naming the value, instead of storing another day', async () => {
    const impossible = await post('stamped', { uid: 's1', start: '2026-02-31T09:00:00Z' });
    expect(impossible.status).toBe(400);
    expect(impossible.body).toMatchObject({
      detail: expect.stringMatching(/^integration "stamped": the mapping failed on this body: \$toMillis\("2026-02-31T09:00:00Z"\): is not a real date and time at position \d+; nothing from this request was stored$/),
      errors: [{ path: '(body)', message: expect.stringContaining('$toMillis("2026-02-31T09:00:00Z"): is not a real date and time') }],
    });
    const real = await post('stamped', { uid: 's1', start: '2026-02-28T09:00:00Z' });
    expect(real.status).toBe(201);
    expect(real.body.results[0].event).toMatchObject({ id: 'st-s1', occurredAt: '2026-02-28T09:00:00.000Z' });
  });

  it('refuses a query parameter (400 invalid-query naming it) and stores nothing: a sender posts to the bare URL', async () => {
    const res = await post('doors?x=1', door('b-20'));
    expect(res).toMatchObject({ status: 400, body: { type: 'https://ringside.dev/problems/invalid-query', errors: [{ path: 'x', message: 'is not a known parameter (this route takes none)' }] } });
    const clocks = (await server.getJson('/api/v1/clocks')).body.clocks as { caseId: string }[];
    expect(clocks.map((c) => c.caseId)).not.toContain('b-20');
    expect((await post('doors', door('b-20'))).status).toBe(201);
  });

  it('holds a mapping to the batch limit of POST /events: 5001 calls are refused (413) and none stored', async () => {
    const calls = Array.from({ length: 5001 }, (_, i) => ({ uid: `many-${i}`, start: isoAgo(60), answered: true, wait: 3 }));
    const res = await post('pbx', { calls });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      title: 'Batch too large',
      detail: 'integration "pbx": mapped must be at most 5000 events, as one POST /events takes (the mapping produced 5001)',
      errors: [{ path: 'mapped', message: 'must be at most 5000 events, as one POST /events takes (the mapping produced 5001)' }],
    });
    expect((await post('pbx', { calls: calls.slice(0, 1) })).status).toBe(201);
  });

  it('takes a key with scope ingest, and refuses a read-only key (403)', async () => {
    const create = async (scope: string) => {
      const res = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, body: JSON.stringify({ name: `doors-${scope}`, scopes: [scope] }) });
      return ((await res.json()) as { key: string }).key;
    };
    expect((await post('doors', { event: 'door.closed' }, await create('ingest'))).status).toBe(200);
    expect((await post('doors', { event: 'door.closed' }, await create('read'))).status).toBe(403);
  });

  it('refuses a standards file whose expression does not compile, naming where; a reload keeps the last good set', async () => {
    const bad = standardsFile('integrations:\n  - id: doors\n    map: \'{"caseId": visitor.badge, "milestone": }\'\n  - id: doors\n    map: "x"\n');
    await expect(startTestServer({ standardsFile: bad })).rejects.toThrow(/integrations\.0\.map: is not a valid JSONata expression: .* at position \d+[^]*integrations\.1\.id: duplicates integrations\.0\.id/);
    const file = standardsFile(STANDARDS);
    const reloading = await startTestServer({ standardsFile: file });
    try {
      writeFileSync(file, 'integrations:\n  - id: doors\n    map: "visitor.("\n');
      const reload = await reloading.reloadStandards();
      expect(reload).toEqual({ ok: false, problems: [{ path: 'integrations.0.map', message: expect.stringMatching(/position \d+/) }] });
      const res = await fetch(`${reloading.url}/api/v1/integrations/custom/doors`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(reloading.apiKey) }, body: JSON.stringify({ event: 'door.closed' }) });
      expect(res.status).toBe(200);
    } finally {
      await reloading.close();
    }
  });
});
