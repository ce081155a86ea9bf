// Compliance figures from sums: the ratio Σmet / Σcounted, its band, the companions (considered, abandon rate,
// average, nearest-rank p90, longest wait), per version, per bucket, per group. Pure: the sums come from the
// compliance reader (services/compliance.ts), the arithmetic of a judgement's part from rollups.ts.
import type { Companions, GroupFigure, SeriesPoint, Standard, StandardVersion, VersionContribution } from '../protocol';
import { fold, zeroSums, type Sums } from './rollups';
import { bandOf } from './standards';

/** A measured value and how many judgements have it. */
export interface Weighted {
  value: number;
  n: number;
}

/** met / counted, or null when nothing was counted (no data is not 0 % and not 100 %). */
const ratio = (met: number, counted: number): number | null => (counted === 0 ? null : met / counted);

/** p90 by nearest rank: the smallest value with at least 90 % of values ≤ it. */
export function p90(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1]!;
}

/** The same nearest-rank p90 over (value, count) pairs (equal values are counted, not listed). */
export function weightedP90(values: readonly Weighted[]): number | null {
  let total = 0;
  for (const v of values) total += v.n;
  if (total === 0) return null;
  const rank = Math.ceil(0.9 * total);
  const sorted = [...values].sort((a, b) => a.value - b.value);
  let seen = 0;
  for (const v of sorted) {
    seen += v.n;
    if (seen >= rank) return v.value;
  }
  return sorted.at(-1)!.value;
}

export function companions(measure: string, s: Sums, values: readonly Weighted[]): Companions {
  return {
    measure,
    considered: s.considered,
    abandoned: s.abandoned,
    abandonRate: s.considered === 0 ? null : s.abandoned / s.considered,
    average: s.valueN === 0 ? null : s.valueSum / s.valueN,
    p90: weightedP90(values),
    longestWaitSeconds: s.waitMax,
  };
}

/** Sums per version, with each version's own rule, so a figure can be reproduced. */
export function versionContributions(byVersion: ReadonlyMap<number, Sums>, versions: readonly StandardVersion[], current: Standard): VersionContribution[] {
  return [...byVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, s]) => {
      const def = versions.find((v) => v.version === version);
      return {
        version,
        formula: def?.formula ?? current.formula,
        operator: def?.operator ?? current.operator,
        threshold: def?.threshold ?? current.threshold,
        shortAbandonSeconds: def?.shortAbandonSeconds ?? null,
        numerator: s.met,
        denominator: s.counted,
        target: def?.target ?? current.target,
        validFrom: def ? def.validFrom : (current.validFrom ?? null),
        name: def?.name ?? current.name,
      };
    });
}

/** Rows of sums (any shape) added up: in total and per version. */
export function totalsOf(rows: Iterable<Sums & { version: number }>): { total: Sums; byVersion: Map<number, Sums> } {
  const total = zeroSums();
  const byVersion = new Map<number, Sums>();
  for (const r of rows) {
    fold(total, r);
    let v = byVersion.get(r.version);
    if (!v) byVersion.set(r.version, (v = zeroSums()));
    fold(v, r);
  }
  return { total, byVersion };
}

function upperBound(sorted: readonly number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One point per bucket: rows placed by their instant `t` (a bucket holds t in [start, next start)). */
export function seriesOf(rows: Iterable<{ t: number; met: number; counted: number }>, starts: readonly number[], iso: readonly string[]): SeriesPoint[] {
  const sums = starts.map(() => ({ counted: 0, met: 0 }));
  for (const row of rows) {
    const i = upperBound(starts, row.t) - 1;
    if (i >= 0) {
      sums[i]!.counted += row.counted;
      sums[i]!.met += row.met;
    }
  }
  return starts.map((_start, i) => ({ start: iso[i]!, end: iso[i + 1]!, total: sums[i]!.counted, met: sums[i]!.met, ratio: ratio(sums[i]!.met, sums[i]!.counted) }));
}

/** One group's figure: the same counts, band and companions as a figure. */
export function groupFigure(std: Standard, key: string | null, s: Sums, values: readonly Weighted[]): GroupFigure {
  const r = ratio(s.met, s.counted);
  return { key, numerator: s.met, denominator: s.counted, met: s.met, total: s.counted, missed: s.counted - s.met, ratio: r, band: bandOf(r, std.bands, std.target), companions: companions(std.measure, s, values) };
}

/** Groups ordered by key, the group without a key (no queue / agent) last. */
export const byGroupKey = (a: string | null, b: string | null): number => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0);
