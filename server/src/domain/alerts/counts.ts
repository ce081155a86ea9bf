// Counts over a window and the seam through which alerts read them (ComplianceSource).

/** Judgements in a window: `counted` are in the denominator, `met` in the numerator. */
export interface WindowCounts {
  counted: number;
  met: number;
}

export interface WindowRange {
  /** [fromMs, toMs) on the event's occurredAt. */
  fromMs: number;
  toMs: number;
}

/** Counts of one standard at one site, one entry per requested window (same order). */
export interface ScopedCounts {
  standardId: string;
  site: string;
  counts: WindowCounts[];
}

/**
 * Where alert evaluation gets its figures: counted/met per standard × site over each window [from, to).
 * Today it is one SQL pass over raw judgements (store/alertStore.ts); rollup tables can implement the
 * same interface (sum whole buckets) without the alerts code changing. Sites with nothing counted in
 * any window may be left out.
 */
export interface ComplianceSource {
  counts(windows: readonly WindowRange[]): ScopedCounts[];
}

export const NO_COUNTS: WindowCounts = { counted: 0, met: 0 };

export function ratio(c: WindowCounts): number | null {
  return c.counted === 0 ? null : c.met / c.counted;
}

export function sumCounts(a: WindowCounts, b: WindowCounts): WindowCounts {
  return { counted: a.counted + b.counted, met: a.met + b.met };
}
