// The p90 companion reads per-value histograms (migration 6) for the aligned part of a range. Property:
// for random events, sites (zones, business hours: outside-hours judgements), corrections (voids, amendments,
// chains of amendments) and ranges (aligned, off-grid, spanning days), the values the engine reads — hence the
// nearest-rank p90 — equal a reference computed here from the raw rows and the corrections (an amended event
// counts with its amended outcome). Also: a rebuild recomputes exactly what the store maintained, and a version-5
// file (with corrections) upgrades to filled histograms.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import type { CorrectionInput } from '../../../server/src/domain/corrections';
import { DomainError } from '../../../server/src/domain/errors';
import { planCorrection, statesOf } from '../../../server/src/domain/corrections';
import { canonicalJson } from '../../../server/src/domain/canonical';
import { eventsReads } from '../../../server/src/store/sqlite/events';
import { Statements } from '../../../server/src/store/sqlite/database';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { siteDefinitionSchema } from '../../../server/src/protocol/sites';
import { p90, weightedP90 } from '../../../server/src/domain/figures';
import { valueCounts } from '../../../server/src/services/rangeReads';
import { openTestCore, type TestCore } from '../support/core';
import { dumpTable, readFile } from '../support/database';
import { VALUE_TABLE } from '../../../server/src/store/sqlite/rollups';
import { removeDir, tempDataDir } from '../support/testServer';

/** better-sqlite3's handle type (the package lives in server/node_modules). */
type Db = ReturnType<typeof openRawDatabase>;

const BASE = Date.parse('2026-03-07T20:00:00Z'); // spans New York's DST change
const HOUR = 3_600_000;
const STANDARDS = DEFAULT_STANDARDS.map((s) => s.id);
const SITES = [
  { id: 'h-utc', timeZone: 'UTC' },
  { id: 'h-ny', timeZone: 'America/New_York', hours: { sat: ['09:00-17:00'], sun: ['10:00-14:30'], mon: ['08:00-20:00'] } },
  { id: 'h-ktm', timeZone: 'Asia/Kathmandu', hours: { sun: ['00:00-12:00'], mon: ['06:15-18:45'] } },
];

interface Row {
  std: string;
  site: string;
  ms: number;
  value: number;
}

/** The p90's population from raw rows: re-judged value/reason and amended outcome of the latest correction, voids out. */
function reference(db: Db): Row[] {
  const rows = db
    .prepare('SELECT e.seq, e.site, e.occurred_at_ms AS ms, e.outcome, j.standard_id AS std, j.value, j.reason FROM events e JOIN judgements j ON j.event_seq = e.seq')
    .all() as Array<{ seq: number; site: string; ms: number; outcome: string; std: string; value: number | null; reason: string | null }>;
  const last = new Map<number, { action: string; rejudged: string; changes: string }>();
  for (const c of db.prepare('SELECT event_seq, action, rejudged, changes FROM audit_corrections ORDER BY seq').all() as Array<{ event_seq: number; action: string; rejudged: string; changes: string }>) last.set(c.event_seq, c);
  const out: Row[] = [];
  for (const r of rows) {
    let { value, reason, outcome } = r;
    const c = last.get(r.seq);
    if (c?.action === 'void') continue;
    if (c) {
      const j = (JSON.parse(c.rejudged) as Record<string, { value: number | null; reason: string | null }>)[r.std];
      if (!j) continue;
      ({ value, reason } = j);
      outcome = (JSON.parse(c.changes) as { fields: { outcome: string } }).fields.outcome;
    }
    if (reason !== 'outside-hours' && (outcome === 'answered' || outcome === 'greeted') && value !== null) out.push({ std: r.std, site: r.site, ms: r.ms, value });
  }
  return out;
}

/** Compares the engine's values (counts per standard/site/value, and p90s) with the reference for one range. */
async function expectSameValues(core: TestCore, ref: Row[], fromMs: number, toMs: number, site: string | null): Promise<void> {
  const got = await valueCounts(core.store.reads, { standardIds: STANDARDS, fromMs, toMs, sites: site === null ? [] : [site] });
  const counts = (xs: Array<{ std: string; site: string; value: number; n: number }>) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(`${x.std}|${x.site}|${x.value}`, (m.get(`${x.std}|${x.site}|${x.value}`) ?? 0) + x.n);
    return Object.fromEntries([...m].filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  };
  const want = ref.filter((r) => r.ms >= fromMs && r.ms < toMs && (site === null || r.site === site));
  expect(counts(got.map((g) => ({ std: g.standardId, site: g.site, value: g.value, n: g.n })))).toEqual(counts(want.map((w) => ({ ...w, n: 1 }))));
  for (const std of STANDARDS) {
    expect(weightedP90(got.filter((g) => g.standardId === std))).toBe(p90(want.filter((w) => w.std === std).map((w) => w.value)));
  }
}

