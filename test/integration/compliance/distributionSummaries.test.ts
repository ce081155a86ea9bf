// The distribution of a range whose raw judgements are all still stored is read from the value histograms and
// rollups for its quarter hours, raw only at the edges off that grid (a trailing edge that ends now from its whole
// cell) and where the summaries cannot place a judgement. It must be the raw read's, bin for bin and met for met:
// for random ranges (aligned, off the grid, ending now), with voids and amendments, outside-hours judgements, and
// a registered type whose cases close without a measure or expire (judgements the summaries would count as given
// up, so those quarter hours are read raw). A long aligned range of calls reads nothing of its interior raw.
// Runs on SQLite and (integration-postgres) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToBins, binEdges, binOf, buildDistribution, type BinCount } from '../../../server/src/domain/distribution';
import type { Standard } from '../../../server/src/protocol';
import { eventTypeDefinitionSchema } from '../../../server/src/protocol/eventTypes';
import { siteDefinitionSchema } from '../../../server/src/protocol/sites';
import { standardDefinitionSchema } from '../../../server/src/protocol/standardDefinition';
import type { DistributionQuery } from '../../../server/src/services/distribution';
import type { RawQuery } from '../../../server/src/store/port';
import { openTestCore, type TestCore } from '../support/core';
import { testDatabases } from '../support/postgres';
import { removeDir, tempDataDir } from '../support/testServer';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const DAY = 86_400_000;
// The store's time, fixed so every run reads the same ranges: 7 min 20.5 s into a quarter hour (off the minute grid
// too), so a range that ends now has a trailing edge; seven minutes into Tuesday 1 December 2026 (UTC, the zone of
// every query here), so the last hour and the last day cross a midnight and the start of a month, and the last day
// is a weekday, in and out of north's office hours.
const now = Date.parse('2026-12-01T00:07:20.500Z');
const TICKETS = 'ticket-reply-1h';
const CALLS = 'call-answer-2-rings';

const postgres = process.env.RINGSIDE_TEST_BACKEND === 'postgres' ? testDatabases('ringside_dist') : null;
let core: TestCore;
let dataDir: string;
/** Every raw value read of the reader's store. */
const rawReads: Array<{ fromMs: number; toMs: number; standardIds: readonly string[] }> = [];

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

function event(i: number, occurredAtMs: number): Record<string, unknown> {
  const site = ['north', 'south', 'east'][i % 3]!;
  const occurredAt = new Date(occurredAtMs).toISOString();
  return i % 4 === 3
    ? { id: `v${i}`, type: 'visit', site, occurredAt, outcome: i % 7 === 0 ? 'left' : 'greeted', greetSeconds: (i * 37 % 900) / 10 }
    : { id: `c${i}`, type: 'call', site, occurredAt, outcome: i % 11 === 0 ? 'abandoned' : 'answered', rings: 1 + (i % 5), answerSeconds: (i * 13 % 300) / 10 };
}

const ticket = (caseId: string, milestone: string, atMs: number) => ({ type: 'ticket', site: 'south', caseId, milestone, at: new Date(atMs).toISOString() });

