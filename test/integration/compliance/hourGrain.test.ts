// Figures of an hour-aligned report (by hour, in UTC) are read from the hour rollup grain; they equal a recount of
// the events written here, after voids and amendments, after pruning with the cutoff inside an hour of the range,
// and after rebuild-rollups from that cutoff (the hour that holds it is its quarter hours added up, pruned ones
// included). In process over a real SQLite file, on a fixed clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketBounds, splitRange } from '../../../server/src/domain/ranges';
import { seededRandom } from '../../../server/src/demo/random';
import type { ComplianceReport } from '../../../server/src/protocol';
import { AuditService } from '../../../server/src/services/audit';
import { prune } from '../../../server/src/services/retention';
import { openTestCore, type TestCore } from '../support/core';
import { removeDir, tempDataDir } from '../support/testServer';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const H0 = Date.parse('2026-10-05T08:00:00Z');
const HOURS = 4;
const RETAIN_DAYS = 10;
// Ten days after 09:37:23 on the events' day: the cutoff is 09:30, inside the range's second hour.
const NOW = H0 + RETAIN_DAYS * DAY + HOUR + 37 * 60_000 + 23_456;
const CUTOFF = H0 + HOUR + 30 * 60_000;

interface Spec { id: string; type: 'call' | 'visit'; at: number; outcome: string; value: number; voided: boolean }

let dir: string;
let core: TestCore;
const specs: Spec[] = [];

const query = { fromMs: H0, toMs: H0 + HOURS * HOUR, site: null, standardId: null, bucket: 'hour' as const, timeZone: 'UTC' };
const report = () => core.compliance.report(query);

/** What the standards (F3: every event counted, met when answered/greeted within the threshold) make of `specs`. */
function recount(standardId: string, type: 'call' | 'visit', threshold: number) {
  const mine = specs.filter((s) => s.type === type && !s.voided);
  const success = (s: Spec) => s.outcome === 'answered' || s.outcome === 'greeted';
  const figure = (list: Spec[]) => ({ numerator: list.filter((s) => success(s) && s.value <= threshold).length, denominator: list.length });
  const served = mine.filter(success);
  return {
    standardId,
    ...figure(mine),
    abandoned: mine.length - served.length,
    average: served.length === 0 ? null : served.reduce((n, s) => n + s.value, 0) / served.length,
    series: Array.from({ length: HOURS }, (_, h) => figure(mine.filter((s) => s.at >= H0 + h * HOUR && s.at < H0 + (h + 1) * HOUR))),
  };
}

const figures = (r: ComplianceReport) =>
  r.standards.map((s) => ({
    standardId: s.standardId,
    numerator: s.numerator,
    denominator: s.denominator,
    abandoned: s.companions?.abandoned,
    average: s.companions?.average,
    series: s.series!.map((p) => ({ numerator: p.met, denominator: p.total })),
  }));

const expected = () => [recount('call-answer-2-rings', 'call', 2), recount('visit-greet-30s', 'visit', 30)];

let corrected: ComplianceReport;

beforeAll(async () => {
  dir = tempDataDir();
  core = await openTestCore(dir, { now: () => NOW });
  const rnd = seededRandom(7);
  for (let i = 0; i < 240; i += 1) {
    const type = rnd() < 0.6 ? 'call' : 'visit';
    const at = H0 + Math.floor(rnd() * HOURS * HOUR);
    const gone = rnd() < 0.15;
    const value = type === 'call' ? 1 + Math.floor(rnd() * 5) : Math.floor(rnd() * 60);
    const outcome = type === 'call' ? (gone ? 'abandoned' : 'answered') : gone ? 'left' : 'greeted';
    specs.push({ id: `e${i}`, type, at, outcome, value, voided: false });
  }
  const items = specs.map((s) => ({ id: s.id, type: s.type, site: s.at % 2 ? 'north' : 'south', occurredAt: new Date(s.at).toISOString(), outcome: s.outcome, ...(s.type === 'call' ? { rings: s.value } : { greetSeconds: s.value }) }));
  const stored = await core.ingest.ingest(items);
  expect(JSON.stringify(stored)).not.toContain('"error"');
  for (const [i, s] of specs.entries()) {
    if (i % 7 === 0) {
      await core.corrections.correct(s.id, { action: 'void', reason: 'duplicate' }, 'test');
      s.voided = true;
    } else if (i % 7 === 3) {
      s.value = s.type === 'call' ? 1 + ((s.value + 2) % 5) : (s.value + 25) % 60;
      await core.corrections.correct(s.id, { action: 'amend', reason: 'log', changes: s.type === 'call' ? { rings: s.value } : { greetSeconds: s.value } }, 'test');
    } else if (i % 7 === 5) {
      s.outcome = s.type === 'call' ? (s.outcome === 'answered' ? 'abandoned' : 'answered') : s.outcome === 'greeted' ? 'left' : 'greeted';
      await core.corrections.correct(s.id, { action: 'amend', reason: 'log', changes: { outcome: s.outcome as 'answered' } }, 'test');
    }
  }
  corrected = await report();
});

afterAll(async () => {
  await core?.close();
  removeDir(dir);
});

describe('an hour-aligned report, from the hour grain', () => {
  it('is read from the hour grain alone', () => {
    const bounds = bucketBounds(query.fromMs, query.toMs, 'hour', 'UTC');
    expect(splitRange(query.fromMs, query.toMs, [query.fromMs, query.toMs, ...bounds.starts.slice(1)])).toMatchObject({ raw: [], rollups: [{ grain: { name: 'hour' } }] });
  });

  it('equals the recount after voids and amendments', () => {
    expect(specs.filter((s) => s.voided).length).toBeGreaterThan(20);
    expect(figures(corrected)).toEqual(expected());
  });

  it('is unchanged by pruning at a cutoff inside one of its hours, and by rebuild-rollups from that cutoff', async () => {
    const pruned = await prune(core.store, new AuditService(core.store, dir), RETAIN_DAYS);
    expect(pruned.prunedBeforeMs).toBe(CUTOFF);
    expect(pruned.events).toBeGreaterThan(0);
    const afterPrune = await report();
    expect({ ...afterPrune, prunedBefore: null }).toEqual(corrected);
    await core.store.write((tx) => tx.writes.rebuildRollups());
    const rebuilt = await report();
    expect(figures(rebuilt)).toEqual(expected());
    expect(rebuilt).toEqual(afterPrune);
  });
});
