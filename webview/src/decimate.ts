// Keeps long series cheap to draw: at most `maxPoints` per dataset, by min/max per x bucket, so a dip in
// compliance (what an ops lead looks for) survives decimation where averaging or LTTB on a noisy series
// could smooth it away. Points without a value (nothing counted) become at most one gap per bucket.

export interface XY {
  x: number;
  y: number | null;
}

/** Default cap per dataset: a wide chart has ~600 px of plot, two points per 4 px is plenty. */
export const MAX_POINTS_PER_DATASET = 300;

/**
 * Returns `points` unchanged when short enough; otherwise the min and the max of each of maxPoints / 2
 * equal x buckets (in x order), keeping the first and last point. Input must be sorted by x.
 */
export function decimateMinMax<T extends XY>(points: readonly T[], maxPoints = MAX_POINTS_PER_DATASET): T[] {
  if (points.length <= maxPoints) return points as T[];
  if (maxPoints < 4) return [points[0]!, points.at(-1)!];
  const buckets = Math.floor((maxPoints - 2) / 2);
  const first = points[0]!;
  const last = points.at(-1)!;
  const span = last.x - first.x || 1;
  const out: T[] = [first];
  let i = 1;
  for (let b = 0; b < buckets; b += 1) {
    const end = first.x + ((b + 1) / buckets) * span;
    let min: T | null = null;
    let max: T | null = null;
    let gap: T | null = null;
    for (; i < points.length - 1 && (points[i]!.x < end || b === buckets - 1); i += 1) {
      const p = points[i]!;
      if (p.y === null) {
        gap ??= p;
        continue;
      }
      if (min === null || p.y < min.y!) min = p;
      if (max === null || p.y > max.y!) max = p;
    }
    if (min === null || max === null) {
      if (gap) out.push(gap);
      continue;
    }
    if (min === max) out.push(min);
    else if (min.x <= max.x) out.push(min, max);
    else out.push(max, min);
  }
  out.push(last);
  return out;
}
