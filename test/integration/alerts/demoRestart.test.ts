// The demo started again on its own data folder: the cases the earlier run left open (its simulator stopped with it)
// are withdrawn, not left to wait out their expiry as overdue on a board of red; the new run's cases run as before.
import { afterAll, describe, expect, it } from 'vitest';
import type { OpenClock } from '../../../server/src/protocol';
import { testClock } from '../support/testClock';
import { removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

const dataDir = tempDataDir();
const clock = testClock(Date.parse('2026-03-02T09:00:00Z'));
let server: TestServer | undefined;

afterAll(async () => {
  await server?.close();
  removeDir(dataDir);
});

const openCases = async (s: TestServer) => (await s.getJson('/api/v1/clocks')).body.clocks as OpenClock[];
const ofSeed = (clocks: OpenClock[], seed: number) => clocks.filter((c) => c.caseId.startsWith(`demo-${seed}-`));

/** Moves the test clock a second at a time until `done` holds (each second's ingest settles first). */
async function advanceUntil(done: () => Promise<boolean>, seconds = 120): Promise<void> {
  for (let s = 0; s < seconds; s += 1) {
    if (await done()) return;
    await clock.advance(1000);
  }
  throw new Error(`not reached within ${seconds} s of the test clock`);
}

describe('the demo started again on the same data folder', () => {
  it('withdraws the cases the earlier run left open, and runs its own', async () => {
    server = await startTestServer({ clock, dataDir, demo: true, demoSeed: 11 });
    await advanceUntil(async () => ofSeed(await openCases(server!), 11).length >= 3);
    const left = ofSeed(await openCases(server), 11);
    await server.close();
    // The demo was down for three hours: past every left case's deadline and its expiry, which the open clocks would
    // judge (a breach, then a miss closing it as expired) the moment they load, were the cases not withdrawn first.
    await clock.advance(3 * 3_600_000);

    server = await startTestServer({ clock, dataDir, demo: true, demoSeed: 12 });
    await advanceUntil(async () => ofSeed(await openCases(server!), 12).length > 0);
    expect(ofSeed(await openCases(server), 11)).toEqual([]);
    // Withdrawn, not judged: no finished event of theirs was stored, so no breach or miss counts against a site.
    const exported = (await server.getJson('/api/v1/export/events?format=json&from=2026-03-01T00:00:00Z')).body.rows as Array<{ event_id: string }>;
    const ids = new Set(exported.map((r) => r.event_id));
    expect(ids.size).toBeGreaterThan(0);
    for (const c of left) expect(ids.has(`case:${c.type}:${c.site}:${c.caseId}`), c.caseId).toBe(false);
  }, 300_000);
});
