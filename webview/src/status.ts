// Red/amber/green against a standard's bands, the way wallboards band it, and the error budget.
import type { Bands, Standard } from '@ringside/server/protocol';

export type Band = 'good' | 'warn' | 'bad' | 'none';

/** Amber this far below the target by default (5 percentage points), as the engine's defaults. */
export const DEFAULT_AMBER_MARGIN = 0.05;

/** The standard's own bands when the server sends them; else green at the target, amber down to 5 pts below. */
export function bandsOf(standard: Pick<Standard, 'target'> & { bands?: Bands | undefined }): Bands {
  if (standard.bands) return standard.bands;
  return { green: standard.target, amber: Math.max(0, Math.round((standard.target - DEFAULT_AMBER_MARGIN) * 1e6) / 1e6) };
}

/**
 * Green at or above the green band (the target by default), amber down to the amber band, red below it.
 * `target` alone (a number) means the default bands of that target.
 */
export function bandFor(ratio: number | null, bandsOrTarget: Bands | number): Band {
  if (ratio === null) return 'none';
  const bands = typeof bandsOrTarget === 'number' ? bandsOf({ target: bandsOrTarget }) : bandsOrTarget;
  if (ratio >= bands.green) return 'good';
  return ratio >= bands.amber ? 'warn' : 'bad';
}

export interface ErrorBudget {
  /** 1 − target: the share of events allowed to miss. */
  budget: number;
  /** Misses allowed for this denominator: denominator × (1 − target). */
  allowed: number;
  misses: number;
  /** misses / allowed (0 … ∞); null when nothing was counted or the target is 100 %. */
  consumed: number | null;
  /** 1 − consumed, below 0 when overspent; null as above. */
  left: number | null;
}

/** SRE error budget: budget = 1 − target; consumed = misses / (denominator × (1 − target)). */
export function errorBudget(target: number, numerator: number, denominator: number): ErrorBudget {
  const budget = Math.max(0, 1 - target);
  const misses = Math.max(0, denominator - numerator);
  const allowed = denominator * budget;
  if (denominator === 0 || allowed === 0) return { budget, allowed, misses, consumed: null, left: null };
  const consumed = misses / allowed;
  return { budget, allowed, misses, consumed, left: 1 - consumed };
}

/** "budget left 42 %", "budget spent (−30 %)", "no misses allowed", "no events yet". */
export function formatBudget(b: ErrorBudget, denominator: number): string {
  if (denominator === 0) return 'error budget: no events yet';
  if (b.budget === 0) return b.misses === 0 ? 'target 100 %: no misses so far' : `target 100 %: ${b.misses} missed`;
  const left = Math.round((b.left ?? 0) * 100);
  return left >= 0 ? `budget left ${left} %` : `budget overspent (−${Math.abs(left)} %)`;
}
