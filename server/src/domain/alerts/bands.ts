// Band alerts: green / amber / red from rolling compliance, with a minimum sample and hysteresis.
import { BAND_RANK, bandsOf as standardBands, type Standard } from '../../protocol';
import { ratio, type WindowCounts } from './counts';
import { EPSILON, type AlertPolicy } from './policy';

export type BandSeverity = 'amber' | 'red';

/** Compliance below `amberBelow` is amber, below `redBelow` red (ratios 0..1). */
export interface BandBoundaries {
  amberBelow: number;
  redBelow: number;
}

/**
 * The standard's band boundaries, by the protocol's one band rule (protocol/pure/bands.ts): amber below
 * bands.green, red below bands.amber; without bands, amber below the target and red below target − 5 points.
 */
export function bandsOf(standard: Pick<Standard, 'target' | 'bands'>): BandBoundaries {
  const { green, amber } = standardBands(standard);
  return { amberBelow: green, redBelow: Math.min(amber, green) };
}

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
  const now = current === null ? 0 : BAND_RANK[current];
  const raw = rankOf(r, bands, 0);
  if (raw >= now) return BY_RANK[raw];
  return BY_RANK[Math.min(now, rankOf(r, bands, policy.hysteresis)) as 0 | 1 | 2];
}
