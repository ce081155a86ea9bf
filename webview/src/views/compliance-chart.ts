// One Chart.js line chart per standard: compliance per bucket, a rolling 15-minute line for the live hour,
// the target dashed, and the standard's red/amber/green bands shaded behind (a small plugin).
// The chart is created once and updated in place (update('none')): recreating it on every message flickers
// and leaks canvases on a wallboard that runs for days.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type Plugin,
  type TooltipItem,
} from 'chart.js';
import type { Bands, Bucket, SeriesPoint, Standard } from '@ringside/server/protocol';
import { decimateMinMax, MAX_POINTS_PER_DATASET } from '../decimate';
import { formatClock, formatCount, formatDayMonth, formatDayTime, formatPercent, formatTarget } from '../format';
import type { Theme } from '../theme';
import { bucketPoints, minutePoints, pointsInRange, rollingPoints, targetLine, type ChartPoint, type TimeRange } from './chart-data';
import { createChartKeys, type KeyStop } from './chart-keys';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler, BarController, BarElement, CategoryScale);

/** The registered Chart.js, so callers (tests) use the same copy: Chart.getChart(canvas) finds our charts. */
export { Chart };

export const DATASET = { minute: 0, rolling: 1, target: 2 } as const;

type LineDataset = ChartDataset<'line', ChartPoint[]>;
type ComplianceChartJs = Chart<'line', ChartPoint[]>;

/** What the band plugin draws: the green and amber thresholds (0..1) and their colours. */
interface BandsOptions {
  green: number;
  amber: number;
  colours: { good: string; warn: string; bad: string };
  alpha: number;
}

/** Shades the plot area red below amber, amber up to green, green above: the wallboard bands. */
const bandsPlugin: Plugin<'line'> = {
  id: 'rsBands',
  beforeDatasetsDraw(chart) {
    const options = (chart.options.plugins as { rsBands?: BandsOptions | false } | undefined)?.rsBands;
    if (!options) return;
    const { ctx, chartArea } = chart;
    const y = chart.scales['y'];
    if (!y || !chartArea) return;
    const at = (ratio: number) => Math.min(chartArea.bottom, Math.max(chartArea.top, y.getPixelForValue(ratio * 100)));
    const green = at(options.green);
    const amber = at(options.amber);
    ctx.save();
    ctx.globalAlpha = options.alpha;
    ctx.fillStyle = options.colours.good;
    ctx.fillRect(chartArea.left, chartArea.top, chartArea.width, green - chartArea.top);
    ctx.fillStyle = options.colours.warn;
    ctx.fillRect(chartArea.left, green, chartArea.width, amber - green);
    ctx.fillStyle = options.colours.bad;
    ctx.fillRect(chartArea.left, amber, chartArea.width, chartArea.bottom - amber);
    ctx.restore();
  },
};

interface ComplianceChartData {
  standard: Standard;
  bands: Bands;
  range: TimeRange;
  /** 'live': per-minute dots + rolling 15 min; otherwise the report's buckets as one line. */
  mode: 'live' | Bucket;
  points: SeriesPoint[];
  /** The time axis's title, saying whose clock its times are when the day shown, or a range's buckets, are not this device's (deviceTimesOffset); null: none. */
  timesLabel?: string | null;
}

export interface ComplianceChart {
  readonly chart: ComplianceChartJs;
  update(data: ComplianceChartData): void;
  applyTheme(theme: Theme): void;
  destroy(): void;
}

