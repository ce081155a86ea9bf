// The Staffing view: for the selected site and standard, the people each hour needs (Erlang C on the forecast
// arrivals, GET /api/v1/staffing/forecast) against the people seen serving, today and tomorrow in the site's zone.
// Hours the standard was missed while fewer people served than the hour's arrivals needed are drawn in the bad
// colour and listed under the chart. Without one site and one standard it says how to get there.
import { Chart, type TooltipItem } from 'chart.js';
import type { StaffingForecast, StaffingHour } from '@ringside/server/protocol';
import { siteLabel } from '@ringside/server/protocol/pure';
import { formatPercent, formatTarget } from '../format';
import type { DashboardState, QueryResult } from '../state';
import type { Theme } from '../theme';
import { createChartKeys, type KeyStop } from './chart-keys';
import { countTicks, themeAxes, withAlpha } from './compliance-chart';
import { createDataTable, type DataTable } from './data-table';
import { el, setText } from './dom';
import { createPanelHeader } from './parts';

type StaffingChart = Chart<'bar' | 'line', Array<number | null>, string>;

interface Row {
  label: string;
  hour: StaffingHour;
}

export interface StaffingView {
  render(state: DashboardState): void;
  applyTheme(theme: Theme): void;
  /** The chart once drawn (tests and debugging). */
  chart(): StaffingChart | null;
  destroy(): void;
}

const COLUMNS = ['Hour', 'Forecast arrivals', 'People needed', 'Arrivals', 'People seen', 'Compliance', 'Missed for too few people'];

/** Today's and tomorrow's hours, labelled by day; null until both days are answered. */
function rowsOf(today: QueryResult<StaffingForecast>, tomorrow: QueryResult<StaffingForecast>): Row[] | null {
  if (!today.data || !tomorrow.data) return null;
  return [...labelled('Today', today.data.hours), ...labelled('Tomorrow', tomorrow.data.hours)];
}

/** "Today 09:00"; an hour whose label the day repeats (the clocks went back) also names its offset from UTC. */
function labelled(day: string, hours: readonly StaffingHour[]): Row[] {
  const repeated = new Set(hours.filter((h, i) => hours.findIndex((o) => o.hour === h.hour) !== i).map((h) => h.hour));
  return hours.map((hour) => ({ label: repeated.has(hour.hour) ? `${day} ${hour.hour} (UTC${hour.utcOffset})` : `${day} ${hour.hour}`, hour }));
}

const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : String(n));
const rate = (n: number | null) => (n === null ? '—' : n.toFixed(1));

function createChart(canvas: HTMLCanvasElement, theme: Theme): StaffingChart {
  const chart: StaffingChart = new Chart<'bar' | 'line', Array<number | null>, string>(canvas, {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { type: 'line', label: 'People needed (forecast)', data: [], stepped: 'middle', pointRadius: 0, borderWidth: 2, spanGaps: false },
        { type: 'bar', label: 'People seen serving', data: [], borderRadius: 2, maxBarThickness: 18 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'category', grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 16 } },
        y: { type: 'linear', beginAtZero: true, ticks: countTicks(), title: { display: true, text: 'people' } },
      },
      plugins: { legend: { display: true }, tooltip: { callbacks: { label: (item: TooltipItem<'bar' | 'line'>) => `${item.dataset.label ?? ''}: ${count(item.raw as number | null)}` } } },
    },
  });
  themeChart(chart, theme, []);
  return chart;
}

function themeChart(chart: StaffingChart, theme: Theme, rows: readonly Row[]): void {
  themeAxes(chart, theme);
  const [needed, seen] = chart.data.datasets;
  needed!.borderColor = theme.accent2;
  needed!.backgroundColor = theme.accent2;
  const colours = rows.map((r) => (r.hour.observed?.understaffed ? theme.bad : withAlpha(theme.accent, 0.7)));
  seen!.backgroundColor = colours;
  seen!.borderColor = colours;
}

/** The hours missed for too few people, as a sentence under the chart. */
function missedNote(rows: readonly Row[]): string {
  const missed = rows.filter((r) => r.hour.observed?.understaffed).map((r) => r.label);
  if (missed.length > 0) return `Missed for too few people: ${missed.join(', ')}.`;
  return rows.some((r) => r.hour.observed !== null) ? 'No hour so far missed the standard for too few people.' : 'No hour has begun yet.';
}

