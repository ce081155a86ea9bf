// Counts over a window, as alert evaluation reads them from the compliance reader (services/compliance.ts
// windowCounts): counted/met per standard × site over each window [from, to).

/** Judgements in a window: `counted` are in the denominator, `met` in the numerator. */
export interface WindowCounts {
  counted: number;
  met: number;
  /** The standard versions whose judgements are counted in the window, oldest first (absent: none known). */
  versions?: readonly number[];
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

export const NO_COUNTS: WindowCounts = { counted: 0, met: 0 };

export function ratio(c: WindowCounts): number | null {
  return c.counted === 0 ? null : c.met / c.counted;
}

