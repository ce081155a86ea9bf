// Retention prunes the milestones of closed cases like events, under its signed checkpoint: a complaint closed
// before the cutoff leaves neither its event nor its milestones, a complaint still open keeps all of its milestones
// (its clocks are read from them) and a recent one stays; the chain still verifies, the pruned milestones covered
// by the checkpoint. Runs on SQLite and (integration-postgres) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, restartTestServer, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { postMilestones } from './support';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const clock = testClock(NOW);
const dir = tempDataDir();
let server: TestServer;

const complaint = (caseId: string, milestone: string, atMs: number) => ({ type: 'complaint', site: 'harbour', caseId, milestone, at: new Date(atMs).toISOString() });
const closedCase = (caseId: string, receivedMs: number) =>
  ['received', 'acknowledged', 'resolved', 'followedUp'].map((m, i) => complaint(caseId, m, receivedMs + i * 3_600_000));

beforeAll(async () => {
  const first = await startTestServer({ dataDir: dir, clock });
  // ORPHAN: a call whose answer came alone, 20 days late: expiry closed it for want of its start, with no event.
  const orphan = { type: 'call', site: 'harbour', caseId: 'ORPHAN', milestone: 'answered', at: new Date(NOW - 20 * DAY).toISOString() };
  const milestones = [...closedCase('OLD', NOW - 20 * DAY), ...closedCase('RECENT', NOW - 2 * DAY), complaint('OPEN', 'received', NOW - 20 * DAY), orphan];
  expect((await postMilestones(first, { milestones })).status).toBe(201);
  server = await restartTestServer(first, { clock, retainDays: 7 });
});
afterAll(async () => {
  await server.close();
  removeDir(dir);
});

const exported = async (kind: string) => {
  const res = await fetch(`${server.url}/api/v1/export/${kind}?from=2026-01-01T00:00:00Z&to=2026-07-01T00:00:00Z&format=json`, { headers: { authorization: `Bearer ${server.apiKey}` } });
  return (JSON.parse(await res.text()) as { rows: Array<Record<string, unknown>> }).rows;
};

describe('retention and milestones', () => {
  it('prunes the milestones of cases closed before the cutoff and keeps those of open and recent cases', async () => {
    const kept = (await exported('milestones')).map((r) => `${String(r.case_id)}/${String(r.milestone)}`);
    expect(kept).toEqual(['RECENT/received', 'RECENT/acknowledged', 'RECENT/resolved', 'RECENT/followedUp', 'OPEN/received']);
    expect((await exported('events')).map((r) => r.event_id)).toEqual(['case:complaint:harbour:RECENT']);
    expect((await server.getJson('/api/v1/clocks?type=complaint')).body.clocks.map((c: { caseId: string }) => c.caseId)).toEqual(['OPEN']);
  });

  it('leaves a chain that verifies, the pruned milestones covered by the checkpoint', async () => {
    const verify = (await server.getJson('/api/v1/audit/verify')).body;
    expect(verify).toMatchObject({ intact: true, checkpoints: 1 });
    // The 4 milestones and the event (no complaint standard judged it): pruned links the checkpoint vouches for.
    expect(verify.pruned).toBeGreaterThanOrEqual(5);
    const log = await exported('audit-log');
    expect(log.find((r) => r.action === 'retention.prune')?.details).toMatch(/"milestones":5/);
  });

  it("leaves a case whose stop was pruned closed when its start arrives after all: the start alone is no case's end", async () => {
    const start = { type: 'call', site: 'harbour', caseId: 'ORPHAN', milestone: 'started', at: new Date(NOW - 20 * DAY - 5_000).toISOString() };
    expect((await postMilestones(server, start)).status).toBe(201);
    expect((await exported('events')).map((r) => r.event_id)).toEqual(['case:complaint:harbour:RECENT']);
    expect((await server.getJson('/api/v1/clocks?type=call')).body.clocks).toEqual([]);
  });
});