beforeAll(async () => {
  dataDir = tempDataDir();
  core = await openTestCore(dataDir, { now: () => now, ...(postgres ? { databaseUrl: await postgres.create() } : {}) });
  // North keeps office hours: its calls at night are judged outside hours (in no bin, never met).
  const weekday = ['08:00-18:00'];
  await core.sites.apply(siteDefinitionSchema.parse({ id: 'north', timeZone: 'UTC', hours: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday } }));
  // A registered type: a ticket is replied to, then closed; one closed unanswered, or left open past a day, is
  // judged without a reply time (bin −2), or expired with one (a wait bin in the raw read).
  await core.standards.defineEventType(
    eventTypeDefinitionSchema.parse({
      id: 'ticket',
      name: 'Tickets',
      milestones: [{ id: 'opened', role: 'start' }, { id: 'replied', role: 'step' }, { id: 'closed', role: 'stop', outcome: 'served' }],
      measures: [{ id: 'replySeconds', from: 'opened', to: 'replied' }],
      maxOpenSeconds: 86_400,
    }),
    { keyId: 'test' },
  );
  await core.standards.create(standardDefinitionSchema.parse({ id: TICKETS, name: 'Tickets replied within an hour', eventType: 'ticket', measure: 'replySeconds', threshold: 3_600, target: 0.9, validFrom: new Date(now - 60 * DAY).toISOString() }), null);

  const r = random(7);
  const events = [
    // 40 days, thicker in the last one, the trailing quarter so far included.
    ...Array.from({ length: 2400 }, (_, i) => event(i, now - 40 * DAY + Math.floor(r() * 40 * DAY))),
    ...Array.from({ length: 800 }, (_, i) => event(2400 + i, now - DAY + Math.floor(r() * DAY))),
    ...Array.from({ length: 200 }, (_, i) => event(3200 + i, Math.floor(now / QUARTER) * QUARTER + Math.floor(r() * (now % QUARTER)))),
  ];
  for (let i = 0; i < events.length; i += 400) expect((await core.ingest.ingest(events.slice(i, i + 400))).kind).toBe('stored');
  // Corrections everywhere: the summaries carry their deltas, the raw read their effective state.
  for (let i = 0; i < 3400; i += 97) {
    const id = (i % 4 === 3 ? 'v' : 'c') + i;
    if (i % 3 === 0) await core.corrections.correct(id, { action: 'void', reason: 'test' }, 'test');
    else if (i % 4 === 3) await core.corrections.correct(id, { action: 'amend', reason: 'camera', changes: { greetSeconds: 44.4 } }, 'test');
    else await core.corrections.correct(id, { action: 'amend', reason: 'log', changes: { outcome: 'abandoned' } }, 'test');
  }

  // Tickets on 20 days of the last 30, each kind in turn: replied and closed (the value population), closed
  // without a reply (bin −2), replied and never closed (expired with its reply time), never touched (expired).
  const milestones: Array<Record<string, unknown>> = [];
  for (let d = 0; d < 20; d += 1) {
    const at = now - (30 - Math.floor(d * 1.4)) * DAY + Math.floor(r() * DAY);
    const id = `T${d}`;
    milestones.push(ticket(id, 'opened', at));
    if (d % 4 === 0 || d % 4 === 2) milestones.push(ticket(id, 'replied', at + (d + 1) * 300_000));
    if (d % 4 <= 1) milestones.push(ticket(id, 'closed', at + 7_200_000));
  }
  const stored = await core.ingest.ingestMilestones(milestones);
  expect(stored.kind, JSON.stringify(stored).slice(0, 800)).toBe('stored');
  const open = milestones.filter((m, i) => milestones.findIndex((n) => n['caseId'] === m['caseId']) === i).map((m) => ({ type: 'ticket', site: 'south', caseId: m['caseId'] as string }));
  await core.ingest.settle(open);

  const figures = core.store.reads.figures;
  const read = figures.rawValues.bind(figures);
  figures.rawValues = (q: RawQuery) => {
    rawReads.push({ fromMs: q.fromMs, toMs: q.toMs, standardIds: q.standardIds });
    return read(q);
  };
});

afterAll(async () => {
  await core?.close();
  await postgres?.dropAll();
  if (dataDir) removeDir(dataDir);
});

/** The distribution every judgement of the range read raw gives (the reference), per standard in force. */
async function rawDistribution(q: DistributionQuery): Promise<ReturnType<typeof buildDistribution>[]> {
  const chosen = core.standards.current().filter((s: Standard) => q.standardId === null || s.id === q.standardId);
  const out = [];
  for (const standard of chosen) {
    const edges = binEdges(standard);
    const bins = new Map<number, BinCount>();
    for (const v of await core.store.reads.figures.rawValues({ standardIds: [standard.id], fromMs: q.fromMs, toMs: q.toMs, sites: q.site === null ? [] : [q.site] })) {
      const bin = binOf(v, edges);
      if (bin !== null) addToBins(bins, bin, v.n, v.met);
    }
    out.push(buildDistribution(standard, edges, [...bins.values()]));
  }
  return out;
}

const query = (fromMs: number, toMs: number, extra: Partial<DistributionQuery> = {}): DistributionQuery => ({ fromMs, toMs, site: null, standardId: null, timeZone: 'UTC', ...extra });

