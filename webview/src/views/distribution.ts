// Distribution per visible standard: calls answered on ring 1, 2, 3, 4+ and abandoned; visitors greeted in
// 0–10 … 60+ s and left. Each bar is green for the events of its bin judged met and red for the rest (give-ups
// muted), by the verdicts recorded, not by where the threshold now sits: after a standard's threshold changes, a bin
// holds events judged by the older version too, and those that missed then stay red. A dashed marker between two
// bars shows where the threshold falls (a small plugin). Data: GET /api/v1/distribution.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip, type ChartDataset, type ChartOptions, type Plugin, type TooltipItem } from 'chart.js';
import type { Standard, StandardDistribution } from '@ringside/server/protocol';
import { siteLabel, standardShortLabel } from '@ringside/server/protocol/pure';
import { visibleStandards, windowRule, windowWords } from '../derived';
import { formatCount, formatPercent, formatThreshold } from '../format';
import type { DashboardState } from '../state';
import type { Theme } from '../theme';
import { createChartKeys, type ChartKeys, type KeyStop } from './chart-keys';
import { countTicks, themeAxes, withAlpha } from './compliance-chart';
import { setText } from './dom';
import { createPanelSet, createStandardPanel, type PanelLook, type StandardPanel } from './panels';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

interface ThresholdOptions {
  /** The marker is drawn after this many bars (between bar afterBin − 1 and bar afterBin). */
  afterBin: number | null;
  label: string;
  colour: string;
  font: string;
}