/** What the keys walk: every hour, its people needed and, once it has begun, those seen, as the pointer shows them. */
function hourStops(rows: readonly Row[]): KeyStop[] {
  return rows.map(({ label, hour }, index) => {
    const seen = hour.observed?.agentsSeen ?? null;
    return {
      at: index,
      elements: [{ datasetIndex: 0, index }, ...(seen === null ? [] : [{ datasetIndex: 1, index }])],
      words: () =>
        `${label}: ${count(hour.forecast.agentsNeeded)} people needed` +
        (seen === null ? '' : `, ${count(seen)} seen serving`) +
        (hour.observed?.understaffed ? ', missed for too few people' : ''),
    };
  });
}

function tableRows(rows: readonly Row[]): string[][] {
  return rows.map(({ label, hour }) => [
    label,
    rate(hour.forecast.arrivals),
    count(hour.forecast.agentsNeeded),
    count(hour.observed?.arrivals),
    count(hour.observed?.agentsSeen),
    hour.observed?.compliance === null || hour.observed === null ? '—' : formatPercent(hour.observed.compliance),
    hour.observed?.understaffed ? 'yes' : '',
  ]);
}

function plot(chart: StaffingChart, theme: Theme, rows: readonly Row[]): void {
  chart.data.labels = rows.map((r) => r.label);
  chart.data.datasets[0]!.data = rows.map((r) => r.hour.forecast.agentsNeeded);
  chart.data.datasets[1]!.data = rows.map((r) => r.hour.observed?.agentsSeen ?? null);
  themeChart(chart, theme, rows);
  chart.update('none');
}

export function createStaffingView(container: HTMLElement, initialTheme: Theme): StaffingView {
  let theme = initialTheme;
  const { header, title, meta } = createPanelHeader('Staffing');
  const box = el('div', 'rs-chart-box rs-staffing-box');
  const canvas = el('canvas', 'rs-chart');
  canvas.setAttribute('role', 'img');
  const note = el('div', 'rs-chart-note', 'Choose one site and one standard to see how many people each hour needs.');
  // The canvas joins the page with the first hours to draw: an empty dashboard holds no chart.
  box.append(note);
  const missed = el('p', 'rs-staffing-missed');
  const table: DataTable = createDataTable('Staffing per hour: needed and seen', COLUMNS);
  const panel = el('article', 'rs-panel rs-staffing-panel');
  panel.append(header, box, missed, table.root);
  container.replaceChildren(panel);
  let chart: StaffingChart | null = null;
  let rows: Row[] = [];
  let drawn: unknown[] | null = null;
  const keys = createChartKeys(canvas, () => hourStops(rows));

  const drawChart = () => {
    chart ??= createChart(canvas, theme);
    plot(chart, theme, rows);
    keys.follow();
  };

  const render = (state: DashboardState) => {
    const { staffingToday: today, staffingTomorrow: tomorrow } = state.queries;
    const selected = Boolean(state.selection.site && state.selection.standard);
    const inputs = [selected, today.data, tomorrow.data, today.status, tomorrow.status, state.siteNames];
    if (drawn && inputs.every((v, i) => v === drawn![i])) return;
    drawn = inputs;
    panel.dataset['status'] = selected ? (today.status === 'error' || tomorrow.status === 'error' ? 'error' : (rowsOf(today, tomorrow) ? 'ok' : 'loading')) : 'idle';
    rows = selected ? (rowsOf(today, tomorrow) ?? []) : [];
    const f = today.data;
    setText(title, f && selected ? `Staffing · ${f.standard.name} at ${siteLabel(f.site, state.siteNames)}` : 'Staffing');
    setText(meta, f && selected ? `within ${f.thresholdSeconds} s, target ${formatTarget(f.standard.target)} · forecast from the same weekday of the last 4 weeks · ${f.timeZone}` : '');
    canvas.hidden = rows.length === 0;
    if (rows.length > 0 && !canvas.isConnected) box.prepend(canvas);
    if (canvas.isConnected) drawChart();
    const error = today.error ?? tomorrow.error;
    note.hidden = rows.length > 0;
    setText(note, !selected ? 'Choose one site and one standard to see how many people each hour needs.' : error ? `Could not load: ${error}` : 'Loading…');
    missed.hidden = rows.length === 0;
    setText(missed, missedNote(rows));
    canvas.setAttribute('aria-label', rows.length ? `People needed and seen per hour, today and tomorrow. ${missedNote(rows)}` : `Staffing, people needed and seen per hour: ${note.textContent ?? ''}`);
    table.update(tableRows(rows));
  };

  return {
    render,
    applyTheme(next) {
      theme = next;
      if (!chart) return;
      themeChart(chart, theme, rows);
      chart.update('none');
    },
    chart: () => chart,
    destroy() {
      chart?.destroy();
      chart = null;
    },
  };
}