/** 8-digit hex alpha on top of a theme colour; VS Code variables are plain hex, other forms stay opaque. */
export function withAlpha(colour: string, alpha: number): string {
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
      // As the minutes' dots: a bucket at 0 or 100 % is dotted on the chart's edge (few buckets), and the point a
      // pointer or the keys show is larger still.
      clip: 4,
      // A plain value, set by fillLines: Chart.js re-reads a dataset's options on every update, and a scriptable
      // one would be resolved point by point (168 option objects for a week of hours) instead of once.
      pointRadius: 0,
      pointHoverRadius: 4,
      // Monotone: a smooth line that never overshoots 0–100 % between two buckets.
      cubicInterpolationMode: 'monotone',
      borderColor: theme.accent,
      backgroundColor: withAlpha(theme.accent, 0.08),
      pointBackgroundColor: theme.accent,
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
function clockTicks(min: number, max: number, step = 10 * 60_000): Array<{ value: number }> {
  const ticks: Array<{ value: number }> = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push({ value: t });
  return ticks;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A tick step that gives 4–12 labels for the range: 10 min, 1 h, 3 h, 6 h, 1 d, 2 d, 5 d, 7 d. */
function tickStep(rangeMs: number): number {
  const steps = [10 * 60_000, 30 * 60_000, HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, DAY_MS, 2 * DAY_MS, 5 * DAY_MS, 7 * DAY_MS];
  return steps.find((s) => rangeMs / s <= 12) ?? 14 * DAY_MS;
}

/** Round ticks in the viewer's local time (an hour step lands on local hours, a day step on local midnight). */
function localTicks(min: number, max: number): Array<{ value: number }> {
  const step = tickStep(max - min);
  if (step < HOUR_MS) return clockTicks(min, max, step);
  const ticks: Array<{ value: number }> = [];
  const start = new Date(min);
  if (step >= DAY_MS) start.setHours(0, 0, 0, 0);
  else start.setMinutes(0, 0, 0);
  // Hour steps land on multiples of the step (00:00, 03:00, …) whatever hour the range starts at (a site's day
  // in another zone starts at 05:00 here), so they walk every local hour and keep the multiples; a walk by the
  // step from 05:00 would meet no multiple at all.
  const hours = step / HOUR_MS;
  for (let t = start.getTime(); t <= max && ticks.length < 40; ) {
    const d = new Date(t);
    if (t >= min && (step >= DAY_MS || d.getHours() % hours === 0)) ticks.push({ value: t });
    if (step >= DAY_MS) d.setDate(d.getDate() + step / DAY_MS);
    else d.setHours(d.getHours() + 1);
    t = d.getTime();
  }
  return ticks;
}

/**
 * Up to 36 hours: the time. Longer: the day at local midnight, and the time at the ticks between (a 42-hour custom
 * range ticks every 6 hours; naming the day at each read "2 Dec, 2 Dec, 2 Dec, 2 Dec").
 */
function tickLabel(value: number, rangeMs: number): string {
  if (rangeMs <= 36 * HOUR_MS) return formatClock(value, false);
  const d = new Date(value);
  return d.getHours() === 0 && d.getMinutes() === 0 ? formatDayMonth(value) : formatClock(value, false);
}

/** A point's time as its tooltip and the chart's table say it: the time of day up to a day and a half shown, else the day too. */
export function pointTime(x: number, rangeMs: number): string {
  return rangeMs <= 36 * HOUR_MS ? formatClock(x, false) : formatDayTime(x);
}

/** A point in words, as its table row says it: "14:05: 92.0 %, 23 / 25 met", and the rolling figure beside a minute's. */
function pointWords(point: ChartPoint, rangeMs: number, rolling?: ChartPoint): string {
  const rollingWords = rolling && rolling.y !== null ? ` (rolling 15 min ${formatPercent(rolling.y / 100)})` : '';
  return `${pointTime(point.x, rangeMs)}: ${formatPercent(point.y === null ? null : point.y / 100)}${rollingWords}, ${formatCount(point.met)} / ${formatCount(point.total)} met`;
}

/**
 * What the keys walk: live, the minutes with a value, each shown with its rolling figure (as the pointer shows them);
 * otherwise the buckets with a value.
 */
function keyStops(minute: LineDataset, rolling: LineDataset, rangeMs: number): KeyStop[] {
  const live = !(minute as { hidden?: boolean }).hidden;
  const rollingAt = new Map(rolling.data.map((p, index) => [p.x, index]));
  const walked = live ? minute : rolling;
  const stops: KeyStop[] = [];
  walked.data.forEach((point, index) => {
    if (point.y === null) return;
    if (!live) {
      stops.push({ at: point.x, elements: [{ datasetIndex: DATASET.rolling, index }], words: () => pointWords(point, rangeMs) });
      return;
    }
    const along = rollingAt.get(point.x);
    const elements = [{ datasetIndex: DATASET.minute, index }, ...(along === undefined ? [] : [{ datasetIndex: DATASET.rolling, index: along }])];
    stops.push({ at: point.x, elements, words: () => pointWords(point, rangeMs, along === undefined ? undefined : rolling.data[along]) });
  });
  return stops;
}

function tooltipLabel(item: TooltipItem<'line'>): string {
  const point = item.raw as ChartPoint;
  if (item.datasetIndex === DATASET.target) return `Target ${formatTarget((point.y ?? 0) / 100)}`;
  const value = formatPercent(point.y === null ? null : point.y / 100);
  return `${item.dataset.label}: ${value} (${formatCount(point.met)}/${formatCount(point.total)})`;
}

const BUCKET_LABEL: Record<Bucket, string> = { minute: 'Per minute', hour: 'Per hour', day: 'Per day' };

export function createComplianceChart(canvas: HTMLCanvasElement, theme: Theme): ComplianceChart {
  // The span shown, read by the axis and tooltip callbacks: ticks and titles say times of day up to a day and a half.
  const shown = { rangeMs: HOUR_MS };
  // Coloured before it is made: Chart.js lays out and draws a chart on creation, so theming it afterwards (as
  // applyTheme does) would be a second full update of every chart on the page's first render.
  const options = chartOptions(shown);
  themeAxes({ config: { options } }, theme);
  const lines = datasets(theme);
  // Made at its first update, with that update's data in it: creating a chart lays it out and draws it, so a chart
  // made empty and then filled was drawn twice on the page's first render (each time measuring its canvas).
  let made: ComplianceChartJs | null = null;
  const make = () => (made = new Chart<'line', ChartPoint[]>(canvas, { type: 'line', data: { datasets: lines }, plugins: [bandsPlugin], options }));
  let currentTheme = theme;
  let currentBands: Bands | null = null;
  const keys = createChartKeys(canvas, () => {
    const [minute, rolling] = (made?.data.datasets ?? lines) as [LineDataset, LineDataset];
    return keyStops(minute, rolling, shown.rangeMs);
  });

  const view: ComplianceChart = {
    get chart() {
      return made ?? make();
    },
    update(data) {
      const { standard, bands, range, mode } = data;
      const [minute, rolling, target] = (made?.data.datasets ?? lines) as [LineDataset, LineDataset, LineDataset];
      shown.rangeMs = range.max - range.min;
      const dots = rolling.pointRadius;
      fillLines(minute, rolling, data);
      (minute as { hidden?: boolean }).hidden = mode !== 'live';
      target.data = targetLine(standard.target, range);
      target.label = `Target ${formatTarget(standard.target)}`;
      const configured = made ? rawOptions(made) : options;
      const x = configured.scales!['x']!;
      x.min = range.min;
      x.max = range.max;
      x.title = { ...x.title, display: Boolean(data.timesLabel), text: data.timesLabel ?? '' };
      currentBands = bands;
      setBands(configured, bands, currentTheme);
      // Points share one options object, which an update in mode 'none' keeps as it was first resolved: a change
      // of the dots is applied by a default update (no animation either way: animation is off).
      if (made) made.update(rolling.pointRadius === dots ? 'none' : 'default');
      else make();
      keys.follow();
    },
    applyTheme(next) {
      currentTheme = next;
      if (!made) {
        // Not made yet: its first update makes it in these colours.
        themeLines(lines, next);
        themeAxes({ config: { options } }, next);
        return;
      }
      themeChart(made, next);
      if (currentBands) setBands(rawOptions(made), currentBands, next);
      made.update('none');
    },
    destroy() {
      made?.destroy();
    },
  };
  return view;
}

/** The chart's fixed options; axis ticks and tooltip titles read the span shown when they run. */
function chartOptions(shown: { rangeMs: number }): ChartOptions<'line'> {
  return {
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
        // Labels are thinned out before they touch (every other one on a narrow panel). The padding is generous because
        // Chart.js thins them by the axis length of an early layout pass, before the y axis takes its share of the width.
        ticks: { callback: (value) => tickLabel(Number(value), shown.rangeMs), maxRotation: 0, autoSkipPadding: 18 },
        afterBuildTicks: (axis) => {
          axis.ticks = localTicks(axis.min, axis.max);
        },
      },
      y: {
        min: 0,
        max: 100,
        ticks: { stepSize: 25, callback: (value) => `${value} %` },
      },
    },
    plugins: {
      legend: {
        position: 'bottom',
        align: 'end',
        // A dataset not drawn in this mode (the minute dots of a history chart) has no legend entry.
        labels: { boxWidth: 14, boxHeight: 2, usePointStyle: false, filter: (item, data) => !(data.datasets[item.datasetIndex ?? 0] as { hidden?: boolean }).hidden },
      },
      tooltip: {
        callbacks: {
          title: (items) => {
            const raw = items[0]?.raw as ChartPoint | undefined;
            if (!raw) return '';
            return pointTime(raw.x, shown.rangeMs);
          },
          label: tooltipLabel,
        },
      },
    },
  };
}

