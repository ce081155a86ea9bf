// Two nodes on one PostgreSQL database: an event type defined over the API through one node is known to the other
// once that node hears the change (it reads the standards and the API's types again, and pushes a new snapshot), so
// milestones of the new type are accepted there too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabases } from '../support/postgres';
import { testClock } from '../support/testClock';
import { removeDir, startTestServer, type TestServer } from '../support/testServer';
import { connected, postJson, postMilestones } from '../clocks/support';
import { nodeDataDir } from '../support/nodeDataDir';

const databases = testDatabases('ringside_nodes_event_types');
const NOW = Date.parse('2026-06-01T12:00:00Z');
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  const databaseUrl = await databases.create();
  const clock = testClock(NOW);
  a = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock });
  b = await startTestServer({ dataDir: nodeDataDir(), databaseUrl, clock });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const s of [a, b]) if (s) removeDir(s.dataDir);
  await databases.dropAll();
});

const CALLBACK = {
  id: 'callback',
  name: 'Callbacks',
  milestones: [
    { id: 'requested', role: 'start' },
    { id: 'calledBack', role: 'stop', outcome: 'served' },
  ],
  measures: [{ id: 'callbackSeconds', from: 'requested', to: 'calledBack' }],
  maxOpenSeconds: 86_400,
};

it('a type defined through one node is known to the other once it hears the change', async () => {
  const { client } = await connected(b);
  try {
    const next = new Promise<void>((resolve) => client.once('snapshot', () => resolve()));
    expect((await postJson(a, '/api/v1/event-types', CALLBACK)).status).toBe(201);
    await next; // B read the change and pushed a new snapshot
    expect((await b.getJson('/api/v1/event-types')).body.eventTypes.map((t: { id: string }) => t.id)).toContain('callback');
    const posted = await postMilestones(b, { type: 'callback', site: 'harbour', caseId: 'C-1', milestone: 'requested', at: new Date(NOW).toISOString() });
    expect(posted.status).toBe(201);
  } finally {
    client.close();
  }
});