function dumpHistograms(dir: string) {
  const db = readFile(dir);
  try {
    return [VALUE_TABLE.day, VALUE_TABLE.quarter].map((table) => dumpTable(db, table));
  } finally {
    db.close();
  }
}

const eventArb = fc.record({
  call: fc.boolean(),
  site: fc.integer({ min: 0, max: 2 }),
  at: fc.oneof(fc.integer({ min: 0, max: 60 * HOUR }), fc.integer({ min: 0, max: 240 }).map((q) => q * 900_000)),
  good: fc.integer({ min: 0, max: 5 }).map((x) => x > 0),
  rings: fc.integer({ min: 0, max: 6 }),
  seconds: fc.oneof(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 450 }).map((x) => x / 10)),
  byRings: fc.boolean(),
});
const correctionArb = fc.record({
  event: fc.nat(),
  void: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
  outcome: fc.option(fc.boolean(), { nil: undefined }),
  rings: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  seconds: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
});
const rangeArb = fc.oneof(
  fc.tuple(fc.integer({ min: -2 * HOUR, max: 62 * HOUR }), fc.integer({ min: 1, max: 64 * HOUR })),
  fc.tuple(fc.integer({ min: -8, max: 248 }), fc.integer({ min: 1, max: 256 })).map(([a, n]) => [a * 900_000, n * 900_000] as [number, number]),
);

type EventGen = { call: boolean; site: number; at: number; good: boolean; rings: number; seconds: number; byRings: boolean };
type CorrectionGen = { event: number; void: boolean; outcome?: boolean | undefined; rings?: number | undefined; seconds?: number | undefined };

function eventInputs(events: EventGen[]) {
  return events.map((g, i) => {
    const occurredAt = new Date(BASE + g.at).toISOString();
    const site = SITES[g.site]!.id;
    return g.call
      ? { id: `e${i}`, type: 'call', site, occurredAt, outcome: g.good ? 'answered' : 'abandoned', ...(g.byRings ? { rings: g.rings } : { answerSeconds: g.seconds }) }
      : { id: `e${i}`, type: 'visit', site, occurredAt, outcome: g.good ? 'greeted' : 'left', greetSeconds: g.seconds };
  });
}

function correctionInput(c: CorrectionGen, isCall: boolean): CorrectionInput {
  if (c.void) return { action: 'void', reason: 'test' };
  const outcome = c.outcome === undefined ? {} : { outcome: (isCall ? (c.outcome ? 'answered' : 'abandoned') : c.outcome ? 'greeted' : 'left') as never };
  const waits = isCall ? { ...(c.rings !== undefined ? { rings: c.rings } : {}), ...(c.seconds !== undefined && c.rings === undefined ? { answerSeconds: c.seconds } : {}) } : c.seconds !== undefined ? { greetSeconds: c.seconds } : {};
  return { action: 'amend', reason: 'test', changes: { ...outcome, ...waits } };
}

async function correctAll(correct: (id: string, input: CorrectionInput) => Promise<unknown>, corrections: CorrectionGen[], events: Array<{ call: boolean }>): Promise<void> {
  for (const c of corrections) {
    const i = c.event % events.length;
    try {
      await correct(`e${i}`, correctionInput(c, events[i]!.call));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error; // a second void, or an amendment after one: refused
    }
  }
}

async function openFilled(dataDir: string): Promise<TestCore> {
  const core = await openTestCore(dataDir, { timeZone: 'UTC' });
  for (const s of SITES) await core.sites.create(siteDefinitionSchema.parse(s), null);
  return core;
}

