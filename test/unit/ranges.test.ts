// Which rollup grain a range is read from (domain/ranges.ts): the coarsest grain every boundary is on, the hour for
// hour-aligned reports; an off-grid range (a rolling window) keeps its quarter-hour interior and raw edges under a
// quarter hour, however its inner boundaries are aligned.
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
    expect(splitRange(T, to, hours(T, 30 * 24))).toEqual({ raw: [], rollup: { grain: expect.objectContaining({ name: 'hour', ms: HOUR }), fromMs: T, toMs: to } });
    expect(splitRange(T, T + HOUR, [T, T + HOUR]).rollup?.grain.name).toBe('hour');
  });

  it('reads a range with a boundary on a quarter hour (a half-hour zone) from the quarter grain, on a minute from the minute grain', () => {
    // Asia/Kolkata's hours start at :30 UTC.
    const from = T + 30 * MINUTE;
    expect(splitRange(from, from + 24 * HOUR, hours(from, 24)).rollup?.grain.name).toBe('quarter');
    expect(splitRange(T, T + 2 * HOUR, [T, T + HOUR + QUARTER, T + 2 * HOUR]).rollup?.grain.name).toBe('quarter');
    expect(splitRange(T, T + HOUR, [T, T + 7 * MINUTE, T + HOUR])).toEqual({ raw: [], rollup: { grain: expect.objectContaining({ name: 'minute' }), fromMs: T, toMs: T + HOUR } });
  });

  it('reads an off-grid range with hour boundaries inside from quarter hours, its raw edges each under a quarter hour', () => {
    const from = T + 17 * MINUTE + 23_456; // a rolling window: 30 days until now
    const to = from + 30 * 24 * HOUR;
    const inner = hours(T + HOUR, 30 * 24 - 1);
    const split = splitRange(from, to, [from, ...inner, to]);
    expect(split.rollup).toEqual({ grain: expect.objectContaining({ name: 'quarter' }), fromMs: T + 30 * MINUTE, toMs: to - 17 * MINUTE - 23_456 + 15 * MINUTE });
    expect(split.raw).toEqual([
      { fromMs: from, toMs: T + 30 * MINUTE },
      { fromMs: to - 2 * MINUTE - 23_456, toMs: to },
    ]);
    for (const r of split.raw) expect(r.toMs - r.fromMs).toBeLessThan(QUARTER);
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
