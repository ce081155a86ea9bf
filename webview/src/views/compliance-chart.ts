// One Chart.js line chart per standard: per-minute dots, the rolling 15-minute line, and the target dashed.
// The chart is created once and updated in place (update('none')): recreating it on every message flickers
// and leaks canvases on a wallboard that runs for days.
import {
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import type { SeriesPoint, Standard } from '@ringside/server/protocol';
import { formatClock, formatPercent, formatTarget } from '../format';
import type { Theme } from '../theme';
import { minutePoints, pointsInRange, rollingPoints, targetLine, type ChartPoint, type TimeRange } from './chart-data';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler);

/** The registered Chart.js, so callers (tests) use the same copy: Chart.getChart(canvas) finds our charts. */
export { Chart };

export const DATASET = { minute: 0, rolling: 1, target: 2 } as const;

type LineDataset = ChartDataset<'line', ChartPoint[]>;
type ComplianceChartJs = Chart<'line', ChartPoint[]>;

export interface ComplianceChart {
  readonly chart: ComplianceChartJs;
  update(standard: Standard, points: SeriesPoint[], range: TimeRange): void;
  applyTheme(theme: Theme): void;
  destroy(): void;
}

/** 8-digit hex alpha on top of a theme colour; VS Code variables are plain hex, other forms stay opaque. */
function withAlpha(colour: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(colour)) return colour;
  return `${colour}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

function datasets(theme: Theme): LineDataset[] {
  return [
    {
      label: 'Per minute',
      data: [],
      showLine: false,
      // Minutes at exactly 0 or 100 % sit on the chart's edge; do not cut their dots in half.
      clip: 4,
      pointRadius: 2.5,
      pointHoverRadius: 5,
      borderColor: withAlpha(theme.accent, 0.55),
      backgroundColor: withAlpha(theme.accent, 0.55),
    },
    {
      label: 'Rolling 15 min',
      data: [],
      borderWidth: 2.5,
      pointRadius: 0,
      pointHoverRadius: 4,
      tension: 0.25,
      fill: { target: 'origin' },
      borderColor: theme.accent,
      backgroundColor: withAlpha(theme.accent, 0.08),
    },
    {
      label: 'Target',
      data: [],
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 0,
      borderColor: theme.warn,
      backgroundColor: theme.warn,
    },
  ];
}

/** Ticks on round ten minutes (…:00, …:10), not wherever the one-hour window happens to start. */
export function clockTicks(min: number, max: number, step = 10 * 60_000): Array<{ value: number }> {
  const ticks: Array<{ value: number }> = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push({ value: t });
  return ticks;
}

function tooltipLabel(item: TooltipItem<'line'>): string {
  const point = item.raw as ChartPoint;
  if (item.datasetIndex === DATASET.target) return `Target ${formatTarget((point.y ?? 0) / 100)}`;
  const value = formatPercent(point.y === null ? null : point.y / 100);
  return `${item.dataset.label}: ${value} (${point.met}/${point.total})`;
}

export function createComplianceChart(canvas: HTMLCanvasElement, theme: Theme): ComplianceChart {
  const chart = new Chart<'line', ChartPoint[]>(canvas, {
    type: 'line',
    data: { datasets: datasets(theme) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      spanGaps: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { callback: (value) => formatClock(Number(value), false), maxRotation: 0 },
          afterBuildTicks: (axis) => {
            axis.ticks = clockTicks(axis.min, axis.max);
          },
        },
        y: {
          min: 0,
          max: 100,
          ticks: { stepSize: 25, callback: (value) => `${value} %` },
        },
      },
      plugins: {
        legend: { position: 'bottom', align: 'end', labels: { boxWidth: 14, boxHeight: 2, usePointStyle: false } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? formatClock((items[0].raw as ChartPoint).x, false) : ''),
            label: tooltipLabel,
          },
        },
      },
    },
  });

  const view: ComplianceChart = {
    chart,
    update(standard, points, range) {
      const [minute, rolling, target] = chart.data.datasets as [LineDataset, LineDataset, LineDataset];
      minute.data = pointsInRange(minutePoints(points), range);
      rolling.data = pointsInRange(rollingPoints(points), range);
      target.data = targetLine(standard.target, range);
      target.label = `Target ${formatTarget(standard.target)}`;
      const x = rawOptions(chart).scales!['x']!;
      x.min = range.min;
      x.max = range.max;
      chart.update('none');
    },
    applyTheme(next) {
      themeChart(chart, next);
      chart.update('none');
    },
    destroy() {
      chart.destroy();
    },
  };
  view.applyTheme(theme);
  return view;
}

/**
 * The options as configured (plain objects), not chart.options: that is a resolver proxy whose nested
 * objects can be Chart.defaults, and writing through it would change every chart. update() re-resolves.
 */
function rawOptions(chart: ComplianceChartJs) {
  return chart.config.options as NonNullable<typeof chart.config.options>;
}

/** Canvas text and lines cannot read CSS variables, so every colour is set from the theme object. */
function themeChart(chart: ComplianceChartJs, theme: Theme): void {
  const fresh = datasets(theme);
  chart.data.datasets.forEach((dataset, i) => {
    dataset.borderColor = fresh[i]!.borderColor;
    dataset.backgroundColor = fresh[i]!.backgroundColor;
  });
  const options = rawOptions(chart);
  for (const axis of ['x', 'y'] as const) {
    const scale = options.scales![axis]!;
    scale.grid = { ...scale.grid, color: withAlpha(theme.border, 0.7) };
    scale.border = { ...scale.border, color: theme.border };
    scale.ticks = { ...scale.ticks, color: theme.muted, font: { family: theme.fontFamily, size: 11 } };
  }
  const legend = options.plugins!.legend!;
  legend.labels = { ...legend.labels, color: theme.muted, font: { family: theme.fontFamily, size: 11 } };
}
