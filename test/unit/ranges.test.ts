// Which rollup grains a range is read from (domain/ranges.ts): the coarsest grain every boundary is on, the hour for
// hour-aligned reports; an off-grid range (a rolling window) reads its interior from the coarsest grain its inner
// boundaries allow, quarter hours towards its ends, and raw edges under a quarter hour.
import { describe, expect, it } from 'vitest';
import { decompose, splitRange } from '../../server/src/domain/ranges';

const HOUR = 3_600_000;
const QUARTER = 900_000;
const MINUTE = 60_000;
const T = Date.parse('2026-11-01T00:00:00Z');
const hours = (from: number, n: number) => Array.from({ length: n + 1 }, (_, i) => from + i * HOUR);

describe('splitRange', () => {
  it('reads an hour-aligned report (30 days by hour in UTC) from the hour grain alone', () => {
    const to = T + 30 * 24 * HOUR;
    expect(splitRange(T, to, hours(T, 30 * 24))).toEqual({ raw: [], rollups: [{ grain: expect.objectContaining({ name: 'hour', ms: HOUR }), fromMs: T, toMs: to }] });
    expect(splitRange(T, T + HOUR, [T, T + HOUR]).rollups.map((r) => r.grain.name)).toEqual(['hour']);
  });

  it('reads a range with a boundary on a quarter hour (a half-hour zone) from the quarter grain, on a minute from the minute grain', () => {
    // Asia/Kolkata's hours start at :30 UTC.
    const from = T + 30 * MINUTE;
    expect(splitRange(from, from + 24 * HOUR, hours(from, 24)).rollups.map((r) => r.grain.name)).toEqual(['quarter']);
    expect(splitRange(T, T + 2 * HOUR, [T, T + HOUR + QUARTER, T + 2 * HOUR]).rollups.map((r) => r.grain.name)).toEqual(['quarter']);
    expect(splitRange(T, T + HOUR, [T, T + 7 * MINUTE, T + HOUR])).toEqual({ raw: [], rollups: [{ grain: expect.objectContaining({ name: 'minute' }), fromMs: T, toMs: T + HOUR }] });
  });

  it('reads an off-grid range with hour boundaries inside from whole hours, quarter hours towards its ends, its raw edges each under a quarter hour', () => {
    const from = T + 17 * MINUTE + 23_456; // a rolling window: 30 days until now
    const to = from + 30 * 24 * HOUR;
    const inner = hours(T + HOUR, 30 * 24 - 1);
    const split = splitRange(from, to, [from, ...inner, to]);
    const at = (m: number) => T + m * MINUTE;
    expect(split.rollups.map((r) => [r.grain.name, r.fromMs, r.toMs])).toEqual([
      ['quarter', at(30), at(60)],
      ['hour', at(60), at(30 * 24 * 60)],
      ['quarter', at(30 * 24 * 60), at(30 * 24 * 60 + 15)],
    ]);
    expect(split.raw).toEqual([
      { fromMs: from, toMs: at(30) },
      { fromMs: at(30 * 24 * 60 + 15), toMs: to },
    ]);
    for (const r of split.raw) expect(r.toMs - r.fromMs).toBeLessThan(QUARTER);
  });

  it('keeps a rolling window in a half-hour zone (hour boundaries at :30) on quarter hours', () => {
    const from = T + 7 * MINUTE + 5_000;
    const to = from + 7 * 24 * HOUR;
    const split = splitRange(from, to, [from, ...hours(T + 30 * MINUTE, 7 * 24 - 1), to]);
    expect(split.rollups.map((r) => [r.grain.name, r.fromMs, r.toMs])).toEqual([['quarter', T + QUARTER, T + 7 * 24 * HOUR]]);
  });

  it('reads a range on the quarter-hour grid with whole hours inside from the hours, quarter hours at its ends, nothing raw', () => {
    const from = T + QUARTER;
    const to = T + 30 * 24 * HOUR + 3 * QUARTER;
    expect(splitRange(from, to, [from, to])).toEqual({
      raw: [],
      rollups: [
        { grain: expect.objectContaining({ name: 'quarter' }), fromMs: from, toMs: T + HOUR },
        { grain: expect.objectContaining({ name: 'hour' }), fromMs: T + HOUR, toMs: T + 30 * 24 * HOUR },
        { grain: expect.objectContaining({ name: 'quarter' }), fromMs: T + 30 * 24 * HOUR, toMs: to },
      ],
    });
  });

  it('covers every range exactly once, rollup spans on their grid, raw pieces under a quarter hour', () => {
    for (const [from, to] of [
      [T + 1, T + HOUR - 1],
      [T + 14 * MINUTE, T + 46 * MINUTE],
      [T + 59 * MINUTE, T + 61 * MINUTE + 1],
      [T + 5 * MINUTE, T + 3 * 24 * HOUR + 3],
      [T + 7 * MINUTE, T + 2 * HOUR + 53 * MINUTE],
      [T + QUARTER, T + 3 * HOUR],
    ] as const) {
      const split = splitRange(from, to, [from, to]);
      const pieces = [...split.raw, ...split.rollups].sort((a, b) => a.fromMs - b.fromMs);
      expect(pieces[0]!.fromMs).toBe(from);
      expect(pieces.at(-1)!.toMs).toBe(to);
      for (const [i, p] of pieces.entries()) if (i > 0) expect(p.fromMs).toBe(pieces[i - 1]!.toMs);
      for (const r of split.rollups) expect([r.fromMs % r.grain.ms, r.toMs % r.grain.ms]).toEqual([0, 0]);
      for (const r of split.raw) expect(r.toMs - r.fromMs).toBeLessThan(QUARTER);
    }
  });
});

describe('decompose (alert windows)', () => {
  it('takes whole hours from the hour grain, quarter hours and minutes at the edges, raw below a minute', () => {
    const from = T + 7 * MINUTE + 5_000;
    const to = T + 3 * HOUR + 16 * MINUTE + 30_000;
    expect(decompose(from, to).map((p) => [p.grain?.name ?? 'raw', (p.fromMs - T) / MINUTE, (p.toMs - T) / MINUTE])).toEqual([
      ['raw', 7 + 5 / 60, 8],
      ['minute', 8, 15],
      ['quarter', 15, 60],
      ['hour', 60, 180],
      ['quarter', 180, 195],
      ['minute', 195, 196],
      ['raw', 196, 196.5],
    ]);
  });
});
