// Red/amber/green against a target, the way wallboards band it.
export type Band = 'good' | 'warn' | 'bad' | 'none';

/**
 * Green at or above target. Amber while the shortfall is within one error budget (1 − target) below it,
 * e.g. 80–90 % for a 90 % target, 98–99 % for 99 %: slipping, not yet failing twice over. Red below that.
 */
export function bandFor(ratio: number | null, target: number): Band {
  if (ratio === null) return 'none';
  if (ratio >= target) return 'good';
  const budget = Math.max(1 - target, 0.01);
  return ratio >= target - budget ? 'warn' : 'bad';
}