const thresholdPlugin: Plugin<'bar'> = {
  id: 'rsThreshold',
  afterDatasetsDraw(chart) {
    const options = (chart.options.plugins as { rsThreshold?: ThresholdOptions | false } | undefined)?.rsThreshold;
    if (!options || options.afterBin === null) return;
    const x = chart.scales['x'];
    const { chartArea, ctx } = chart;
    if (!x || !chartArea) return;
    const left = x.getPixelForValue(options.afterBin - 1);
    const right = x.getPixelForValue(options.afterBin);
    const at = Math.round((left + right) / 2) + 0.5;
    ctx.save();
    ctx.strokeStyle = options.colour;
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(at, chartArea.top + 14);
    ctx.lineTo(at, chartArea.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = options.colour;
    ctx.font = `600 11px ${options.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText(options.label, at, chartArea.top);
    ctx.restore();
  },
};

type BarChart = Chart<'bar', number[], string>;

interface DistributionPanel extends StandardPanel<BarChart> {
  /** What the chart shows, for re-colouring it when the theme changes. */
  data: StandardDistribution | null;
  keys: ChartKeys;
}

export interface DistributionView {
  render(state: DashboardState): void;
  applyTheme(theme: Theme): void;
  charts(): Map<string, BarChart>;
  destroy(): void;
}

/**
 * The two datasets, drawn over each other (not side by side): every event of the bin, and in front of it those
 * judged met. So a bar is green up to its met count and red above it.
 */
const DATASET = { events: 0, met: 1 } as const;

/**
 * What the bars are drawn from, per bin: its label, its events and, of those, the ones judged met (the verdicts
 * recorded). The chart, its accessible description and its table all read these, so they cannot say different things.
 */
interface Bars {
  labels: string[];
  events: number[];
  met: number[];
}

function barsOf(data: StandardDistribution | null): Bars {
  const bins = data?.bins ?? [];
  return { labels: bins.map((b) => b.label), events: bins.map((b) => b.count), met: bins.map((b) => b.met) };
}

/** A bin's share of all the events, "40 %", as its tooltip and its table row say it; null when there are none. */
function share(events: number, total: number): string | null {
  return total > 0 ? `${Math.round((events / total) * 100)} %` : null;
}

/** What the keys walk: every bin, its whole bar and its met part shown together, as the pointer shows them. */
function binStops(chart: BarChart): KeyStop[] {
  const events = chart.data.datasets[DATASET.events]!.data;
  const met = chart.data.datasets[DATASET.met]!.data;
  const total = events.reduce((a, b) => a + b, 0);
  return (chart.data.labels ?? []).map((label, index) => ({
    at: index,
    elements: [
      { datasetIndex: DATASET.events, index },
      { datasetIndex: DATASET.met, index },
    ],
    words: () => `${label}: ${formatCount(events[index]!)} events (${share(events[index]!, total) ?? '0 %'}), ${formatCount(met[index]!)} met`,
  }));
}

/** "60, all met", "34, 6 met", "8, none met": a bar in words. */
function barPhrase(events: number, met: number): string {
  if (events === 0) return '0';
  return `${formatCount(events)}, ${met === events ? 'all' : met === 0 ? 'none' : formatCount(met)} met`;
}

/** The chart in words: each bar as drawn, then the met of all the events counted, and where the threshold is. */
function describeBars(name: string, data: StandardDistribution, bars: Bars): string {
  const events = bars.events.reduce((a, b) => a + b, 0);
  const met = bars.met.reduce((a, b) => a + b, 0);
  const each = bars.labels.map((label, i) => `${label} ${barPhrase(bars.events[i]!, bars.met[i]!)}`).join('; ');
  const overall = events > 0 ? ` ${formatCount(met)} of ${formatCount(events)} met (${formatPercent(met / events)}).` : '';
  return `${name}: ${each}.${overall} Threshold ${thresholdLabel(data)}.`;
}

/** Colour of each bar behind the met part: the misses bad, the give-up bin muted-bad. */
function barColours(d: StandardDistribution, theme: Theme): string[] {
  return d.bins.map((bin) => (bin.kind === 'abandoned' ? withAlpha(theme.bad, 0.45) : theme.bad));
}

const LOOK: PanelLook = {
  panelClass: 'rs-distribution-panel',
  boxClass: 'rs-chart-box--short',
  noteClass: 'rs-chart-note--bar',
  note: 'Loading…',
  caption: 'distribution',
  columns: ['Bin', 'Events', 'Share', 'Met'],
};

function createPanel(standard: Standard): DistributionPanel {
  const panel = createStandardPanel<BarChart>(standard, LOOK);
  const keys = createChartKeys(panel.canvas, () => (panel.chart ? binStops(panel.chart) : []));
  return Object.assign(panel, { data: null, keys });
}

/**
 * Made once there is a distribution to show, with it in its configuration: creating a chart lays it out and draws
 * it, so an empty chart made on the first render (the queries still loading) and filled later was drawn twice.
 */
function createBarChart(canvas: HTMLCanvasElement, theme: Theme, data: StandardDistribution, bars: Bars): BarChart {
  // The lower `order` is drawn in front: the met part over the whole bar.
  const datasets: Array<ChartDataset<'bar', number[]>> = [
    { label: 'Events', data: bars.events, borderRadius: 3, maxBarThickness: 56, order: 1 },
    { label: 'Met', data: bars.met, borderRadius: 3, maxBarThickness: 56, order: 0 },
  ];
  const options: ChartOptions<'bar'> = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    datasets: { bar: { grouped: false } },
    scales: {
      x: { type: 'category', grid: { display: false }, ticks: { maxRotation: 30, autoSkip: false } },
      y: { type: 'linear', beginAtZero: true, ticks: countTicks() },
    },
    plugins: {
      legend: { display: false },
      tooltip: {
        mode: 'index',
        itemSort: (a, b) => a.datasetIndex - b.datasetIndex, // the bin's events, then how many met
        callbacks: {
          label: (item: TooltipItem<'bar'>) => {
            const n = item.raw as number;
            if (item.datasetIndex === DATASET.met) return `${formatCount(n)} met`;
            const total = (item.dataset.data as number[]).reduce((a, b) => a + b, 0);
            return `${formatCount(n)} events (${share(n, total) ?? '0 %'})`;
          },
        },
      },
    },
  };
  themeBarChart({ config: { options }, data: { datasets } }, theme, data);
  return new Chart<'bar', number[], string>(canvas, { type: 'bar', data: { labels: bars.labels, datasets }, plugins: [thresholdPlugin], options });
}

function thresholdOptions(data: StandardDistribution, theme: Theme): ThresholdOptions {
  return { afterBin: data.thresholdAfterBin, label: thresholdLabel(data), colour: theme.foreground, font: theme.fontFamily };
}

/** A chart, or the configuration it is about to be made with. */
interface BarTarget {
  config: { options?: unknown };
  data: { datasets: Array<{ backgroundColor?: unknown; borderColor?: unknown }> };
}

/** Colours, and the threshold marker (its place and label come with the data, its colour and font with the theme). */
function themeBarChart(chart: BarTarget, theme: Theme, data: StandardDistribution | null): void {
  themeAxes(chart, theme);
  const events = chart.data.datasets[DATASET.events]!;
  events.backgroundColor = data ? barColours(data, theme) : theme.accent;
  events.borderColor = events.backgroundColor;
  const met = chart.data.datasets[DATASET.met]!;
  met.backgroundColor = theme.good;
  met.borderColor = theme.good;
  const plugins = (chart.config.options as { plugins: Record<string, unknown> }).plugins;
  plugins['rsThreshold'] = data ? thresholdOptions(data, theme) : false;
}

/** Updates the panel's chart, or makes it once there is data to show. */
function drawBars(panel: DistributionPanel, theme: Theme, data: StandardDistribution | null, bars: Bars): void {
  const chart = panel.chart;
  if (!chart) {
    if (data) panel.chart = createBarChart(panel.canvas, theme, data, bars);
    return;
  }
  chart.data.labels = bars.labels;
  chart.data.datasets[DATASET.events]!.data = bars.events;
  chart.data.datasets[DATASET.met]!.data = bars.met;
  themeBarChart(chart, theme, data);
  chart.update('none');
  panel.keys.follow();
}

const TITLES: Readonly<Record<string, string>> = {
  rings: 'Calls by ring',
  answerSeconds: 'Answer time',
  greetSeconds: 'Greet time',
  acknowledgeSeconds: 'Time to acknowledge',
  resolveSeconds: 'Time to resolve',
  followUpSeconds: 'Time to follow up',
};

/** "Calls by ring", "Greet time", "Time to acknowledge"; other measures by their standard's short label. */
function distributionTitle(standard: Standard): string {
  return TITLES[standard.measure] ?? standardShortLabel(standard);
}

function thresholdLabel(d: StandardDistribution): string {
  return formatThreshold({ measure: d.measure, threshold: d.threshold });
}

export function createDistributionView(container: HTMLElement, initialTheme: Theme): DistributionView {
  let theme = initialTheme;
  // Charts are made by render, once their data is there.
  const panels = createPanelSet<BarChart, DistributionPanel>(container, createPanel);

  const render = (panel: DistributionPanel, standard: Standard, state: DashboardState) => {
    const query = state.queries.distribution;
    const data = query.data?.standards.find((s) => s.standardId === standard.id) ?? null;
    const phrase = windowWords(state, state.queries.report.data);
    // Named as the tile and chart of the same window are: by the version in force at its end.
    const name = windowRule(state, standard).name;
    const inputs = [standard, query.status, data, query.error, state.selection, state.siteNames, phrase, name];
    if (panel.drawn && inputs.every((v, i) => v === panel.drawn![i])) return;
    panel.drawn = inputs;
    panel.data = data;
    setText(panel.title, distributionTitle(standard));
    panel.setName(name);
    setText(panel.meta, `${name} · ${phrase}${state.selection.site ? ` · ${siteLabel(state.selection.site, state.siteNames)}` : ''}`);
    panel.root.dataset['status'] = query.status;
    const bars = barsOf(data);
    drawBars(panel, theme, data, bars);
    const total = data?.total ?? 0;
    panel.note.hidden = total > 0;
    const note =
      query.status === 'error' ? `Could not load: ${query.error ?? 'unknown error'}` : query.status === 'idle' ? 'History is not available here' : !data ? 'Loading…' : 'No events in this window';
    setText(panel.note, note);
    panel.note.dataset['kind'] = query.status === 'error' ? 'error' : !data ? 'loading' : 'empty';
    panel.canvas.setAttribute('aria-label', data ? describeBars(name, data, bars) : `${name}: distribution ${note.toLowerCase()}`);
    panel.table.update(
      bars.labels.map((label, i) => [
        `${label}${data && data.thresholdAfterBin !== null && i === data.thresholdAfterBin - 1 ? ` (threshold ${thresholdLabel(data)})` : ''}`,
        formatCount(bars.events[i]!),
        share(bars.events[i]!, total) ?? '—',
        formatCount(bars.met[i]!),
      ]),
    );
  };

  return {
    render(state) {
      for (const [standard, panel] of panels.show(visibleStandards(state))) render(panel, standard, state);
    },
    applyTheme(next) {
      theme = next;
      for (const panel of panels.panels()) {
        if (!panel.chart) continue;
        themeBarChart(panel.chart, next, panel.data);
        panel.chart.update('none');
      }
    },
    charts: () => panels.charts(),
    destroy: () => panels.destroy(),
  };
}
