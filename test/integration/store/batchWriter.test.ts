// The batch writer appends the event/judgement chain links and maintains the rollups and histograms itself (the
// triggers that did it are gone since migration 9). Properties checked here, for random batches (fractional
// seconds, outside-hours judgements, sites created mid-batch, duplicates):
//  - the same records inserted through the frozen triggers of the past versions (a copy of the file before the
//    writes, the triggers restored from the frozen migrations, rows replayed in chain order) give byte-identical
//    chain links and identical rollup and histogram rows: the JavaScript arithmetic equals the released SQL's;
//  - the writer's answer equals the rows read back; the chain verifies; rollups equal a rebuild (with corrections);
//  - idempotency keeps its semantics (a duplicate never revives a retired site; a conflict stores nothing);
//  - a version-6 file written by the triggers upgrades and keeps verifying as the store chains on, and a row
//    inserted outside the store is reported by the verifier.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase, DATABASE_FILE } from '../../../server/src/store/sqlite/database';
import { openRawDatabase } from '../../../server/src/store/sqlite/database';
import { MIGRATIONS } from '../../../server/src/store/migrations';
import { migrate } from '../../../server/src/store/sqlite/migrate';
import type { CorrectionInput } from '../../../server/src/domain/corrections';
import { DomainError } from '../../../server/src/domain/errors';
import { tagsOf } from '../../../server/src/domain/chain';
import { restoreFrozenTriggers, WRITE_TRIGGERS } from './pastVersions';
import { DEFAULT_STANDARDS } from '../../../server/src/domain/standards';
import { siteDefinitionSchema } from '../../../server/src/protocol/sites';
import { toJudgement, toStoredEvent, type EventRow, type JudgementRow } from '../../../server/src/store/sqlite/rows';
import { openTestCore, verifyDir, type TestCore } from '../support/core';
import { dumpTable, readFile } from '../support/database';
import { removeDir, tempDataDir } from '../support/testServer';

type Db = ReturnType<typeof openDatabase>; // better-sqlite3 lives in server/node_modules

const BASE = Date.parse('2026-03-07T20:00:00Z');
const HOUR = 3_600_000;
const CONFIGURED = [
  { id: 'w-utc', timeZone: 'UTC' },
  { id: 'w-ny', timeZone: 'America/New_York', hours: { sat: ['09:00-17:00'], sun: ['10:00-14:30'] } },
];
const SITES = [...CONFIGURED.map((s) => s.id), 'w-new-a', 'w-new-b']; // the last two are created on first sight
const TABLES = ['rollup_minute', 'rollup_15m', 'value_hist_day', 'value_hist_15m'] as const;

const eventArb = fc.record({
  call: fc.boolean(),
  site: fc.integer({ min: 0, max: SITES.length - 1 }),
  at: fc.oneof(fc.integer({ min: 0, max: 30 * HOUR }), fc.integer({ min: 0, max: 120 }).map((q) => q * 900_000)),
  good: fc.integer({ min: 0, max: 5 }).map((x) => x > 0),
  rings: fc.integer({ min: 0, max: 6 }),
  seconds: fc.oneof(fc.integer({ min: 0, max: 45 }), fc.integer({ min: 0, max: 4500 }).map((x) => x / 100)),
  byRings: fc.boolean(),
  retryOf: fc.option(fc.nat(), { freq: 8, nil: undefined }),
});
type EventGen = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;
/** Events crowded into a few rollup rows, so batches fold many contributions into rows earlier batches wrote. */
const crowdedArb = fc.oneof(eventArb, eventArb.map((e) => ({ ...e, at: e.at % (2 * 900_000) })));

type Input = Record<string, unknown> & { id: string };

