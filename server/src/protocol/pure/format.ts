// How a compliance ratio reads, the same on the dashboard's tiles, in the extension's status bar and tree, and in
// the summaries the page reports to its host: "93.1 %" here is "93.1 %" everywhere.

/** 0.931 → "93.1 %"; null (nothing counted yet) → "—". */
export function formatPercent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`;
}
