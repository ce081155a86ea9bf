// How a band shows on the page (good / warn / bad / none: the data-band attribute the stylesheet colours), and
// the error budget. Which band a ratio is in is the protocol's one rule (protocol/pure/bands.ts).
import { bandIn, type Band, type Bands } from '@ringside/server/protocol/pure';

/** A band as the page shows it; 'none' when nothing was counted. */
export type BandTone = 'good' | 'warn' | 'bad' | 'none';

const TONE: Readonly<Record<Band, BandTone>> = { green: 'good', amber: 'warn', red: 'bad' };

/** A tone in words, for whoever cannot see or tell the colours: a site bar's label, a tile's band. */
export const BAND_WORDS: Readonly<Record<BandTone, string>> = { good: 'green', warn: 'amber', bad: 'red', none: 'no events' };

/** The tone of `ratio` against a standard's bands (bandsOf(standard): its own, or its target's defaults). */
export function bandFor(ratio: number | null, bands: Bands): BandTone {
  const band = bandIn(ratio, bands);
  return band === null ? 'none' : TONE[band];
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

/**
 * "budget left 42 %", "budget overspent (−30 %)", "target 100 %: no misses so far", "error budget: no events yet";
 * `open` false (a range wholly past) says "no events", "no misses": nothing more can come.
 */
export function formatBudget(b: ErrorBudget, denominator: number, open: boolean): string {
  if (denominator === 0) return open ? 'error budget: no events yet' : 'error budget: no events';
  if (b.budget === 0) return b.misses === 0 ? (open ? 'target 100 %: no misses so far' : 'target 100 %: no misses') : `target 100 %: ${b.misses} missed`;
  const left = Math.round((b.left ?? 0) * 100);
  return left >= 0 ? `budget left ${left} %` : `budget overspent (−${Math.abs(left)} %)`;
}