/** Event inputs with ids e<offset+i>; a generated retry repeats an earlier input of `posted` (same id, same content). */
function inputs(events: EventGen[], offset: number, posted: Input[] = []): Input[] {
  return events.map((g, i) => {
    if (g.retryOf !== undefined && posted.length > 0) return posted[g.retryOf % posted.length]!;
    const occurredAt = new Date(BASE + g.at).toISOString();
    const site = SITES[g.site]!;
    const id = `e${offset + i}`;
    const input: Input = g.call
      ? { id, type: 'call', site, occurredAt, outcome: g.good ? 'answered' : 'abandoned', ...(g.byRings ? { rings: g.rings } : { answerSeconds: g.seconds }) }
      : { id, type: 'visit', site, occurredAt, outcome: g.good ? 'greeted' : 'left', greetSeconds: g.seconds };
    posted.push(input);
    return input;
  });
}

async function openConfigured(dataDir: string): Promise<TestCore> {
  const core = await openTestCore(dataDir, { timeZone: 'UTC' });
  for (const s of CONFIGURED) if (!(await core.sites.get(s.id))) await core.sites.create(siteDefinitionSchema.parse(s), null);
  return core;
}

const rebuild = (core: TestCore) => core.store.write((tx) => tx.writes.rebuildRollups());

// Links as the triggers wrote them: the same records and digests. Their hashes differ since links carry tags (the
// triggers wrote none); `tagsAsRecorded` checks the tags, and verification each hash.
const chainRows = (db: Db) => db.prepare('SELECT seq, kind, ref, event_seq, key_text, key_int, digest FROM audit_chain ORDER BY seq').all();

