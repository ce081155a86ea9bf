// Same wording as the dashboard tiles (webview/src/format.ts), so both show "93.1 %" for the same figure.
export function formatPercent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`;
}