describe('value histograms (migration 6)', () => {
  it('give the same values and p90 as the raw rows, with corrections, for random ranges and sites', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 80 }), fc.array(correctionArb, { maxLength: 25 }), fc.array(fc.tuple(rangeArb, fc.option(fc.integer({ min: 0, max: 2 }), { nil: null })), { minLength: 1, maxLength: 6 }), async (events, corrections, ranges) => {
        const dir = tempDataDir();
        const core = await openFilled(dir);
        try {
          const out = await core.ingest.ingest(eventInputs(events));
          expect(out.kind).toBe('stored');
          await correctAll((id, input) => core.corrections.correct(id, input, 'test'), corrections, events);
          const reader = readFile(dir);
          const ref = reference(reader);
          reader.close();
          for (const [[from, len], site] of ranges) await expectSameValues(core, ref, BASE + from, BASE + from + len, site === null ? null : SITES[site]!.id);
          // The rows the store maintained are exactly what a rebuild from raw judgements and corrections gives.
          const maintained = dumpHistograms(dir);
          await core.store.write((tx) => tx.writes.rebuildRollups());
          expect(dumpHistograms(dir)).toEqual(maintained);
        } finally {
          await core.close();
          removeDir(dir);
        }
      }),
      { numRuns: Number(process.env.HISTOGRAM_RUNS ?? 40) },
    );
  }, 120_000);

  it('are filled when a version-5 file (events, judgements, corrections) is upgraded', async () => {
    const dir = tempDataDir();
    try {
      // A version-5 file written as Ringside 5 would: schema up to 5, rows inserted (its triggers chain them), and
      // corrections planned by the domain rules and inserted with SQL (version 5 has no histograms to correct).
      const old = openRawDatabase(dir);
      expect(migrate(old, MIGRATIONS.filter((m) => m.version <= 5))).toBe(5);
      old.prepare("INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES ('old', 'UTC', 6, 0)").run();
      for (const s of DEFAULT_STANDARDS) old.prepare('INSERT INTO standards (id, version, definition, created_at_ms) VALUES (?, 1, ?, 0)').run(s.id, JSON.stringify(s));
      const ev = old.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, greet_seconds, derived, content)
        VALUES (?, ?, 'old', ?, ?, 0, ?, ?, ?, ?, '[]', '{}')`);
      const jud = old.prepare('INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason) VALUES (?, ?, 1, ?, ?, ?, ?, ?)');
      for (let i = 0; i < 300; i++) {
        const ms = BASE + i * 7 * 60_000 + 1234; // ~35 hours, off every grid
        const call = i % 3 !== 0;
        const good = i % 7 !== 0;
        const v = call ? 1 + (i % 5) : i % 50;
        const seq = Number(ev.run(`o${i}`, call ? 'call' : 'visit', ms, new Date(ms).toISOString(), call ? (good ? 'answered' : 'abandoned') : good ? 'greeted' : 'left', call ? v : null, call ? (v - 1) * 6 : null, call ? null : v).lastInsertRowid);
        const std = call ? DEFAULT_STANDARDS[0]! : DEFAULT_STANDARDS[1]!;
        jud.run(seq, std.id, std.measure, v, std.threshold, good && v <= std.threshold ? 1 : 0, good ? null : call ? 'abandoned' : 'left');
      }
      const subjects = eventsReads(new Statements(old));
      const v5Versions = (id: string) => DEFAULT_STANDARDS.filter((s) => s.id === id) as never;
      const insert = old.prepare('INSERT INTO audit_corrections (event_seq, action, changes, rejudged, reason, key_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, 0)');
      const correct = async (id: string, input: CorrectionInput) => {
        const subject = (await subjects.correctionSubject(id))!;
        const { changes, after } = planCorrection(subject.event, statesOf(subject.recorded, subject.corrections).at(-1)!, input, { versions: v5Versions, ringCycleSeconds: 6 });
        insert.run(subject.event.seq, input.action, canonicalJson(changes), canonicalJson(after.judgements), input.reason, 'test');
      };
      await correct('o1', { action: 'amend', reason: 'x', changes: { rings: 5 } });
      await correct('o1', { action: 'amend', reason: 'x', changes: { answerSeconds: 3 } });
      await correct('o2', { action: 'void', reason: 'x' });
      await correct('o3', { action: 'amend', reason: 'x', changes: { greetSeconds: 44 } });
      await correct('o4', { action: 'amend', reason: 'x', changes: { outcome: 'abandoned' } });
      expect(old.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'value_hist%'").get()).toEqual({ n: 0 });
      old.close();

      const core = await openTestCore(dir, { timeZone: 'UTC' });
      try {
        const [day, quarter] = dumpHistograms(dir) as [Array<{ n: number }>, Array<{ n: number }>];
        const reader = readFile(dir);
        const ref = reference(reader);
        reader.close();
        expect(quarter.reduce((a, r) => a + r.n, 0)).toBe(ref.length);
        expect(day.reduce((a, r) => a + r.n, 0)).toBe(ref.length);
        for (const [from, to] of [[BASE - HOUR, BASE + 40 * HOUR], [BASE + 4 * HOUR, BASE + 30 * HOUR], [BASE + 123_457, BASE + 36 * HOUR - 5]]) {
          await expectSameValues(core, ref, from!, to!, null);
          await expectSameValues(core, ref, from!, to!, 'old');
        }
        const upgraded = dumpHistograms(dir);
        await core.store.write((tx) => tx.writes.rebuildRollups());
        expect(dumpHistograms(dir)).toEqual(upgraded);
      } finally {
        await core.close();
      }
    } finally {
      removeDir(dir);
    }
  });
});