/** Each event and judgement link's tags, and the tags its event's stored fields give (domain/chain.ts, tagsOf). */
function tagsAsRecorded(db: Db): { stored: unknown[]; expected: unknown[] } {
  const rows = db.prepare("SELECT c.kind, c.tags, e.type, e.site, e.occurred_at_ms FROM audit_chain c JOIN events e ON e.seq = c.event_seq WHERE c.kind IN ('event', 'judgement') ORDER BY c.seq").all() as Array<{ kind: 'event' | 'judgement'; tags: string | null; type: string; site: string; occurred_at_ms: number }>;
  return {
    stored: rows.map((r) => r.tags),
    expected: rows.map((r) => tagsOf(r.kind, [null, null, r.type, r.site, r.occurred_at_ms], { site: r.site, occurredAtMs: r.occurred_at_ms })),
  };
}
const dump = (db: Db, table: string) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`).all();

/**
 * Inserts into `to` (a copy of the file before the writer ran, with the frozen triggers restored) the rows `from`
 * holds after its chain head `after`, in chain order, with plain SQL: the triggers of the past versions do the work.
 */
function replayThroughTriggers(from: Db, to: Db, after: number): void {
  const links = from.prepare('SELECT kind, event_seq, key_text, key_int FROM audit_chain WHERE seq > ? ORDER BY seq').all(after) as Array<{ kind: string; event_seq: number; key_text: string; key_int: number }>;
  const ensureSite = to.prepare('INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES (?, ?, ?, ?)');
  const eventCols = (from.prepare('SELECT * FROM events LIMIT 1').columns() as Array<{ name: string }>).map((c) => c.name);
  const judgementCols = (from.prepare('SELECT * FROM judgements LIMIT 1').columns() as Array<{ name: string }>).map((c) => c.name);
  const ev = to.prepare(`INSERT INTO events (${eventCols.join(', ')}) VALUES (${eventCols.map((c) => `@${c}`).join(', ')})`);
  const ju = to.prepare(`INSERT INTO judgements (${judgementCols.join(', ')}) VALUES (${judgementCols.map((c) => `@${c}`).join(', ')})`);
  to.transaction(() => {
    for (const l of links) {
      if (l.kind === 'site') {
        const h = from.prepare('SELECT site, definition, changed_at_ms FROM site_history WHERE seq = ?').get(l.key_int) as { site: string; definition: string; changed_at_ms: number };
        const d = JSON.parse(h.definition) as { timeZone: string; ringCycleSeconds: number };
        ensureSite.run(h.site, d.timeZone, d.ringCycleSeconds, h.changed_at_ms);
      } else if (l.kind === 'event') ev.run(from.prepare('SELECT * FROM events WHERE seq = ?').get(l.event_seq));
      else if (l.kind === 'judgement') ju.run(from.prepare('SELECT * FROM judgements WHERE event_seq = ? AND standard_id = ?').get(l.event_seq, l.key_text));
      else throw new Error(`unexpected ${l.kind} link`);
    }
  })();
}

/**
 * Writes `batches` through the ingest service into a fresh store, checks each answer against the rows read back,
 * replays the rows through the triggers into a copy of the file taken before, and compares chain links, rollups
 * and histograms. Returns the rollup_minute value sums.
 */
async function writeAndCompare(batches: Input[][]): Promise<number[]> {
  const dirA = tempDataDir();
  const dirB = tempDataDir();
  try {
    await (await openConfigured(dirA)).close();
    mkdirSync(dirB, { recursive: true });
    copyFileSync(join(dirA, DATABASE_FILE), join(dirB, DATABASE_FILE));
    const core = await openConfigured(dirA);
    const head = (await core.store.reads.audit.head()).seq;
    for (const batch of batches) {
      const out = await core.ingest.ingest(batch);
      expect(out.kind).toBe('stored');
      if (out.kind !== 'stored') continue;
      // The answer built from the inserted values is what reading the rows back gives.
      const db = readFile(dirA);
      for (const r of out.results) {
        const row = db.prepare('SELECT * FROM events WHERE id = ?').get(r.id) as EventRow;
        const judgements = (db.prepare('SELECT * FROM judgements WHERE event_seq = ? ORDER BY standard_id').all(row.seq) as JudgementRow[]).map(toJudgement);
        expect({ event: r.event, judgements: r.judgements }).toEqual({ event: toStoredEvent(row), judgements });
      }
      db.close();
    }
    const a = readFile(dirA);
    const b = openDatabase(dirB);
    try {
      restoreFrozenTriggers(b, WRITE_TRIGGERS);
      replayThroughTriggers(a, b, head);
      expect(chainRows(a)).toEqual(chainRows(b));
      const tags = tagsAsRecorded(a);
      expect(tags.stored.length).toBeGreaterThan(0);
      expect(tags.stored).toEqual(tags.expected);
      for (const t of TABLES) expect(dump(a, t)).toEqual(dump(b, t));
      expect((await verifyDir(dirA)).intact).toBe(true);
      return (dump(a, 'rollup_minute') as Array<{ value_sum: number }>).map((r) => r.value_sum);
    } finally {
      a.close();
      b.close();
      await core.close();
    }
  } finally {
    removeDir(dirA);
    removeDir(dirB);
  }
}

describe('batch writer: chain links and rollups written in JavaScript', () => {
  it('gives the same chain links, rollups and histograms as the triggers, answers what it stored, verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(crowdedArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }), async (batches) => {
        const posted: Input[] = [];
        let offset = 0;
        await writeAndCompare(batches.map((b) => inputs(b, (offset += b.length) - b.length, posted)));
      }),
      { numRuns: Number(process.env.WRITER_RUNS ?? 25) },
    );
  }, 120_000);

  it('folds a batch into stored rollup rows in insertion order, as the trigger did (same bits of Σ value)', async () => {
    // (0.1 + 0.2) + 0.3 ≠ 0.1 + (0.2 + 0.3): summing a batch first and adding it to the stored row would differ.
    const visit = (id: string, greetSeconds: number) => ({ id, type: 'visit', site: 'w-utc', occurredAt: new Date(BASE + 1000).toISOString(), outcome: 'greeted', greetSeconds });
    const sums = await writeAndCompare([[visit('a', 0.1)], [visit('b', 0.2), visit('c', 0.3)]]);
    expect(sums).toContain((0.1 + 0.2) + 0.3);
  });

  it('maintains rollups a rebuild reproduces, with corrections applied afterwards', async () => {
    const dir = tempDataDir();
    const core = await openConfigured(dir);
    try {
      const events = fc.sample(eventArb, { numRuns: 600, seed: 42 }).map((e) => ({ ...e, retryOf: undefined }));
      for (let i = 0; i < events.length; i += 150) expect((await core.ingest.ingest(inputs(events.slice(i, i + 150), i))).kind).toBe('stored');
      const corrections: Array<[number, CorrectionInput]> = [
        [3, { action: 'void', reason: 't' }],
        [10, { action: 'amend', reason: 't', changes: { outcome: events[10]!.call ? 'abandoned' : 'left' } as never }],
        [10, { action: 'amend', reason: 't', changes: (events[10]!.call ? { rings: 5 } : { greetSeconds: 44 }) }],
        [77, { action: 'amend', reason: 't', changes: (events[77]!.call ? { answerSeconds: 1.5 } : { greetSeconds: 2.25 }) }],
      ];
      for (const [i, c] of corrections) {
        try {
          await core.corrections.correct(`e${i}`, c, 'test');
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      // More writes after the corrections, into buckets that already hold rows.
      expect((await core.ingest.ingest(inputs(events.slice(0, 100).map((e) => ({ ...e, at: e.at + 1 })), 1000))).kind).toBe('stored');
      const dumpAll = () => {
        const db = readFile(dir);
        try {
          return [...TABLES, 'rollup_hour' as const].map((t) => dumpTable(db, t));
        } finally {
          db.close();
        }
      };
      const before = dumpAll();
      await rebuild(core);
      const after = dumpAll();
      const strip = (rows: Array<Record<string, number>>) => rows.map(({ value_sum: _s, ...rest }) => rest);
      before.forEach((rows, t) => {
        expect(strip(after[t]!)).toEqual(strip(rows));
        // Sums of fractional seconds may differ in the last bits with summation order (as with the triggers).
        rows.forEach((row, i) => row.value_sum !== undefined && expect(after[t]![i]!.value_sum).toBeCloseTo(row.value_sum, 9));
      });
    } finally {
      await core.close();
      removeDir(dir);
    }
  });

  it('keeps idempotency: a duplicate does not revive a retired site; a conflict later in a batch stores nothing', async () => {
    const dir = tempDataDir();
    const core = await openConfigured(dir);
    try {
      const one = inputs([{ call: true, site: 2, at: 0, good: true, rings: 1, seconds: 0, byRings: true, retryOf: undefined }], 0);
      expect((await core.ingest.ingest(one)).kind).toBe('stored');
      await core.sites.retire('w-new-a', null);
      const historyBefore = (await core.sites.history('w-new-a')).history.length;
      const again = await core.ingest.ingest(one);
      expect(again).toMatchObject({ kind: 'stored', results: [{ id: 'e0', duplicate: true }] });
      expect(await core.sites.get('w-new-a')).toBeUndefined();
      expect((await core.sites.history('w-new-a')).history).toHaveLength(historyBefore);

      const head = await core.store.reads.audit.head();
      const [first] = inputs([{ call: true, site: 0, at: HOUR, good: true, rings: 2, seconds: 0, byRings: true, retryOf: undefined }], 5);
      const out = await core.ingest.ingest([first, { ...first, id: 'fresh' }, { ...first!, rings: 4 }]);
      expect(out).toMatchObject({ kind: 'conflict', problems: [{ index: 2 }] });
      expect(await core.store.reads.audit.head()).toEqual(head);
      const db = readFile(dir);
      expect(dumpTable(db, 'rollup_15m').some((r) => r.bucket_ms === BASE + HOUR - ((BASE + HOUR) % 900_000))).toBe(false);
      db.close();
      // Same id twice in a batch with the same content: the second is the first's duplicate.
      const twice = await core.ingest.ingest([first, first]);
      expect(twice).toMatchObject({ kind: 'stored', results: [{ duplicate: false }, { duplicate: true }] });
      if (twice.kind === 'stored') expect(twice.results[1]).toEqual({ ...twice.results[0], duplicate: true });
    } finally {
      await core.close();
      removeDir(dir);
    }
  });

  it('upgrades a version-6 file chained by the triggers; the store chains on; a row written outside the store is reported', async () => {
    const dir = tempDataDir();
    try {
      const old = openRawDatabase(dir);
      expect(migrate(old, MIGRATIONS.filter((m) => m.version <= 6))).toBe(6);
      old.prepare("INSERT INTO sites (name, time_zone, ring_cycle_seconds, created_at_ms) VALUES ('old', 'UTC', 6, 0)").run();
      for (const s of DEFAULT_STANDARDS) old.prepare('INSERT INTO standards (id, version, definition, created_at_ms) VALUES (?, 1, ?, 0)').run(s.id, JSON.stringify(s));
      const ev = old.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, derived, content)
        VALUES (?, 'call', 'old', ?, ?, 0, 'answered', ?, ?, '[]', '{}')`);
      const jud = old.prepare("INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, reason) VALUES (?, 'call-answer-2-rings', 1, 'rings', ?, 2, ?, NULL)");
      for (let i = 0; i < 50; i++) {
        const ms = BASE + i * 60_000;
        const seq = Number(ev.run(`o${i}`, ms, new Date(ms).toISOString(), 1 + (i % 4), (i % 4) * 6.5).lastInsertRowid);
        jud.run(seq, 1 + (i % 4), i % 4 < 2 ? 1 : 0);
      }
      const oldLinks = (old.prepare('SELECT COUNT(*) AS n FROM audit_chain').get() as { n: number }).n;
      old.close();

      const core = await openConfigured(dir);
      try {
        const events = fc.sample(eventArb, { numRuns: 200, seed: 7 }).map((e) => ({ ...e, retryOf: undefined }));
        expect((await core.ingest.ingest(inputs(events, 100))).kind).toBe('stored');
        const reader = readFile(dir);
        expect(await verifyDir(dir)).toMatchObject({ intact: true, records: (await core.store.reads.audit.head()).seq });
        expect((reader.prepare("SELECT COUNT(*) AS n FROM audit_chain WHERE kind IN ('event', 'judgement') AND seq > ?").get(oldLinks) as { n: number }).n).toBeGreaterThanOrEqual(400);
        expect(reader.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%ringside_%'").all()).toEqual([]);
        reader.close();
      } finally {
        await core.close();
      }

      // A tool inserting with plain SQL: nothing chains its rows, and the verifier says so.
      const db = openDatabase(dir);
      try {
        const seq = Number(db.prepare(`INSERT INTO events (id, type, site, occurred_at_ms, occurred_at, received_at_ms, outcome, rings, answer_seconds, derived, content)
          VALUES ('tool', 'call', 'old', ?, ?, 0, 'answered', 1, 0, '[]', '{}')`).run(BASE, new Date(BASE).toISOString()).lastInsertRowid);
        db.prepare("INSERT INTO judgements (event_seq, standard_id, standard_version, measure, value, threshold, met, counted, reason) VALUES (?, 'call-answer-2-rings', 1, 'rings', 1, 2, 1, 1, NULL)").run(seq);
        db.prepare("INSERT INTO audit_log (key_id, action, target, details, at_ms) VALUES ('tool', 'x', NULL, '{}', 0)").run();
        const result = await verifyDir(dir);
        expect(result.intact).toBe(false);
        expect(result.problems.slice(0, 3).map((p) => [p.kind, p.problem])).toEqual([
          ['event', `the event record ${seq} has no chain link (written outside Ringside)`],
          ['judgement', `the judgement record ${seq}/call-answer-2-rings has no chain link (written outside Ringside)`],
          ['audit', expect.stringMatching(/^the audit record \d+ has no chain link/)],
        ]);
        // Nor does anything sum its judgement into the rollups and histograms: every cell it falls in is one short.
        const cells = result.problems.slice(3);
        expect(cells.map((p) => p.kind).sort()).toEqual(['rollup_15m', 'rollup_hour', 'rollup_minute', 'value_hist_15m', 'value_hist_day']);
        for (const p of cells) expect(p.problem).toMatch(/at site old, .* differs from what its judgements give \((judged: stored \d+, judgements give \d+|n: stored \d+, judgements give \d+)/);
      } finally {
        db.close();
      }
    } finally {
      removeDir(dir);
    }
  });
});
