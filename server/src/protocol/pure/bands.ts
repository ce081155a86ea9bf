// Wallboard bands: the one rule the server (figures, alerts), the dashboard and the VS Code extension colour a
// compliance ratio by. Green when the ratio is ≥ bands.green, amber when ≥ bands.amber, red below.

/** A standard's band boundaries, ratios 0..1 (amber ≤ green). */
export interface Bands {
  green: number;
  amber: number;
}
export type Band = 'green' | 'amber' | 'red';

/** Without bands of its own, a standard is amber from this far below its target down, red below that. */
export const DEFAULT_AMBER_MARGIN = 0.05;

/** Bands when a standard does not say: green from the target, amber down to 5 points below it (never below 0). */
export function defaultBands(target: number): Bands {
  // Rounded so that 0.9 − 0.05 is stored and shown as 0.85, not 0.8500000000000001.
  return { green: target, amber: Math.max(0, Math.round((target - DEFAULT_AMBER_MARGIN) * 1e6) / 1e6) };
}

/** The standard's own bands when it has them, else the defaults of its target. */
export function bandsOf(standard: { target: number; bands?: Bands | undefined }): Bands {
  return standard.bands ?? defaultBands(standard.target);
}

/** The band of `ratio` within `bands` (null: nothing counted, no band). */
export function bandIn(ratio: number | null, bands: Bands): Band | null {
  if (ratio === null) return null;
  if (ratio >= bands.green) return 'green';
  return ratio >= bands.amber ? 'amber' : 'red';
}

/** The band of `ratio` for a standard with these bands, or (`bands` absent) the defaults of its target. */
export function bandOf(ratio: number | null, bands: Bands | undefined, target: number): Band | null {
  return bandIn(ratio, bands ?? defaultBands(target));
}

/** Worse is higher: what "the worst standard" and a site's colour are chosen by. */
export const BAND_RANK: Readonly<Record<Band, 0 | 1 | 2>> = { green: 0, amber: 1, red: 2 };

/** The worst band among several (null when none has a band: nothing counted anywhere). */
export function worstBand(bands: Iterable<Band | null | undefined>): Band | null {
  let worst: Band | null = null;
  for (const band of bands) if (band && (worst === null || BAND_RANK[band] > BAND_RANK[worst])) worst = band;
  return worst;
}
