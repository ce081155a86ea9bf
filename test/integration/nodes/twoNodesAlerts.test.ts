// Two nodes in one process on one PostgreSQL database and one test clock: node A started first and leads, so it alone
// evaluates; node B only stores and serves. Batches posted to B are evaluated by A (B's commits notify it), and an
// acknowledgement made through B is what A's next evaluation starts from: an escalation beyond it clears it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Incident } from '../../../server/src/protocol';
import { BANDS_ONLY, calls, MINUTE, state, T0 } from '../support/alertSupport';
import { testDatabases } from '../support/postgres';
import { testClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';
import { nodeDataDir } from '../support/nodeDataDir';

const databases = testDatabases('ringside_nodes_alerts_ack');
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const databaseUrl = await databases.create();
  const clock = testClock(T0);
  const alerts = { intervalMs: 0, throttleMs: 0, policy: BANDS_ONLY };
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock, alerts });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock, alerts });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

const incident = async (server: TestServer) => (await server.getJson('/api/v1/incidents/1')).body as Incident;

it('only the leader evaluates; what is posted to the other node is evaluated there', async () => {
  expect((await b.postEvents({ events: calls(17, 2, T0 - MINUTE) })).status).toBe(201); // 89.5 %: amber
  expect(await b.testApi.evaluateAlerts()).toEqual([]); // B does not lead: it never evaluates
  await a.testApi.evaluateAlerts(); // already done on B's notification, or done now: the same incident either way
  expect(((await b.getJson('/api/v1/incidents')).body.incidents as Incident[]).map(state)).toEqual([[1, 'downtown', 'open', 'amber']]);
});

it('an acknowledgement made through B is cleared by an escalation the leader finds', async () => {
  const ack = await fetch(`${b.url}/api/v1/incidents/1/ack`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders(b.apiKey) }, body: JSON.stringify({ by: 'ana' }) });
  expect(ack.status).toBe(200);
  expect(await incident(a)).toMatchObject({ severity: 'amber', acknowledgedSeverity: 'amber', acknowledgedBy: 'ana' });

  expect((await b.postEvents({ events: calls(0, 5, T0 - MINUTE) })).status).toBe(201); // 17/24 = 70.8 %: red
  await a.testApi.evaluateAlerts();
  expect(await incident(b)).toMatchObject({ severity: 'red', acknowledgedSeverity: null });
  const kinds = ((await b.getJson('/api/v1/incidents/1')).body as { changes?: Array<{ kind: string }> }).changes?.map((c) => c.kind);
  expect(kinds).toEqual(['opened', 'acknowledged', 'escalated']);
});
