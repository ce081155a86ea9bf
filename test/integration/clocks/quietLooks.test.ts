// A look at the open clocks skips a case until the next instant one of its clocks can change
// (services/clocks/watched.ts quietFrom/quietUntil). What is pushed must be what a look at every case pushes: each
// clock's at-risk and breach at its own instant while the others ring on unchanged, and a verdict recorded at a look
// shown on the case's standing at the next look, whichever case that look was for. Ingest and the open clocks on one
// SQLite store, time injected.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import type { ClocksUpdate } from '../../../server/src/protocol/eventTypes';
import { ClockService } from '../../../server/src/services/clocks';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { StandardsService } from '../../../server/src/services/standards';
import { storeBackend } from '../../../server/src/storeBackend';
import { testClock } from '../support/testClock';
import { removeDir, tempDataDir } from '../support/testServer';
import { callMilestone } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const dataDir = tempDataDir();
  const clock = testClock(T0);
  const now = () => clock.now();
  const store = await storeBackend.open({ dataDir, now });
  const standards = await StandardsService.open(store, DEFAULT_STANDARDS, now);
  const ingest = new IngestService({ store, standards, now, timeZone: 'UTC' });
  const errors: unknown[] = [];
  const clocks = await ClockService.open({ store, standards, ingest, clock, timeZone: 'UTC', onError: (e) => errors.push(e) });
  const updates: ClocksUpdate[] = [];
  clocks.onUpdate((u) => updates.push(u));
  clocks.start();
  await clocks.idle();
  cleanup.push(async () => {
    await clocks.close();
    await store.close();
    removeDir(dataDir);
  });
  const post = async (...items: unknown[]) => {
    expect((await ingest.ingestMilestones(items)).kind).toBe('stored');
    await clocks.idle();
  };
  const advanceTo = async (ms: number) => {
    await clock.advance(ms - clock.now());
    await clocks.idle();
  };
  return { updates, post, advanceTo, errors };
}

/** An update as compared here: its time, each changed clock's standing, closed cases and breaches by case. */
const summary = (u: ClocksUpdate) => ({
  at: u.serverTime,
  changed: u.changed.map((c) => [c.caseId, ...c.standards.map((s) => `${s.state}${s.judged ? ` judged ${s.judged.met ? 'met' : 'missed'}` : ''}`)]),
  closed: u.closed.map((k) => k.caseId),
  breaches: u.breaches.map((b) => b.caseId),
});

describe('looks that skip quiet cases', () => {
  it('push each clock at its own instants, and a verdict recorded at a look at the next look', async () => {
    // call-answer-2-rings: at risk from 9.6 s, a miss from 12 s on.
    const { updates, post, advanceTo, errors } = await setup();
    await post(callMilestone('a', 'started', T0));
    await advanceTo(T0 + 5_000);
    await post(callMilestone('b', 'started', T0 + 5_000));
    await advanceTo(T0 + 20_000);
    await post(callMilestone('a', 'answered', T0 + 20_000));
    await advanceTo(T0 + 30_000);
    expect(errors).toEqual([]);
    expect(updates.map(summary)).toEqual([
      { at: iso(T0), changed: [['a', 'running']], closed: [], breaches: [] },
      { at: iso(T0 + 5_000), changed: [['b', 'running']], closed: [], breaches: [] },
      { at: iso(T0 + 9_600), changed: [['a', 'at-risk']], closed: [], breaches: [] },
      // The miss is recorded after the look found the breach: its standing shows it at the next look (b's at-risk).
      { at: iso(T0 + 12_000), changed: [['a', 'breached']], closed: [], breaches: ['a'] },
      { at: iso(T0 + 14_600), changed: [['a', 'breached judged missed'], ['b', 'at-risk']], closed: [], breaches: [] },
      { at: iso(T0 + 17_000), changed: [['b', 'breached']], closed: [], breaches: ['b'] },
      { at: iso(T0 + 20_000), changed: [['b', 'breached judged missed']], closed: ['a'], breaches: [] },
    ]);
  });
});
