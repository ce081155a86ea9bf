// Two nodes on one PostgreSQL database: a key revoked through node A cuts the live sockets using it on node B too,
// at B's next check of its sockets' keys against the store (once a second; docs/security.md), not only on A, which
// hears its own revocation at once.
import { expect, it } from 'vitest';
import { connected, type LiveClient } from '../clocks/support';
import { byDeadline } from '../support/deadline';
import { testClock } from '../support/testClock';
import { adminHeaders, type TestServer } from '../support/testServer';
import { nodesOnOneDatabase } from '../support/nodeDataDir';

/** Both nodes' time: their checks run only when the test moves it. */
const clock = testClock();
const nodes = nodesOnOneDatabase('ringside_nodes_revoke', 2, { clock });
const a = (): TestServer => nodes[0]!;
const b = (): TestServer => nodes[1]!;

const disconnected = (client: LiveClient) => new Promise<string>((resolve) => client.once('disconnect', resolve));
const keysApi = (server: TestServer, method: 'POST' | 'DELETE', path: string, body?: unknown) =>
  fetch(`${server.url}/api/v1/keys${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders(server.apiKey) }, ...(body ? { body: JSON.stringify(body) } : {}) });

it("a key revoked through node A: its sockets on node B are cut at B's next check, and B's other sockets stay", async () => {
  const created = await keysApi(a(), 'POST', '', { name: 'wallboard', scopes: ['read'] });
  expect(created.status).toBe(201);
  const key = (await created.json()) as { id: string; key: string };
  const onA = (await connected({ url: a().url, apiKey: key.key })).client;
  const onB = (await connected({ url: b().url, apiKey: key.key })).client;
  const admin = (await connected(b())).client;
  try {
    const cutOnA = disconnected(onA);
    const cutOnB = disconnected(onB);
    expect((await keysApi(a(), 'DELETE', `/${key.id}`)).status).toBe(200);
    expect(await cutOnA).toBe('io server disconnect'); // the node that revoked: at once
    expect(onB.connected).toBe(true); // B has not looked yet

    await clock.advance(1000);
    expect(await byDeadline(cutOnB, 10_000, () => 'the socket on node B of the key revoked through node A was never cut')).toBe('io server disconnect');
    expect(admin.connected).toBe(true);
  } finally {
    for (const client of [onA, onB, admin]) client.close();
  }
});
