// Two nodes on one PostgreSQL database: an event type defined over the API through one node is known to the other
// once that node hears the change (it reads the standards and the API's types again, and pushes a new snapshot), so
// milestones of the new type are accepted there too.
import { expect, it } from 'vitest';
import { testClock } from '../support/testClock';
import type { TestServer } from '../support/testServer';
import { connected, postJson, postMilestones } from '../clocks/support';
import { nodesOnOneDatabase } from '../support/nodeDataDir';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const nodes = nodesOnOneDatabase('ringside_nodes_event_types', 2, { clock: testClock(NOW) });
const a = (): TestServer => nodes[0]!;
const b = (): TestServer => nodes[1]!;

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
  const { client } = await connected(b());
  try {
    const next = new Promise<void>((resolve) => client.once('snapshot', () => resolve()));
    expect((await postJson(a(), '/api/v1/event-types', CALLBACK)).status).toBe(201);
    await next; // B read the change and pushed a new snapshot
    expect((await b().getJson('/api/v1/event-types')).body.eventTypes.map((t: { id: string }) => t.id)).toContain('callback');
    const posted = await postMilestones(b(), { type: 'callback', site: 'harbour', caseId: 'C-1', milestone: 'requested', at: new Date(NOW).toISOString() });
    expect(posted.status).toBe(201);
  } finally {
    client.close();
  }
});
