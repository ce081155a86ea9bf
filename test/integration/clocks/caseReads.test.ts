// A stop whose case has no stored stop has its case row read once in its write, on both backends: the check for a
// contradicting stop (services/ingest/milestones.ts contradictingStops) reads it to learn whether an event closed
// the case, and settling the case later in the same write takes that row instead of reading it again. What the
// write leaves is as before: the open case closes with its finished event, the stop named like the outcome of the
// event that closed a case is stored and changes nothing, and the same holds through an integration's feed.
// An event posted with a caseId reads its case's milestones once, for the start it is checked against and the stop
// it must not contradict (services/ingest/caseStart.ts), through POST /events and through a feed; a misdated one is
// refused naming that start.
import { afterAll, describe, expect, it } from 'vitest';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import type { CaseKey, Store, WriteTx } from '../../../server/src/store/port';
import { openTestCore, type TestCore } from '../support/core';
import { testDatabases } from '../support/postgres';
import { removeDir, tempDataDir } from '../support/testServer';
import { callMilestone } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const databases = testDatabases();
afterAll(() => databases.dropAll());

const caseId = (k: CaseKey) => k.caseId;
/** Each backend, with the database URL of a fresh store on it (none: a SQLite file). */
const BACKENDS: Array<[string, () => Promise<string | undefined>]> = [
  ['SQLite', async () => undefined],
  ['PostgreSQL', () => databases.create()],
];

/**
 * `tx` with each read of a case row (tx.cases.get) named in `reads`, and each read of a case's milestones in
 * `milestoneReads` (the case, and the milestone asked for or "all"), in its savepoints too.
 */
