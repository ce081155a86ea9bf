// Band alerts: green / amber / red from rolling compliance, with a minimum sample and hysteresis.
import type { Standard } from '../../protocol';
import { ratio, type WindowCounts } from './counts';
import { EPSILON, type AlertPolicy } from './policy';

export type BandSeverity = 'amber' | 'red';

/** Compliance below `amberBelow` is amber, below `redBelow` red (ratios 0..1). */
export interface BandBoundaries {
  amberBelow: number;
  redBelow: number;
}

/** Default bands when a standard names none: amber below target, red below target − 5 points. */
export const DEFAULT_RED_MARGIN = 0.05;

/**
 * The standard's band boundaries. A standard's `bands` are `{green, amber}`: green when the
 * ratio is ≥ green, amber when ≥ amber, red below; without them: green from the target, amber from
 * target − 5 points.
 */
export function bandsOf(standard: Pick<Standard, 'target' | 'bands'>): BandBoundaries {
  const b = standard.bands;
  const amberBelow = b && Number.isFinite(b.green) ? b.green : standard.target;
  const redBelow = b && Number.isFinite(b.amber) ? b.amber : Math.max(0, standard.target - DEFAULT_RED_MARGIN);
  return { amberBelow, redBelow: Math.min(redBelow, amberBelow) };
}

const RANK = { green: 0, amber: 1, red: 2 } as const;
const BY_RANK: readonly [null, 'amber', 'red'] = [null, 'amber', 'red'];

function rankOf(r: number, bands: BandBoundaries, shift: number): 0 | 1 | 2 {
  if (r < bands.redBelow + shift - EPSILON) return 2;
  if (r < bands.amberBelow + shift - EPSILON) return 1;
  return 0;
}

/**
 * The band severity the window asks for, given the current one; 'hold' when fewer than
 * `policy.minSample` events were counted (too little to judge: a single early miss pages nobody).
 * Worsening is immediate; improving needs compliance `policy.hysteresis` above the boundary, so a
 * figure hovering on a boundary does not flap.
 */
export function bandDecision(counts: WindowCounts, bands: BandBoundaries, policy: Pick<AlertPolicy, 'minSample' | 'hysteresis'>, current: BandSeverity | null): BandSeverity | null | 'hold' {
  const r = ratio(counts);
  if (r === null || counts.counted < Math.max(1, policy.minSample)) return 'hold';
  const now = current === null ? 0 : RANK[current];
  const raw = rankOf(r, bands, 0);
  if (raw >= now) return BY_RANK[raw];
  return BY_RANK[Math.min(now, rankOf(r, bands, policy.hysteresis)) as 0 | 1 | 2];
}
