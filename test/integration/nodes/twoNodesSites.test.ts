// Two nodes on one PostgreSQL database, without Redis: a site created, renamed or retired through one node reaches a
// dashboard connected to the other as a fresh snapshot naming the site as it now is, as soon as that node hears the
// commit (pg_notify), not at the dashboard's next reconnect; the open clocks of the other node take a site's new
// settings as soon too.
import { expect, it } from 'vitest';
import type { Snapshot } from '../../../server/src/protocol';
import { testClock } from '../support/testClock';
import { adminHeaders, type TestServer } from '../support/testServer';
import { callMilestone, clockUpdates, connected, postJson, postMilestones, type LiveClient } from '../clocks/support';
import { nodesOnOneDatabase } from '../support/nodeDataDir';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const nodes = nodesOnOneDatabase('ringside_nodes_sites', 2, { clock: testClock(NOW) });
const a = (): TestServer => nodes[0]!;
const b = (): TestServer => nodes[1]!;

/** The next snapshot the client receives whose harbour entry is `name` (undefined: harbour is not listed). */
function snapshotNaming(client: LiveClient, name: string | undefined): Promise<Snapshot> {
  return new Promise((resolve) => {
    const heard = (snapshot: Snapshot) => {
      if (snapshot.sites?.find((s) => s.id === 'harbour')?.name !== name) return;
      client.off('snapshot', heard);
      resolve(snapshot);
    };
    client.on('snapshot', heard);
  });
}

async function request(server: TestServer, method: 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  await res.body?.cancel();
  return res.status;
}

it('a site created, renamed and retired through node A is pushed to a dashboard on node B each time', async () => {
  const { client, snapshot } = await connected(b());
  try {
    expect(snapshot.sites?.find((s) => s.id === 'harbour')).toBeUndefined();
    const created = snapshotNaming(client, 'Harbour');
    expect((await postJson(a(), '/api/v1/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' })).status).toBe(201);
    await created;

    const renamed = snapshotNaming(client, 'Harbour front desk');
    expect(await request(a(), 'PATCH', '/api/v1/sites/harbour', { name: 'Harbour front desk' })).toBe(200);
    expect((await renamed).sites).toContainEqual({ id: 'harbour', name: 'Harbour front desk' });

    const retired = snapshotNaming(client, undefined);
    expect(await request(a(), 'DELETE', '/api/v1/sites/harbour')).toBe(200);
    await retired;
  } finally {
    client.close();
  }
});

it('a rename through node B reaches a dashboard on node A the same way', async () => {
  expect((await postJson(b(), '/api/v1/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC' })).status).toBe(201);
  const { client, snapshot } = await connected(a());
  try {
    expect(snapshot.sites).toContainEqual({ id: 'harbour', name: 'Harbour' });
    const renamed = snapshotNaming(client, 'Harbour (east)');
    expect(await request(b(), 'PATCH', '/api/v1/sites/harbour', { name: 'Harbour (east)' })).toBe(200);
    await renamed;
  } finally {
    client.close();
  }
});

it("a ring cycle changed through node A moves the deadline of a call node B watches, pushed to B's dashboard", async () => {
  expect((await postJson(a(), '/api/v1/sites', { id: 'north', timeZone: 'UTC' })).status).toBe(201);
  const { client } = await connected(b());
  try {
    const updates = clockUpdates(client);
    expect((await postMilestones(b(), callMilestone('n1', 'started', NOW))).status).toBe(201);
    await updates.until((u) => u.changed.some((c) => c.caseId === 'n1' && c.standards[0]?.deadline === new Date(NOW + 12_000).toISOString()));
    expect(await request(a(), 'PATCH', '/api/v1/sites/north', { ringCycleSeconds: 3 })).toBe(200);
    // Two rings of 3 s.
    await updates.until((u) => u.changed.some((c) => c.caseId === 'n1' && c.standards[0]?.deadline === new Date(NOW + 6_000).toISOString()));
    const listed = await b().getJson('/api/v1/clocks?type=call');
    expect(listed.body.clocks[0].standards[0]).toMatchObject({ deadline: new Date(NOW + 6_000).toISOString(), atRiskAt: new Date(NOW + 4_800).toISOString() });
  } finally {
    client.close();
  }
});