/** Ranges of every shape: on the day and quarter-hour grid, off it, shorter than a quarter hour, ending now. */
function ranges(): Array<[string, number, number, boolean]> {
  const r = random(42);
  const out: Array<[string, number, number, boolean]> = [
    ['30 days ending now', now - 30 * DAY, now, true],
    ['7 days ending now', now - 7 * DAY, now, true],
    ['the last hour', now - 3_600_000, now, true],
    ['the trailing quarter so far', Math.floor(now / QUARTER) * QUARTER, now, true],
    ['whole days', Math.floor(now / DAY) * DAY - 20 * DAY, Math.floor(now / DAY) * DAY - 2 * DAY, false],
    ['35 days, ending now but asked without the clock', now - 35 * DAY, now, false],
  ];
  for (let i = 0; i < 14; i += 1) {
    const grid = [1, MINUTE, QUARTER, DAY][i % 4]!;
    const a = Math.floor((now - 35 * DAY + r() * 34 * DAY) / grid) * grid;
    const b = i % 5 === 4 ? now : Math.min(now, Math.floor((a + 1 + r() * (i % 2 ? 12 * DAY : 2 * 3_600_000)) / grid) * grid + grid);
    out.push([`random ${i} (grid ${grid} ms)`, a, b, b === now]);
  }
  return out;
}

describe('the distribution of the kept range, from the summaries where they are exact', () => {
  it('has judgements the summaries cannot place (bin −2, an expired reply) and outside-hours ones', async () => {
    const all = await rawDistribution(query(now - 40 * DAY, now));
    const tickets = all.find((s) => s.standardId === TICKETS)!;
    expect(tickets.total - tickets.bins.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(5); // bin −2: in the total, no bar
    const values = await core.store.reads.figures.rawValues({ standardIds: [TICKETS, CALLS], fromMs: now - 40 * DAY, toMs: now, sites: [] });
    expect(values.some((v) => v.outcome === 'expired' && v.value !== null)).toBe(true);
    expect(values.some((v) => v.reason === 'outside-hours')).toBe(true);
  });

  for (const [name, fromMs, toMs, endsNow] of ranges()) {
    for (const site of [null, 'north', 'south'] as const) {
      it(`${name}${site ? `, ${site}` : ''}: the raw read's bins`, async () => {
        const q = query(fromMs, toMs, { site, ...(endsNow ? { nowMs: now } : {}) });
        expect((await core.compliance.distribution(q)).standards).toEqual(await rawDistribution(q));
      });
    }
  }

  it('reads no quarter hour of a long aligned range of calls raw, only the edges', async () => {
    const q = query(now - 30 * DAY, now, { standardId: CALLS, nowMs: now });
    rawReads.length = 0;
    const d = await core.compliance.distribution(q);
    const read = rawReads.splice(0);
    expect(d.standards).toEqual(await rawDistribution(q));
    // The leading edge (under a quarter hour, off the grid) only: the trailing one comes from its whole cell.
    expect(read).toEqual([{ fromMs: now - 30 * DAY, toMs: Math.ceil((now - 30 * DAY) / QUARTER) * QUARTER, standardIds: [CALLS] }]);
  });

  it('reads raw only the runs of quarter hours the summaries cannot place, for the tickets', async () => {
    rawReads.length = 0;
    const from = Math.floor(now / DAY) * DAY - 32 * DAY;
    const q = query(from, Math.floor(now / DAY) * DAY, { standardId: TICKETS });
    const d = await core.compliance.distribution(q);
    const read = rawReads.splice(0);
    expect(d.standards).toEqual(await rawDistribution(q));
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThanOrEqual(8);
    // Every run is on the quarter-hour grid, and together they are a small part of the 32 days.
    expect(read.every((r) => r.fromMs % QUARTER === 0 && r.toMs % QUARTER === 0)).toBe(true);
    expect(read.reduce((ms, r) => ms + r.toMs - r.fromMs, 0)).toBeLessThan(16 * DAY);
  });

  it('reads the trailing edge raw again when an event is dated ahead of now, and leaves that event out', async () => {
    const q = query(now - 7 * DAY, now, { nowMs: now });
    const before = await core.compliance.distribution(q);
    expect((await core.ingest.ingest([event(9000, now + 30_000)])).kind).toBe('stored');
    rawReads.length = 0;
    const after = await core.compliance.distribution(q);
    expect(after.standards).toEqual(before.standards);
    expect(after.standards).toEqual(await rawDistribution(q));
    expect(rawReads.some((r) => r.fromMs === Math.floor(now / QUARTER) * QUARTER && r.toMs === now)).toBe(true);
  });
});
