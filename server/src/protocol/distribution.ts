// GET /api/v1/distribution (the dashboard's histogram): how waits were spread for a standard's events —
// calls answered on ring 1, 2, 3, 4+ and abandoned; visitors greeted in 0–10 s, …, 60 s+ and left.
import type { Operator } from './standards';
import type { Incomplete } from './retention';

/**
 * One bar. Bins of a measure are closed on the right: "10–20 s" is (10, 20], "0–10 s" is [0, 10], so a
 * threshold of "≤ 30 s" or "≤ 2 rings" falls exactly on a bin edge. The last bin is the unfinished outcome
 * (abandoned call, visitor who left), whatever its wait.
 */
export interface DistributionBin {
  /** Stable key: "ring-1" … "ring-4+", "s-0-10" … "s-60+", "abandoned", "left". */
  key: string;
  /** As shown: "Ring 1", "4+ rings", "10–20 s", "60 s+", "Abandoned", "Left". */
  label: string;
  /** 'wait' bins partition answered/greeted events by the measure; the last bin is the abandon/leave bin. */
  kind: 'wait' | 'abandoned';
  /** Lower (exclusive, except for the first) and upper (inclusive) edge in the bin unit; null = open. */
  from: number | null;
  to: number | null;
  /** Events in the bin. */
  count: number;
  /** Of those, the ones that met the standard (as judged and recorded at the time). */
  met: number;
}

export interface StandardDistribution {
  standardId: string;
  standardName: string;
  eventType: string;
  measure: string;
  /** The unit the bins are in: rings for a rings measure, otherwise seconds. */
  unit: 'rings' | 'seconds';
  operator: Operator;
  threshold: number;
  /**
   * Where the threshold sits among the bins: the number of wait bins entirely within it (the marker is drawn
   * after that many bars); null when it does not fall on a bin edge (then `threshold` is shown as text).
   */
  thresholdAfterBin: number | null;
  bins: DistributionBin[];
  /** Σ count: judged events in range that were not excluded as outside business hours. */
  total: number;
  /**
   * Only when the bins lack events that retention pruned: a range edge off the quarter-hour grid before the cutoff
   * (the rest of a pruned range is counted from the value histograms and rollups, exactly).
   */
  incomplete?: Incomplete;
}

export interface DistributionReport {
  from: string;
  to: string;
  site: string | null;
  /**
   * The zone of "today" and "month" (those windows, and the default range): `tz`, else the site's when one
   * configured site is asked, else the server's. Always sent by this server.
   */
  timeZone?: string;
  standards: StandardDistribution[];
  /** Raw events before this instant (ISO UTC) were pruned by retention; null = none were. Always sent by this server. */
  prunedBefore?: string | null;
}
