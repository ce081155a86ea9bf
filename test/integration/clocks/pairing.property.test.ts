// Property (fast-check, a real server): posting a set of calls and visits as milestones, shuffled, with some
// milestones duplicated, split across requests and across a restart of the server, gives every case the same
// judgements as posting it as a finished event. The clock stands before every deadline, so no deadline passes
// while the milestones arrive (a miss recorded at a deadline says reason 'deadline' instead).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';
import { testClock } from '../support/testClock';
import { postMilestones, snapshotOf } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');

interface Case {
  type: 'call' | 'visit';
  gaveUp: boolean;
  /** Start after T0 (ms) and wait until the stop (ms): everything inside the 5 minutes a post may be ahead. */
  startMs: number;
  waitMs: number;
  queue: string | null;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  type: fc.constantFrom('call' as const, 'visit' as const),
  gaveUp: fc.boolean(),
  startMs: fc.integer({ min: 0, max: 200_000 }),
  waitMs: fc.integer({ min: 0, max: 60_000 }),
  queue: fc.constantFrom(null, 'sales'),
});

const STOPS = { call: { start: 'started', served: 'answered', gaveUp: 'abandoned' }, visit: { start: 'arrived', served: 'greeted', gaveUp: 'left' } } as const;

function milestonesOf(c: Case, i: number) {
  const names = STOPS[c.type];
  const base = { type: c.type, site: 'north', caseId: `p${i}` };
  return [
    { ...base, milestone: names.start, at: new Date(T0 + c.startMs).toISOString(), ...(c.type === 'call' && c.queue ? { queue: c.queue } : {}) },
    { ...base, milestone: c.gaveUp ? names.gaveUp : names.served, at: new Date(T0 + c.startMs + c.waitMs).toISOString() },
  ];
}

function finishedEventOf(c: Case, i: number) {
  const names = STOPS[c.type];
  const common = { id: `f${i}`, type: c.type, site: 'north', occurredAt: new Date(T0 + c.startMs).toISOString(), outcome: c.gaveUp ? names.gaveUp : names.served };
  return c.type === 'call' ? { ...common, answerSeconds: c.waitMs / 1000, ...(c.queue ? { queue: c.queue } : {}) } : { ...common, greetSeconds: c.waitMs / 1000 };
}

const judgementsOf = async (server: TestServer) => new Map((await snapshotOf(server)).recent.map((j) => [j.event.id, j.judgements]));

describe('milestones pair into the same judgements as finished events', () => {
  it('in any order, duplicated, split across requests and a restart', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (cases, seed) => {
          const dataDir = tempDataDir();
          let server = await startTestServer({ dataDir, clock: testClock(T0) });
          try {
            const all = cases.flatMap(milestonesOf);
            const order = fc.sample(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), { seed, numRuns: 1 })[0]!;
            const duplicated = [...order, ...order.filter((_, i) => (seed >> i % 31) & 1)];
            const cut = seed % (duplicated.length + 1);
            const [before, after] = [duplicated.slice(0, cut), duplicated.slice(cut)];
            for (const [i, m] of before.entries()) expect((await postMilestones(server, i % 2 ? { milestones: [m] } : m)).status).toBeLessThan(300);
            await server.close();
            server = await startTestServer({ dataDir, clock: testClock(T0) });
            if (after.length > 0) expect((await postMilestones(server, { milestones: after })).status).toBeLessThan(300);
            for (const [i, c] of cases.entries()) expect((await server.postEvents(finishedEventOf(c, i))).status).toBe(201);
            const judged = await judgementsOf(server);
            cases.forEach((c, i) => {
              expect(judged.get(`case:${c.type}:north:p${i}`), `case ${i}`).toEqual(judged.get(`f${i}`));
            });
            expect((await server.getJson('/api/v1/clocks')).body.clocks).toEqual([]);
          } finally {
            await server.close();
            removeDir(dataDir);
          }
        },
      ),
      { numRuns: Number(process.env.PAIRING_RUNS ?? 12) },
    );
  });
});