function counting(tx: WriteTx, reads: string[], milestoneReads: string[]): WriteTx {
  return new Proxy(tx, {
    get(target, prop) {
      if (prop === 'cases') {
        return {
          ...target.cases,
          get: (k: CaseKey) => (reads.push(caseId(k)), target.cases.get(k)),
          milestones: (k: CaseKey, milestone?: string) => (milestoneReads.push(`${caseId(k)}: ${milestone ?? 'all'}`), target.cases.milestones(k, milestone)),
        };
      }
      if (prop === 'savepoint') return <T>(fn: (part: WriteTx) => Promise<T>) => target.savepoint((part) => fn(counting(part, reads, milestoneReads)));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A core whose store's writes count their case-row reads in `reads`, and their milestone reads in `milestoneReads`. */
async function countingCore(databaseUrl?: string): Promise<{ core: TestCore; reads: string[]; milestoneReads: string[]; dataDir: string }> {
  const dataDir = tempDataDir();
  const reads: string[] = [];
  const milestoneReads: string[] = [];
  const core = await openTestCore(dataDir, { now: () => T0, ...(databaseUrl ? { databaseUrl } : {}) });
  const store: Store = core.store;
  const wrapped: Store = {
    reads: store.reads,
    coordination: store.coordination,
    write: (fn) => store.write((tx) => fn(counting(tx, reads, milestoneReads))),
    snapshot: (fn) => store.snapshot(fn),
    writable: () => store.writable(),
    close: () => store.close(),
  };
  const ingest = new IngestService({ store: wrapped, standards: core.standards, now: () => T0, timeZone: 'UTC', registry: () => core.standards.eventTypes() });
  return { core: { ...core, ingest }, reads, milestoneReads, dataDir };
}

const m = (id: string, milestone: string, secondsBefore: number, extra: Record<string, unknown> = {}) => callMilestone(id, milestone, T0 - secondsBefore * 1000, extra);
const event = (id: string) => ({ id: `ev-${id}`, type: 'call', site: 'north', caseId: id, occurredAt: new Date(T0 - 60_000).toISOString(), outcome: 'answered', answerSeconds: 12 });

describe.each(BACKENDS)('a stop reads its case row once (%s)', (_backend, databaseUrl) => {
  it('through POST /milestones and through a feed: the open case closes with its event, the handle time of an event-closed case is stored', async () => {
    const { core, reads, dataDir } = await countingCore(await databaseUrl());
    try {
      expect((await core.ingest.ingestMilestones([m('open-1', 'started', 60), m('closed-1', 'started', 60), m('feed-1', 'started', 60)])).kind).toBe('stored');
      expect((await core.ingest.ingestMany([{ items: [event('closed-1')], sites: null }]))[0]!.kind).toBe('stored');

      reads.length = 0;
      const stops = await core.ingest.ingestMilestones([m('open-1', 'answered', 30), m('closed-1', 'answered', 48, { handleSeconds: 240 })]);
      expect(stops).toMatchObject({ kind: 'stored', results: [{ duplicate: false }, { duplicate: false }] });
      expect(reads.sort()).toEqual(['closed-1', 'open-1']);

      reads.length = 0;
      const feed = await core.ingest.ingestFeed({ milestones: [m('feed-1', 'abandoned', 20)], events: [], withdrawals: [] });
      expect(feed).toMatchObject({ kind: 'stored', milestones: [{ duplicate: false }] });
      expect(reads).toEqual(['feed-1']);

      const caseOf = (id: string) => core.store.reads.cases.get({ type: 'call', site: 'north', caseId: id });
      const eventOf = async (id: string) => (await core.store.reads.events.after(((await caseOf(id))?.eventSeq ?? 0) - 1, 1))[0]?.event;
      expect(await caseOf('open-1')).toMatchObject({ state: 'closed', expired: false });
      expect(await eventOf('open-1')).toMatchObject({ id: 'case:call:north:open-1', outcome: 'answered', answerSeconds: 30 });
      expect(await eventOf('closed-1')).toMatchObject({ id: 'ev-closed-1', answerSeconds: 12 });
      expect(await eventOf('feed-1')).toMatchObject({ id: 'case:call:north:feed-1', outcome: 'abandoned' });
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});

describe.each(BACKENDS)('an event closing a case reads its milestones once (%s)', (_backend, databaseUrl) => {
  it('through POST /events and through a feed; a misdated event is refused naming that start', async () => {
    const { core, milestoneReads, dataDir } = await countingCore(await databaseUrl());
    try {
      const opened = await core.ingest.ingestMilestones([m('post-1', 'started', 60), m('feed-1', 'started', 60)]);
      expect(opened.kind).toBe('stored');
      const start = (opened as { results: Array<{ id: string; seq: number }> }).results[0]!;

      milestoneReads.length = 0;
      const misdated = (await core.ingest.ingestMany([{ items: [{ ...event('post-1'), occurredAt: new Date(T0 - 90_000).toISOString() }], sites: null }]))[0];
      expect(misdated).toEqual({
        kind: 'conflict',
        problems: [{
          index: 0,
          path: ['occurredAt'],
          message:
            `is ${new Date(T0 - 90_000).toISOString()}, but call "post-1" at "north" started at ${new Date(T0 - 60_000).toISOString()} (its "started" milestone "${start.id}", stored as seq ${start.seq}): ` +
            'the event that closes a case must begin when the case started (within 1 s)',
        }],
      });
      expect(milestoneReads).toEqual(['post-1: all']);

      milestoneReads.length = 0;
      expect((await core.ingest.ingestMany([{ items: [event('post-1')], sites: null }]))[0]!.kind).toBe('stored');
      expect(milestoneReads).toEqual(['post-1: all']);

      // A feed dates a call at the end of its wait: 12 s after the start.
      milestoneReads.length = 0;
      const feed = await core.ingest.ingestFeed({ milestones: [], events: [{ ...event('feed-1'), occurredAt: new Date(T0 - 48_000).toISOString() }], withdrawals: [] });
      expect(feed).toMatchObject({ kind: 'stored', events: [{ duplicate: false }] });
      expect(milestoneReads).toEqual(['feed-1: all']);

      for (const id of ['post-1', 'feed-1']) expect(await core.store.reads.cases.get({ type: 'call', site: 'north', caseId: id })).toMatchObject({ state: 'closed', expired: false });
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});

describe.each(BACKENDS)('a feed with an event whose outcome contradicts its case\'s stored stop (%s)', (_backend, databaseUrl) => {
  it('skips that event as late and stores the rest, where POST /events refuses it', async () => {
    const { core, dataDir } = await countingCore(await databaseUrl());
    try {
      expect((await core.ingest.ingestMilestones([m('stop-1', 'answered', 30)])).kind).toBe('stored');
      const contradicting = { ...event('stop-1'), outcome: 'abandoned' };
      expect((await core.ingest.ingestMany([{ items: [contradicting], sites: null }]))[0]).toMatchObject({ kind: 'conflict', problems: [{ index: 0, path: ['outcome'], caseEnded: true }] });
      const feed = await core.ingest.ingestFeed({ milestones: [m('other-1', 'started', 20)], events: [contradicting], withdrawals: [] });
      expect(feed).toMatchObject({ kind: 'stored', events: [], milestones: [{ duplicate: false }], late: [{ index: 0, caseId: 'stop-1' }] });
      expect(await core.store.reads.events.byId('ev-stop-1')).toBeUndefined();
      // The skipped event closed nothing: an event agreeing with the stop, behind it in the same feed, closes the case.
      const agreeing = { ...event('stop-1'), id: 'ev-stop-1b' };
      const both = await core.ingest.ingestFeed({ milestones: [], events: [{ ...contradicting, id: 'ev-stop-1c' }, agreeing], withdrawals: [] });
      expect(both).toMatchObject({ kind: 'stored', events: [{ duplicate: false }], late: [{ index: 0, caseId: 'stop-1' }] });
      expect(await core.store.reads.cases.get({ type: 'call', site: 'north', caseId: 'stop-1' })).toMatchObject({ state: 'closed' });
    } finally {
      await core.close();
      removeDir(dataDir);
    }
  });
});
