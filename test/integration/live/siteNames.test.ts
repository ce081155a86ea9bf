// The live snapshot names the configured sites (id and display name), so a dashboard names a site as incidents do;
// creating, renaming or retiring a site pushes a fresh snapshot to every connected client at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { adminHeaders, useTestServer } from '../support/testServer';
import { connected, postJson, type LiveClient } from '../clocks/support';

const server = useTestServer();
let client: LiveClient;
const snapshots: Snapshot[] = [];

beforeAll(async () => {
  expect((await postJson(server(), '/api/v1/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' })).status).toBe(201);
  const live = await connected(server());
  client = live.client;
  snapshots.push(live.snapshot);
  client.on('snapshot', (s) => snapshots.push(s));
});
afterAll(async () => {
  client.close();
});

/** The first snapshot received since the `from`th (or still to come) whose sites match. */
function snapshotWhere(from: number, match: (sites: Snapshot['sites']) => boolean): Promise<Snapshot> {
  return new Promise((resolve) => {
    const look = () => {
      const found = snapshots.slice(from).find((s) => match(s.sites));
      if (found) resolve(found);
      else client.once('snapshot', () => setImmediate(look));
    };
    look();
  });
}

const change = (method: 'PUT' | 'PATCH', path: string, body: unknown) => fetch(`${server().url}${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server().apiKey) }, body: JSON.stringify(body) });

describe('site names in the live snapshot', () => {
  it('lists the configured sites with their display names on connect', () => {
    expect(snapshots[0]!.sites).toEqual([{ id: 'harbour', name: 'Harbour' }]);
  });

  it('pushes a fresh snapshot when a site is created, renamed (PATCH, or PUT of the whole site) or retired', async () => {
    let from = snapshots.length;
    expect((await postJson(server(), '/api/v1/sites', { id: 'airport', name: 'Airport terminal', timeZone: 'UTC' })).status).toBe(201);
    await snapshotWhere(from, (sites) => sites?.some((s) => s.id === 'airport' && s.name === 'Airport terminal') ?? false);

    from = snapshots.length;
    expect((await change('PATCH', '/api/v1/sites/harbour', { name: 'Harbour front' })).status).toBe(200);
    await snapshotWhere(from, (sites) => sites?.some((s) => s.id === 'harbour' && s.name === 'Harbour front') ?? false);

    from = snapshots.length;
    expect((await change('PUT', '/api/v1/sites/harbour', { id: 'harbour', name: 'North harbour', timeZone: 'UTC', ringCycleSeconds: 6, hours: null, holidays: [] })).status).toBe(200);
    const renamed = await snapshotWhere(from, (sites) => sites?.some((s) => s.id === 'harbour' && s.name === 'North harbour') ?? false);
    expect(renamed.sites).toEqual(expect.arrayContaining([{ id: 'airport', name: 'Airport terminal' }]));

    from = snapshots.length;
    expect((await fetch(`${server().url}/api/v1/sites/airport`, { method: 'DELETE', headers: adminHeaders(server().apiKey) })).status).toBeLessThan(300);
    const retired = await snapshotWhere(from, (sites) => sites !== undefined && !sites.some((s) => s.id === 'airport'));
    expect(retired.sites).toEqual([{ id: 'harbour', name: 'North harbour' }]);
  });
});