/** Live: per-minute dots and the rolling 15-minute line. History: one line through the buckets. */
function fillLines(minute: LineDataset, rolling: LineDataset, { range, mode, points }: ComplianceChartData): void {
  if (mode === 'live') {
    minute.data = decimateMinMax(pointsInRange(minutePoints(points), range));
    rolling.data = decimateMinMax(pointsInRange(rollingPoints(points), range));
    minute.label = 'Per minute';
    rolling.label = 'Rolling 15 min';
    rolling.pointRadius = 0;
    return;
  }
  // History: the dots would only repeat the line.
  minute.data = [];
  rolling.data = decimateMinMax(pointsInRange(bucketPoints(points), range), MAX_POINTS_PER_DATASET);
  // A few buckets (early in the day, a quiet site) get dots, so a lone bucket is not invisible.
  rolling.pointRadius = rolling.data.filter((p) => p.y !== null).length <= 48 ? 2.5 : 0;
  minute.label = BUCKET_LABEL[mode];
  rolling.label = BUCKET_LABEL[mode];
}

function setBands(options: ChartOptions<'line'>, bands: Bands, theme: Theme): void {
  const plugins = options.plugins as Record<string, unknown>;
  plugins['rsBands'] = {
    green: bands.green,
    amber: bands.amber,
    colours: { good: theme.good, warn: theme.warn, bad: theme.bad },
    alpha: theme.kind === 'light' ? 0.07 : theme.kind === 'dark' ? 0.1 : 0.18,
  } satisfies BandsOptions;
}

