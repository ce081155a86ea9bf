// A panel per visible standard, each holding one compliance chart that lives as long as the standard does,
// its loading/error/empty note, and its table alternative.
import type { Standard } from '@ringside/server/protocol';
import { bandsOf, siteLabel } from '@ringside/server/protocol/pure';
import { bucketWords, deviceTimesOffset, notInForceWords, windowSeries, windowFigure, windowRule, windowWords, visibleStandards, type DataStatus } from '../derived';
import { formatCount, formatPercent, formatTarget } from '../format';
import type { DashboardState } from '../state';
import type { Theme } from '../theme';
import { bucketPoints, minutePoints, pointsInRange, rollingPoints } from './chart-data';
import { createComplianceChart, pointTime, type ComplianceChart } from './compliance-chart';
import { setText } from './dom';
import { createPanelSet, createStandardPanel, type PanelLook, type StandardPanel } from './panels';

type ChartPanel = StandardPanel<ComplianceChart>;

export interface ChartsView {
  render(state: DashboardState): void;
  applyTheme(theme: Theme): void;
  /** standardId → its chart (tests and debugging). */
  charts(): Map<string, ComplianceChart>;
  destroy(): void;
}

const LOOK: PanelLook = {
  panelClass: 'rs-chart-panel',
  note: 'No events in the last hour',
  caption: 'compliance over time',
  columns: ['Time', 'Compliance', 'Met / counted'],
};

const EMPTY_NOTE: Record<DataStatus, string> = {
  live: 'No events in the last hour',
  ok: 'No events in this window',
  loading: 'Loading…',
  error: 'Could not load',
  unavailable: 'History is not available here',
};

function renderPanel(panel: ChartPanel, chart: ComplianceChart, standard: Standard, state: DashboardState): void {
  const sourced = windowSeries(state, standard);
  const figure = windowFigure(state, standard).value;
  const { rule, change, name } = windowRule(state, standard);
  const ruleText = change ? `${rule} (${change})` : rule;
  const phrase = windowWords(state, state.queries.report.data);
  const offset = deviceTimesOffset(state, state.queries.report.data);
  const whose = bucketWords(state, state.queries.report.data);
  const inputs = [standard, sourced.status, sourced.value?.points, sourced.value?.range.max, sourced.error, state.selection, state.siteNames, ruleText, name, phrase, offset, whose];
  if (panel.drawn && inputs.every((v, i) => v === panel.drawn![i])) return;
  panel.drawn = inputs;
  const bands = bandsOf(standard);
  setText(panel.title, name);
  panel.setName(name);
  const per = sourced.value ? (sourced.value.mode === 'live' ? 'per minute' : `per ${sourced.value.mode}${whose ? ` ${whose}` : ''}`) : '';
  const site = state.selection.site ? siteLabel(state.selection.site, state.siteNames) : '';
  setText(panel.meta, [ruleText, per, phrase, site].filter(Boolean).join(' · '));
  panel.root.dataset['status'] = sourced.status;
  if (sourced.value) {
    chart.update({ standard, bands, range: sourced.value.range, mode: sourced.value.mode, points: sourced.value.points, timesLabel: offset ? `your time (${offset})` : null });
  } else {
    const now = Date.now();
    chart.update({ standard, bands, range: { min: now - 3_600_000, max: now }, mode: 'live', points: [] });
  }
  const plotted = chart.chart.data.datasets.slice(0, 2).some((d) => d.data.some((p) => (p as { y: number | null }).y !== null));
  panel.note.hidden = plotted;
  const empty = sourced.status === 'ok' ? (notInForceWords(state, standard) ?? EMPTY_NOTE.ok) : EMPTY_NOTE[sourced.status];
  setText(panel.note, sourced.status === 'error' ? `Could not load: ${sourced.error ?? 'unknown error'}` : empty);
  panel.note.dataset['kind'] = sourced.status === 'error' ? 'error' : sourced.status === 'loading' ? 'loading' : 'empty';
  const ratio = figure?.ratio ?? null;
  panel.canvas.setAttribute(
    'aria-label',
    `${name}: compliance ${per} over ${phrase}${site ? ` at ${site}` : ''}; now ${formatPercent(ratio)} against a target of ${formatTarget(standard.target)}${offset ? `; times are your time (${offset})` : ''}`,
  );
  panel.table.setColumns([offset ? `Time (your time, ${offset})` : LOOK.columns[0]!, ...LOOK.columns.slice(1)]);
  // The table lists what the chart plots, at full resolution.
  const points = sourced.value
    ? sourced.value.mode === 'live'
      ? pointsInRange(minutePoints(sourced.value.points), sourced.value.range)
      : pointsInRange(bucketPoints(sourced.value.points), sourced.value.range)
    : [];
  const rolling = sourced.value?.mode === 'live' ? pointsInRange(rollingPoints(sourced.value.points), sourced.value.range) : null;
  const rangeMs = sourced.value ? sourced.value.range.max - sourced.value.range.min : 0;
  panel.table.update(
    points
      .filter((p) => p.total > 0)
      .map((p) => {
        const when = pointTime(p.x, rangeMs);
        const roll = rolling?.find((r) => r.x === p.x);
        const value = formatPercent(p.y === null ? null : p.y / 100) + (roll && roll.y !== null ? ` (rolling 15 min ${formatPercent(roll.y / 100)})` : '');
        return [when, value, `${formatCount(p.met)} / ${formatCount(p.total)}`];
      }),
  );
}

export function createChartsView(container: HTMLElement, initialTheme: Theme): ChartsView {
  let theme = initialTheme;
  const panels = createPanelSet<ComplianceChart, ChartPanel>(
    container,
    (standard) => createStandardPanel(standard, LOOK),
    (canvas) => createComplianceChart(canvas, theme),
  );
  return {
    render(state) {
      for (const [standard, panel] of panels.show(visibleStandards(state))) renderPanel(panel, panel.chart!, standard, state);
    },
    applyTheme(next) {
      theme = next;
      for (const panel of panels.panels()) panel.chart?.applyTheme(next);
    },
    charts: () => panels.charts(),
    destroy: () => panels.destroy(),
  };
}
