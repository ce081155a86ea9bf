// Deadlines survive restarts: a server stopped before a call's deadline and started after it judges the overdue
// clock at once (breached, the miss recorded with reason 'deadline'), and the late stop keeps that verdict.
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { callMilestone, postMilestones, recentEvent } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const dataDir = tempDataDir();
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  removeDir(dataDir);
});

describe('a restart across a deadline', () => {
  it('judges the overdue clock at start-up, with no request', async () => {
    server = await startTestServer({ dataDir, clock: testClock(T0) });
    await postMilestones(server, callMilestone('s1', 'started', T0 - 2_000));
    expect((await server.getJson('/api/v1/clocks')).body.clocks[0].standards[0]).toMatchObject({ state: 'running' });
    await server.close();

    // Started 58 s later (the deadline was at T0 + 10 s): the first look judges it.
    server = await startTestServer({ dataDir, clock: testClock(T0 + 60_000) });
    await expect.poll(async () => (await server!.getJson('/api/v1/clocks?state=breached')).body.clocks[0]?.standards[0]).toMatchObject({
      standardId: 'call-answer-2-rings',
      state: 'breached',
      deadline: new Date(T0 + 10_000).toISOString(),
      judged: { met: false, reason: 'deadline' },
    });
    await postMilestones(server, callMilestone('s1', 'answered', T0 + 50_000));
    const judged = await recentEvent(server, 'case:call:north:s1');
    expect(judged!.judgements).toEqual([expect.objectContaining({ value: 9, met: false, counted: true, reason: 'deadline' })]);
  });
});
