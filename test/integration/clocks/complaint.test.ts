// A complaint posted as milestones over HTTP, on a site open 09:00–17:00: its acknowledgement clock counts only
// business hours, is breached at its deadline with no further request (pushed to a real Socket.IO client) and the
// miss is recorded then; the other clocks start at their own milestones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { clockUpdates, COMPLAINT_STANDARDS, connected, postJson, postMilestones, recentEvent, type LiveClient } from './support';

const MONDAY_3PM = Date.parse('2026-06-01T15:00:00Z');
const clock = testClock(MONDAY_3PM);
const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, ['09:00-17:00']]));
const server = useTestServer({ clock });
let client: LiveClient;

beforeAll(async () => {
  for (const s of COMPLAINT_STANDARDS) expect((await postJson(server(), '/api/v1/standards', s)).status).toBe(201);
  expect((await postJson(server(), '/api/v1/sites', { id: 'harbour', timeZone: 'UTC', hours: weekdays })).status).toBe(201);
  client = (await connected(server())).client;
});
afterAll(async () => {
  client.close();
});

const complaint = (milestone: string, atMs: number) => ({ type: 'complaint', site: 'harbour', caseId: 'K-1', milestone, at: new Date(atMs).toISOString() });

describe('a complaint posted as milestones', () => {
  it('is breached at its business-hours deadline with no further request, pushed live, and judged missed then', async () => {
    const updates = clockUpdates(client);
    expect((await postMilestones(server(), complaint('received', MONDAY_3PM))).status).toBe(201);
    // 4 business hours from Monday 15:00: Monday 15–17, Tuesday 09–11.
    const deadline = '2026-06-02T11:00:00.000Z';
    const opened = await updates.until((u) => u.changed.some((c) => c.caseId === 'K-1'));
    expect(opened.changed[0]!.standards).toEqual([
      { standardId: 'complaint-ack-4bh', standardVersion: 1, standardLabel: 'Complaints ≤ 4 h', deadline, atRiskAt: '2026-06-02T10:12:00.000Z', state: 'running' },
      // 3 business days = 24 business hours from Monday 15:00: Monday 2 h, Tuesday–Thursday 8 h each → Thursday 15:00.
      { standardId: 'complaint-resolve-3bd', standardVersion: 1, standardLabel: 'Complaints ≤ 24 h', deadline: '2026-06-04T15:00:00.000Z', atRiskAt: expect.any(String), state: 'running' },
    ]);

    await clock.skipTo(Date.parse(deadline) + 1);
    const breach = await updates.until((u) => u.breaches.length > 0);
    expect(breach.breaches).toEqual([{ type: 'complaint', site: 'harbour', caseId: 'K-1', standardId: 'complaint-ack-4bh', standardVersion: 1, standardLabel: 'Complaints ≤ 4 h', deadline, missed: true }]);
    const listed = await server().getJson('/api/v1/clocks?type=complaint&state=breached');
    expect(listed.body.clocks).toEqual([expect.objectContaining({ caseId: 'K-1' })]);
    expect(listed.body.clocks[0].standards[0]).toMatchObject({ standardId: 'complaint-ack-4bh', state: 'breached', judged: { met: false, reason: 'deadline' } });

    // Acknowledged late: the ack clock stops, the recorded miss stands; resolve keeps running.
    await postMilestones(server(), complaint('acknowledged', Date.parse(deadline) + 1));
    const after = await updates.until((u) => u.changed.some((c) => c.caseId === 'K-1' && c.standards.length === 1));
    expect(after.changed.find((c) => c.caseId === 'K-1')!.standards.map((s) => s.standardId)).toEqual(['complaint-resolve-3bd']);
  });

  it('is judged by its own times when an acknowledgement timed before the deadline arrives after it: met, the recorded miss given way', async () => {
    const updates = clockUpdates(client);
    const k2 = (milestone: string, at: string) => ({ type: 'complaint', site: 'harbour', caseId: 'K-2', milestone, at });
    expect((await postMilestones(server(), k2('received', '2026-06-02T11:00:00Z'))).status).toBe(201);
    await clock.skipTo(Date.parse('2026-06-02T15:00:00Z') + 1);
    expect((await updates.until((u) => u.breaches.some((b) => b.caseId === 'K-2'))).breaches).toEqual([expect.objectContaining({ caseId: 'K-2', standardId: 'complaint-ack-4bh', missed: true })]);
    // Acknowledged at 12:00, the milestone held back until after the deadline; then resolved and followed up.
    for (const [milestone, at] of [['acknowledged', '2026-06-02T12:00:00Z'], ['resolved', '2026-06-02T14:00:00Z'], ['followedUp', '2026-06-02T15:00:00Z']] as const) {
      expect((await postMilestones(server(), k2(milestone, at))).status).toBe(201);
    }
    await updates.until((u) => u.closed.some((k) => k.caseId === 'K-2'));
    const judged = await recentEvent(server(), 'case:complaint:harbour:K-2');
    expect(judged!.judgements.map((j: { standardId: string; met: boolean; reason: string | null }) => [j.standardId, j.met, j.reason])).toEqual([
      ['complaint-ack-4bh', true, null],
      ['complaint-follow-up-2d', true, null],
      ['complaint-resolve-3bd', true, null],
    ]);
  });
});
