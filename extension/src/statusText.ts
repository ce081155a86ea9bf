// What the status bar says, as a pure function of the connection, so the wording is easy to check.
import type { ComplianceFigure, ConnectionState } from '@ringside/server/protocol';

/** The standard the status bar follows (PRODUCT.md: a default standard on every fresh install). */
export const CALL_STANDARD_ID = 'call-answer-2-rings';

export interface StatusView {
  text: string;
  tooltip: string;
  /** True when the call standard is below its target: the item turns to the warning colour. */
  belowTarget: boolean;
}

/** Same wording as the dashboard tiles (webview/src/format.ts), so both show "93.1 %" for the same figure. */
export function formatPercent(ratio: number | null): string {
  return ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`;
}

export function statusView(state: ConnectionState, serverUrl: string, today: ComplianceFigure[] | undefined, error?: string): StatusView {
  if (state === 'connecting') {
    return { text: '$(sync~spin) Ringside connecting…', tooltip: `Connecting to ${serverUrl}`, belowTarget: false };
  }
  if (state === 'disconnected') {
    const why = error ? ` (${error})` : '';
    return { text: '$(debug-disconnect) Ringside offline', tooltip: `Not connected to ${serverUrl}${why}. Click to open the dashboard.`, belowTarget: false };
  }
  return connectedView(serverUrl, today ?? []);
}

function connectedView(serverUrl: string, today: ComplianceFigure[]): StatusView {
  const calls = today.find((figure) => figure.standardId === CALL_STANDARD_ID);
  const ratio = calls?.ratio ?? null;
  const belowTarget = calls !== undefined && ratio !== null && ratio < calls.target;
  const icon = ratio === null ? '$(pulse)' : belowTarget ? '$(warning)' : '$(pass)';
  const lines = today.map((figure) => `${figure.standardName}: ${formatPercent(figure.ratio)} (${figure.met}/${figure.total}, target ${formatPercent(figure.target)})`);
  const tooltip = [`Ringside — ${serverUrl}`, 'Today:', ...lines, 'Click to open the dashboard.'].join('\n');
  return { text: `${icon} Calls ${formatPercent(ratio)}`, tooltip, belowTarget };
}
