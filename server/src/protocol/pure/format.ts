// How figures read, the same on the dashboard's tiles and banner, in the extension's status bar, trees and
// notifications, and in the server's incident summaries: "93.1 %" here is "93.1 %" everywhere.
//
// The one rounding rule: a figure is never rounded onto the other side of the threshold it is judged against.
// - Percentages are floored to one decimal: 89.96 % reads "89.9 %", never "90.0 %" next to a 90 % target it
//   misses. (Compliance is met when the ratio is ≥ the target, so a figure below must read below.)
// - Multipliers (burn rates) are raised to one decimal: a rule fires when a rate is strictly above its factor, so
//   14.41× reads "14.5×", never "14.4×" next to "fires above 14.4×"; 14.4× exactly reads "14.4×".
// - Thresholds themselves (targets, band boundaries, factors) are shown exactly, up to two decimals: "90 %",
//   "92.5 %", "14.4×".
// The tiny epsilon absorbs float noise in ratio × 1000 (0.29 × 1000 is 289.99999999999994); it is far below the gap
// between two ratios of up to ten million counted events, so no figure moves across a tenth because of it.

const NOISE = 1e-7;

/** 0.931 → "93.1 %", 0.89996 → "89.9 %" (floored to the tenth); null (nothing counted yet) → "—". */
export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '—';
  return `${(Math.floor(ratio * 1000 + NOISE) / 10).toFixed(1)} %`;
}

/** A threshold ratio exactly, trailing zeros dropped: 0.9 → "90 %", 0.925 → "92.5 %", 0.9255 → "92.55 %". */
export function formatThreshold(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100} %`;
}

/** A burn rate raised to the tenth: 14.41 → "14.5×", 14.4 → "14.4×"; null (nothing counted) → "n/a". */
export function formatTimes(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return 'n/a';
  return `${(Math.ceil(rate * 10 - NOISE) / 10).toFixed(1)}×`;
}

/** The word for `n` of something: `one` for 1, else `many` (`one` + "s" unless given): "event", "breaches", "taps are". */
export function countNoun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** A factor exactly: 14.4 → "14.4×", 6 → "6×". */
export function formatFactor(factor: number): string {
  return `${Math.round(factor * 100) / 100}×`;
}