/**
 * The options as configured (plain objects), not chart.options: that is a resolver proxy whose nested
 * objects can be Chart.defaults, and writing through it would change every chart. update() re-resolves.
 */
function rawOptions<C extends { config: { options?: unknown } }>(chart: C) {
  return chart.config.options as NonNullable<C['config']['options']>;
}

/** Canvas text and lines cannot read CSS variables, so every colour is set from the theme object. */
function themeChart(chart: ComplianceChartJs, theme: Theme): void {
  themeLines(chart.data.datasets, theme);
  themeAxes(chart, theme);
}

function themeLines(lines: LineDataset[], theme: Theme): void {
  const fresh = datasets(theme);
  lines.forEach((dataset, i) => {
    dataset.borderColor = fresh[i]!.borderColor;
    dataset.backgroundColor = fresh[i]!.backgroundColor;
    if (fresh[i]!.pointBackgroundColor) dataset.pointBackgroundColor = fresh[i]!.pointBackgroundColor;
  });
}

/**
 * A count axis's ticks (the distribution's events, the staffing chart's people): whole numbers, written as every other
 * count on the board. Chart.js's own tick formatter makes an Intl.NumberFormat, whose first one loads ICU's number data
 * (~15 ms) in the frame that first draws the chart.
 */
export const countTicks = () => ({ precision: 0, callback: (value: number | string) => formatCount(Number(value)) });

/** Axis, grid and legend colours and fonts; shared with the distribution chart. */
export function themeAxes(chart: { config: { options?: unknown } }, theme: Theme): void {
  const options = chart.config.options as { scales: Record<string, { grid?: object; border?: object; ticks?: object; title?: object }>; plugins: { legend?: { labels?: object } } };
  for (const axis of ['x', 'y']) {
    const scale = options.scales[axis];
    if (!scale) continue;
    scale.grid = { ...scale.grid, color: withAlpha(theme.border, 0.7) };
    scale.border = { ...scale.border, color: theme.border };
    scale.ticks = { ...scale.ticks, color: theme.muted, font: { family: theme.fontFamily, size: 11 } };
    scale.title = { ...scale.title, color: theme.muted, font: { family: theme.fontFamily, size: 11 } };
  }
  const legend = options.plugins.legend;
  if (legend) legend.labels = { ...legend.labels, color: theme.muted, font: { family: theme.fontFamily, size: 11 } };
}
