// What the status bar says, as a pure function of the connection, so the wording is easy to check:
// the WORST standard right now (band first, then distance below target) with its icon and figure;
// the tooltip (Markdown) lists every standard.
import type { Band, ComplianceFigure, ConnectionState, Standard } from '@ringside/server/protocol';
import { BAND_RANK, bandOf, formatPercent } from '@ringside/server/protocol/pure';

export interface StatusView {
  text: string;
  /** Markdown for a vscode.MarkdownString. */
  tooltip: string;
  /** The band of the standard shown (drives the item's background): null when nothing is counted or offline. */
  band: Band | null;
  /** The standard shown, if any. */
  standardId: string | null;
}

export const BAND_ICON: Record<Band, string> = { green: '$(pass-filled)', amber: '$(warning)', red: '$(error)' };
const MAX_LABEL = 40;

export function shortLabel(name: string): string {
  return name.length <= MAX_LABEL ? name : `${name.slice(0, MAX_LABEL - 1).trimEnd()}…`;
}

/** The figure's band: the server's when it sent one, else computed from the standard's bands. */
export function figureBand(figure: ComplianceFigure, standards: readonly Standard[] = []): Band | null {
  if (figure.band !== undefined) return figure.band;
  return bandOf(figure.ratio, standards.find((s) => s.id === figure.standardId)?.bands, figure.target);
}

/** The worst counted figure: red before amber before green, then the furthest below (or least above) target. */
export function worstFigure(today: readonly ComplianceFigure[], standards: readonly Standard[] = []): ComplianceFigure | undefined {
  let worst: { figure: ComplianceFigure; rank: number; margin: number } | undefined;
  for (const figure of today) {
    if (figure.ratio === null) continue;
    const band = figureBand(figure, standards);
    const rank = band ? BAND_RANK[band] : 0;
    const margin = figure.ratio - figure.target;
    if (!worst || rank > worst.rank || (rank === worst.rank && margin < worst.margin)) worst = { figure, rank, margin };
  }
  return worst?.figure;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export interface StatusInput {
  state: ConnectionState;
  serverUrl: string;
  today: ComplianceFigure[] | undefined;
  standards?: readonly Standard[];
  error?: string;
  activeAlerts?: number;
}

export function statusView(input: StatusInput): StatusView {
  const { state, serverUrl, error } = input;
  if (state === 'connecting') {
    const why = error ? ` (last error: ${escapeMarkdown(error)})` : '';
    return { text: '$(sync~spin) Ringside connecting…', tooltip: `Connecting to ${escapeMarkdown(serverUrl)}${why}`, band: null, standardId: null };
  }
  if (state === 'disconnected') {
    const needsKey = error !== undefined && /unauthori[sz]ed|forbidden/i.test(error);
    const why = error ? ` (${escapeMarkdown(error)})` : '';
    const hint = needsKey ? '\n\nRun **Ringside: Set API Key** to give the extension a key.' : '\n\nRun **Ringside: Connect to Server** to retry.';
    return {
      text: needsKey ? '$(key) Ringside: API key needed' : '$(debug-disconnect) Ringside offline',
      tooltip: `Not connected to ${escapeMarkdown(serverUrl)}${why}.${hint}`,
      band: null,
      standardId: null,
    };
  }
  return connectedView(serverUrl, input.today ?? [], input.standards ?? [], input.activeAlerts ?? 0);
}

function connectedView(serverUrl: string, today: ComplianceFigure[], standards: readonly Standard[], activeAlerts: number): StatusView {
  const worst = worstFigure(today, standards);
  const rows = today.map((figure) => {
    const band = figureBand(figure, standards);
    const icon = band ? BAND_ICON[band] : '$(circle-outline)';
    return `| ${icon} | ${escapeMarkdown(figure.standardName)} | ${formatPercent(figure.ratio)} | ${figure.met}/${figure.total} | ${formatPercent(figure.target)} |`;
  });
  const alerts = activeAlerts > 0 ? `\n\n$(bell-dot) ${activeAlerts} alert${activeAlerts === 1 ? '' : 's'} firing` : '';
  const tooltip = [
    `**Ringside** — ${escapeMarkdown(serverUrl)}`,
    '',
    '| | Standard (today) | Compliance | Met | Target |',
    '|---|---|---:|---:|---:|',
    ...rows,
    alerts,
    '',
    'Click to open the dashboard.',
  ].join('\n');
  if (!worst) return { text: '$(pulse) Ringside —', tooltip, band: null, standardId: null };
  const band = figureBand(worst, standards);
  const icon = band ? BAND_ICON[band] : '$(pulse)';
  return { text: `${icon} ${shortLabel(worst.standardName)} ${formatPercent(worst.ratio)}`, tooltip, band, standardId: worst.standardId };
}
