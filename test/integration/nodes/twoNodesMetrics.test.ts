// Two nodes on one PostgreSQL database, each scraped on its own address as docs/operations.md says: one leads, and
// each counts the requests and events it took itself, not the other's.
import { expect, it, vi } from 'vitest';
import { callMilestone, postMilestones } from '../clocks/support';
import { call, TEST_ADMIN_KEY, type TestServer } from '../support/testServer';
import { nodesOnOneDatabase } from '../support/nodeDataDir';

const nodes = nodesOnOneDatabase('ringside_nodes_metrics', 2);

/** One sample of a node's GET /metrics, by `name{labels}` as written (0 when the node does not have it). */
async function sample(node: TestServer, series: string): Promise<number> {
  const res = await fetch(`${node.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

it('one node of the two leads, and each counts only the events posted to it', async () => {
  const [a, b] = [nodes[0]!, nodes[1]!];
  expect((await sample(a, 'ringside_leader')) + (await sample(b, 'ringside_leader'))).toBe(1);
  const before = [await sample(a, 'ringside_events_stored_total'), await sample(b, 'ringside_events_stored_total')];
  expect((await a.postEvents({ events: [call(), call({ rings: 4 })] })).status).toBe(201);
  expect((await b.postEvents(call())).status).toBe(201);
  expect(await sample(a, 'ringside_events_stored_total')).toBe(before[0]! + 2);
  expect(await sample(b, 'ringside_events_stored_total')).toBe(before[1]! + 1);
  expect(await sample(a, 'ringside_http_requests_total{route="/api/v1/events",method="POST",status="201"}')).toBe(1);
  expect(await sample(b, 'ringside_http_requests_total{route="/api/v1/events",method="POST",status="201"}')).toBe(1);
  expect(await sample(a, 'ringside_ready')).toBe(1);
  expect(await sample(b, 'ringside_ready')).toBe(1);
});

it("gives the store's open cases on every node: each node watches them all, so one node's figure is the count", async () => {
  const [a, b] = [nodes[0]!, nodes[1]!];
  expect((await postMilestones(a, callMilestone('metrics-open', 'started', Date.now()))).status).toBe(201);
  expect(await sample(a, 'ringside_open_cases')).toBe(1);
  // The other node hears of the case from the commit's notification.
  await vi.waitFor(async () => expect(await sample(b, 'ringside_open_cases')).toBe(1));
});
