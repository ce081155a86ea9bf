// Rollups are maintained in the ingest transaction; rebuilding them from raw events gives the same
// rows, and figures read from rollups equal figures read from raw events.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/src/store/sqlite/database';
import { rebuildRollups } from '../../../server/src/store/sqlite/rebuild';
import { dumpTable } from '../support/database';
import { buildEngineCli, useEngineServer } from './support';

const server = useEngineServer();
const T0 = Date.parse('2026-05-01T00:00:00Z');

beforeAll(async () => {
  await server().send('POST', '/api/v1/sites', { id: 'r-open', timeZone: 'Asia/Kathmandu', hours: { mon: ['09:00-17:00'], fri: ['09:00-17:00'] } });
  await server().send('POST', '/api/v1/standards', { id: 'r-f1', name: 'r-f1', eventType: 'call', measure: 'answerSeconds', threshold: 12.5, target: 0.8, formula: 'F1', shortAbandonSeconds: 3 });
  // 600 pseudo-random events over three days at three sites.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const events = Array.from({ length: 600 }, () => {
    const site = ['r-open', 'r-a', 'r-b'][Math.floor(rnd() * 3)]!;
    const at = new Date(T0 + Math.floor(rnd() * 3 * 86_400_000)).toISOString();
    return rnd() < 0.5
      ? { type: 'call', site, occurredAt: at, outcome: rnd() < 0.8 ? 'answered' : 'abandoned', answerSeconds: Math.round(rnd() * 300) / 10, queue: rnd() < 0.5 ? 'q' : undefined }
      : { type: 'visit', site, occurredAt: at, outcome: rnd() < 0.8 ? 'greeted' : 'left', greetSeconds: Math.round(rnd() * 600) / 10 };
  });
  for (let i = 0; i < events.length; i += 100) expect((await server().postEvents({ events: events.slice(i, i + 100) })).status).toBe(201);
});

function dump(dir: string) {
  const db = openDatabase(dir);
  try {
    return { minute: dumpTable(db, 'rollup_minute') as any[], quarter: dumpTable(db, 'rollup_15m') as any[], values: [dumpTable(db, 'value_hist_15m'), dumpTable(db, 'value_hist_day')] };
  } finally {
    db.close();
  }
}

describe('rollups', () => {
  it('figures from rollups (aligned range) equal figures from raw events (unaligned by 1 ms, same events)', async () => {
    const aligned = (await server().getJson('/api/v1/compliance?from=2026-05-01T00:00:00Z&to=2026-05-04T00:00:00Z&groupBy=site')).body;
    const raw = (await server().getJson('/api/v1/compliance?from=2026-04-30T23:59:59.999Z&to=2026-05-04T00:00:00.001Z&groupBy=site')).body;
    expect(aligned.standards.length).toBe(3);
    for (const [a, r] of aligned.standards.map((s: any, i: number) => [s, raw.standards[i]])) {
      expect(a.denominator).toBeGreaterThan(50);
      expect([a.numerator, a.denominator, a.groups.map((g: any) => [g.key, g.numerator, g.denominator])]).toEqual([r.numerator, r.denominator, r.groups.map((g: any) => [g.key, g.numerator, g.denominator])]);
      expect(a.companions.average).toBeCloseTo(r.companions.average, 9);
      expect(a.companions.longestWaitSeconds).toBe(r.companions.longestWaitSeconds);
    }
  });

  it('rebuild-rollups (CLI) recomputes exactly the rows ingest maintained', async () => {
    await server().close();
    const before = dump(server().dataDir);
    expect(before.quarter.length).toBeGreaterThan(100);
    expect(before.minute.length).toBeGreaterThan(before.quarter.length);
    const cli = await buildEngineCli();
    let out: string;
    try {
      out = execFileSync(process.execPath, [cli, 'rebuild-rollups', '--data', server().dataDir], { encoding: 'utf8' });
    } finally {
      rmSync(cli, { force: true });
    }
    expect(out).toMatch(/rollups rebuilt/);
    const after = dump(server().dataDir);
    const strip = (rows: any[]) => rows.map(({ value_sum, ...rest }) => rest);
    expect(strip(after.quarter)).toEqual(strip(before.quarter));
    expect(strip(after.minute)).toEqual(strip(before.minute));
    expect(before.values[0]!.length).toBeGreaterThan(100); // the value histograms too
    expect(after.values).toEqual(before.values);
    // Sums of fractional seconds may differ in the last bits with summation order.
    after.quarter.forEach((row, i) => expect(row.value_sum).toBeCloseTo(before.quarter[i].value_sum, 9));
    // And a rebuild from a wiped table restores it too.
    const db = openDatabase(server().dataDir);
    db.exec('DELETE FROM rollup_15m');
    rebuildRollups(db);
    db.close();
    expect(strip(dump(server().dataDir).quarter)).toEqual(strip(before.quarter));
  });
});
