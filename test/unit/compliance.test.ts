import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { complianceFigure, foldJudgements, ratioOf } from '../../server/src/domain/compliance';
import { buildSeries } from '../../server/src/domain/series';
import { bucketStarts, startOfLocalDay } from '../../server/src/domain/buckets';
import { DEFAULT_STANDARDS } from '../../server/src/domain/standards';

describe('compliance arithmetic', () => {
  it('folds judgements into total, met, missed and ratio', () => {
    expect(foldJudgements([{ met: true }, { met: true }, { met: false }, { met: true }])).toEqual({ total: 4, met: 3, missed: 1, ratio: 0.75 });
  });
  it('has no ratio when nothing was counted (not 0 %, not 100 %)', () => {
    expect(foldJudgements([])).toEqual({ total: 0, met: 0, missed: 0, ratio: null });
    expect(ratioOf({ total: 0, met: 0 })).toBeNull();
  });
  it('property: met + missed = total and 0 ≤ ratio ≤ 1', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1 }), (mets) => {
        const f = foldJudgements(mets.map((met) => ({ met })));
        expect(f.met + f.missed).toBe(f.total);
        expect(f.ratio).toBeGreaterThanOrEqual(0);
        expect(f.ratio).toBeLessThanOrEqual(1);
      }),
    );
  });
  it('a figure states the standard, its target and its formula', () => {
    expect(complianceFigure(DEFAULT_STANDARDS[0]!, { total: 10, met: 9 })).toEqual({
      standardId: 'call-answer-2-rings',
      standardName: 'Calls answered within 2 rings',
      target: 0.9,
      formula: 'F3',
      total: 10,
      met: 9,
      missed: 1,
      ratio: 0.9,
      numerator: 9,
      denominator: 10,
      band: 'green',
    });
  });
});

describe('series', () => {
  const t0 = Date.UTC(2026, 10, 23, 9, 0);
  it('fills every minute of the range, summing the counts inside each', () => {
    const points = buildSeries(
      [
        { minuteMs: t0, total: 2, met: 1 },
        { minuteMs: t0 + 120_000, total: 4, met: 4 },
      ],
      'minute',
      t0,
      t0 + 180_000,
    );
    expect(points).toEqual([
      { start: '2026-11-23T09:00:00.000Z', total: 2, met: 1, ratio: 0.5 },
      { start: '2026-11-23T09:01:00.000Z', total: 0, met: 0, ratio: null },
      { start: '2026-11-23T09:02:00.000Z', total: 4, met: 4, ratio: 1 },
    ]);
  });
  it('sums minutes into local hours', () => {
    const hourStart = new Date(2026, 10, 23, 9, 0).getTime(); // 09:00 in the server's zone
    const points = buildSeries(
      [
        { minuteMs: hourStart + 60_000, total: 1, met: 1 },
        { minuteMs: hourStart + 59 * 60_000, total: 1, met: 0 },
        { minuteMs: hourStart + 60 * 60_000, total: 1, met: 1 },
      ],
      'hour',
      hourStart,
      hourStart + 2 * 3_600_000,
    );
    expect(points).toEqual([
      { start: new Date(hourStart).toISOString(), total: 2, met: 1, ratio: 0.5 },
      { start: new Date(hourStart + 3_600_000).toISOString(), total: 1, met: 1, ratio: 1 },
    ]);
  });
  it('day buckets start at local midnight and follow each other', () => {
    const days = bucketStarts(t0, t0 + 3 * 86_400_000, 'day');
    expect(days[0]).toBe(startOfLocalDay(t0));
    for (const d of days) expect(new Date(d).getHours()).toBe(0);
  });
});
