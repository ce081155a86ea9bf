// Settling many cases in one write (services/ingest/cases.ts settleCases) writes the finished events of consecutive
// calls and visits as one batch. It must leave exactly what settling them one by one leaves: the same chain links
// (records, order, hashes), events, judgements, case judgements, cases, rollups and histograms. Two stores get the
// same open cases (calls, visits and complaints under the complaint standards, which record their verdicts on the
// case before their event); past every expiry one settles all cases in one call, the other case by case.
import { describe, expect, it } from 'vitest';
import { completeDefinition, DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import type { Standard, StandardDefinition } from '../../../server/src/protocol';
import { IngestService } from '../../../server/src/services/ingest/ingest';
import { StandardsService } from '../../../server/src/services/standards';
import type { CaseKey, Store } from '../../../server/src/store/port';
import { storeBackend } from '../../../server/src/storeBackend';
import { verifyDir } from '../support/core';
import { dumpTable, readFile } from '../support/database';
import { removeDir, tempDataDir } from '../support/testServer';
import { COMPLAINT_STANDARDS } from './support';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const DAY = 86_400_000;
const STARTS = { call: 'started', visit: 'arrived', complaint: 'received' } as const;
const TYPES = ['call', 'call', 'complaint', 'visit', 'call', 'complaint', 'complaint', 'visit', 'call', 'visit'] as const;
const STANDARDS: Standard[] = [
  ...DEFAULT_STANDARDS,
  ...COMPLAINT_STANDARDS.map((d) => ({ ...completeDefinition(d as unknown as StandardDefinition), version: 1, validFrom: null, retired: false })),
];

async function openCases(dataDir: string, clock: { now: number }): Promise<{ store: Store; ingest: IngestService; keys: CaseKey[] }> {
  const now = () => clock.now;
  const store = await storeBackend.open({ dataDir, now });
  const standards = await StandardsService.open(store, STANDARDS, now);
  const ingest = new IngestService({ store, standards, now, timeZone: 'UTC' });
  const milestones = TYPES.map((type, i) => ({ id: `m${i}`, type, site: i % 3 === 0 ? 'north' : 'south', caseId: `c${i}`, milestone: STARTS[type], at: new Date(T0 + i * 1000).toISOString(), ...(type === 'complaint' ? {} : { agent: `a${i}` }) }));
  const out = await ingest.ingestMilestones(milestones);
  expect(out.kind).toBe('stored');
  return { store, ingest, keys: milestones.map((m) => ({ type: m.type, site: m.site, caseId: m.caseId })) };
}

function contents(dataDir: string) {
  const db = readFile(dataDir);
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      chain: all('SELECT seq, kind, ref, event_seq, key_text, key_int, digest, hash, at_ms FROM audit_chain ORDER BY seq'),
      events: all('SELECT * FROM events ORDER BY seq'),
      judgements: all('SELECT * FROM judgements ORDER BY event_seq, standard_id'),
      caseJudgements: all('SELECT * FROM case_judgements ORDER BY seq'),
      cases: all('SELECT * FROM cases ORDER BY type, site, case_id'),
      rollups: (['rollup_minute', 'rollup_15m', 'value_hist_day', 'value_hist_15m'] as const).map((t) => dumpTable(db, t)),
    };
  } finally {
    db.close();
  }
}

/** The milestones of TYPES' cases: each starts; calls and visits also stop, `gap` seconds later (complaints stay open). */
function milestonesOf(gap: number) {
  const STOPS = { call: 'answered', visit: 'greeted' } as const;
  const starts = TYPES.map((type, i) => ({ id: `m${i}`, type, site: i % 3 === 0 ? 'north' : 'south', caseId: `c${i}`, milestone: STARTS[type], at: new Date(T0 + i * 1000).toISOString() }));
  const stops = TYPES.flatMap((type, i) =>
    type === 'complaint' ? [] : [{ id: `s${i}`, type, site: i % 3 === 0 ? 'north' : 'south', caseId: `c${i}`, milestone: STOPS[type], at: new Date(T0 + i * 1000 + gap * 1000).toISOString(), agent: `a${i}` }],
  );
  return { starts, stops };
}

async function openStore(dataDir: string, clock: { now: number }): Promise<{ store: Store; ingest: IngestService }> {
  const now = () => clock.now;
  const store = await storeBackend.open({ dataDir, now });
  const standards = await StandardsService.open(store, STANDARDS, now);
  return { store, ingest: new IngestService({ store, standards, now, timeZone: 'UTC' }) };
}

describe('settling cases in one batch', () => {
  it('settles cases opened and stopped in one request from what it wrote, as it settles them from the store', async () => {
    // One request: the cases are opened by this write, so they are settled without reading them. Two requests: the
    // stops' write reads the cases the first one opened. The same records must result, link for link.
    const [together, apart] = [tempDataDir(), tempDataDir()];
    const clock = { now: T0 + 60_000 };
    try {
      const { starts, stops } = milestonesOf(7);
      const a = await openStore(together, clock);
      expect((await a.ingest.ingestMilestones([...starts, ...stops])).kind).toBe('stored');
      const b = await openStore(apart, clock);
      expect((await b.ingest.ingestMilestones(starts)).kind).toBe('stored');
      expect((await b.ingest.ingestMilestones(stops)).kind).toBe('stored');
      await a.store.close();
      await b.store.close();
      const [x, y] = [contents(together), contents(apart)];
      expect(x.events).toHaveLength(stops.length);
      expect(x.cases.filter((c) => (c as { state: string }).state === 'open')).toHaveLength(TYPES.length - stops.length);
      expect(x).toEqual(y);
      expect((await verifyDir(together)).intact).toBe(true);
    } finally {
      removeDir(together);
      removeDir(apart);
    }
  });

  it('leaves the same chain, rows and rollups as settling them one by one', async () => {
    const [batched, single] = [tempDataDir(), tempDataDir()];
    const clock = { now: T0 + 60_000 };
    try {
      const a = await openCases(batched, clock);
      const b = await openCases(single, clock);
      clock.now = T0 + 100 * DAY; // past every type's expiry: each case closes, expired, with its finished event
      const closedAll = await a.ingest.settle(a.keys);
      const closedOne: CaseKey[] = [];
      for (const key of b.keys) closedOne.push(...(await b.ingest.settle([key])));
      expect(closedAll).toEqual(closedOne);
      expect(closedAll).toHaveLength(TYPES.length);
      await a.store.close();
      await b.store.close();
      const [x, y] = [contents(batched), contents(single)];
      expect(x.events).toHaveLength(TYPES.length);
      expect(x.caseJudgements.length).toBeGreaterThan(0); // the complaints' verdicts, chained before their events
      expect(x).toEqual(y);
      expect((await verifyDir(batched)).intact).toBe(true);
    } finally {
      removeDir(batched);
      removeDir(single);
    }
  });
});
