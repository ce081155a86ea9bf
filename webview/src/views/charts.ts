// A panel per standard, each holding one compliance chart that lives as long as the standard does.
import type { Standard } from '@ringside/server/protocol';
import { formatPercent, formatTarget, formatThreshold } from '../format';
import type { DashboardState } from '../state';
import type { Theme } from '../theme';
import { chartRange } from './chart-data';
import { createComplianceChart, type ComplianceChart } from './compliance-chart';
import { el, setText } from './dom';

interface ChartPanel {
  root: HTMLElement;
  title: HTMLElement;
  meta: HTMLElement;
  note: HTMLElement;
  canvas: HTMLCanvasElement;
  /** Created once the panel is in the document: Chart.js sizes itself from its container then. */
  chart: ComplianceChart | null;
  /** The inputs of the last update, to skip charts whose data did not change. */
  drawn: { standard: Standard; points: unknown; lastUpdated: string | null } | null;
}

export interface ChartsView {
  render(state: DashboardState): void;
  applyTheme(theme: Theme): void;
  /** standardId → its chart (tests and debugging). */
  charts(): Map<string, ComplianceChart>;
  destroy(): void;
}

function createPanel(standard: Standard): ChartPanel {
  const root = el('article', 'rs-panel rs-chart-panel');
  root.dataset['standardId'] = standard.id;
  const header = el('header', 'rs-panel-header');
  const title = el('h2', 'rs-panel-title');
  const meta = el('span', 'rs-panel-meta');
  header.append(title, meta);
  const box = el('div', 'rs-chart-box');
  const canvas = el('canvas', 'rs-chart');
  canvas.setAttribute('role', 'img');
  const note = el('div', 'rs-chart-note', 'No events in the last hour');
  box.append(canvas, note);
  root.append(header, box);
  return { root, title, meta, note, canvas, chart: null, drawn: null };
}

function renderPanel(panel: ChartPanel, chart: ComplianceChart, standard: Standard, state: DashboardState): void {
  const points = state.series[standard.id] ?? [];
  const drawn = panel.drawn;
  if (drawn && drawn.standard === standard && drawn.points === points && drawn.lastUpdated === state.lastUpdated) return;
  panel.drawn = { standard, points, lastUpdated: state.lastUpdated };
  setText(panel.title, standard.name);
  setText(panel.meta, `${formatThreshold(standard)} · target ${formatTarget(standard.target)} · per minute, last hour`);
  const now = state.lastUpdated ? Date.parse(state.lastUpdated) : Date.now();
  chart.update(standard, points, chartRange(now));
  panel.note.hidden = chart.chart.data.datasets[0]!.data.length > 0;
  const today = formatPercent(state.today[standard.id]?.ratio ?? null);
  panel.canvas.setAttribute('aria-label', `${standard.name}: compliance per minute over the last hour; today ${today}`);
}

export function createChartsView(container: HTMLElement, initialTheme: Theme): ChartsView {
  const panels = new Map<string, ChartPanel>();
  let theme = initialTheme;
  let standards: Standard[] | null = null;

  const syncPanels = (next: Standard[]) => {
    for (const [id, panel] of panels) {
      if (next.some((s) => s.id === id)) continue;
      panel.chart?.destroy();
      panels.delete(id);
    }
    for (const s of next) if (!panels.has(s.id)) panels.set(s.id, createPanel(s));
    container.replaceChildren(...next.map((s) => panels.get(s.id)!.root));
    for (const panel of panels.values()) panel.chart ??= createComplianceChart(panel.canvas, theme);
  };

  return {
    render(state) {
      if (state.standards !== standards) {
        standards = state.standards;
        syncPanels(state.standards);
      }
      for (const s of state.standards) {
        const panel = panels.get(s.id)!;
        renderPanel(panel, panel.chart!, s, state);
      }
    },
    applyTheme(next) {
      theme = next;
      for (const panel of panels.values()) panel.chart?.applyTheme(next);
    },
    charts() {
      const charts = new Map<string, ComplianceChart>();
      for (const [id, panel] of panels) if (panel.chart) charts.set(id, panel.chart);
      return charts;
    },
    destroy() {
      for (const panel of panels.values()) panel.chart?.destroy();
      panels.clear();
    },
  };
}
