// A chart's points from the keyboard: the canvas is a tab stop; ←/→ walk the points that have a value, Home/End jump to
// the ends, and each is shown with Chart.js's own tooltip and said in the panel's polite live region; Escape and
// leaving hide it; the point shown stays on its minute when the live hour moves on.
import { afterEach, describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { formatClock } from '../../webview/src/format';
import { Chart, DATASET } from '../../webview/src/views/compliance-chart';
import type { DashboardRequest } from '../../server/src/protocol';
import { CALL_STANDARD, NOW, answering, complianceReport, complianceUpdate, fakeTransport, figure, hourSeries, minuteStart, msg, point, settle, snapshot, staffingForecast } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

function canvasOf(root: HTMLElement, kind: 'chart' | 'distribution'): HTMLCanvasElement {
  return root.querySelector<HTMLCanvasElement>(`.rs-${kind}-panel[data-standard-id="${CALL_STANDARD.id}"] canvas`)!;
}

/** What the tooltip shows: its title and the data points it is drawn for, as [dataset, index]. */
function tooltipOf(canvas: HTMLCanvasElement) {
  const tooltip = Chart.getChart(canvas)!.tooltip!;
  return {
    active: tooltip.getActiveElements().map((a) => [a.datasetIndex, a.index]),
    title: tooltip.getActiveElements().length > 0 ? tooltip.title : [],
    body: tooltip.getActiveElements().length > 0 ? tooltip.body.flatMap((b) => b.lines) : [],
  };
}

const said = (canvas: HTMLCanvasElement) => canvas.parentElement!.querySelector('[aria-live="polite"]')!.textContent;
const clock = (minutesAgo: number, now = NOW) => formatClock(Date.parse(minuteStart(minutesAgo, now)), false);
/** A server time `minutes` after NOW. */
const later = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

/** Today's report with `series` for the call standard, its chart focused and on its last hour (End). */
async function lastHourOf(series: ReturnType<typeof hourSeries>) {
  const fake = fakeTransport(answering({ report: complianceReport({ series: { [CALL_STANDARD.id]: series } }) }));
  const { dashboard, root } = mount({ transport: fake.transport });
  feed(dashboard, msg.snapshot(snapshot()));
  await settle();
  dashboard.flush();
  const chart = canvasOf(root, 'chart');
  chart.focus();
  await userEvent.keyboard('{End}');
  return { root, chart, hour: Math.floor(Date.parse(NOW) / 3_600_000) * 3_600_000 };
}

describe('chart keys', () => {
  it('walk the live minutes that have a value with the arrows, Home and End, shown in the tooltip and said; Escape hides it', async () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    // 14:25 9/10, 14:27 7/10, 14:28 nothing counted (a gap), 14:29 10/10.
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(5, 9, 10), point(3, 7, 10), point(2, 0, 0), point(1, 10, 10)] } })));
    const canvas = canvasOf(root, 'chart');
    // The role and its label stay: the figures in words for a screen reader's image navigation.
    expect(canvas.getAttribute('role')).toBe('img');
    expect(canvas.getAttribute('aria-label')).toMatch(/^Calls answered within 2 rings: compliance per minute/);
    const region = canvas.parentElement!.querySelector('[aria-live="polite"]')!;
    expect(region.closest('.rs-chart-panel')).not.toBeNull();

    // One tab stop, reached by Tab, its focus ring the board's 2 px accent outline.
    const stops = [...root.querySelectorAll<HTMLElement>('a[href], button, select, input, summary, [tabindex="0"]')].filter((e) => e.getClientRects().length > 0);
    const at = stops.indexOf(canvas);
    expect(at).toBeGreaterThan(0);
    stops[at - 1]!.focus();
    await userEvent.keyboard('{Tab}');
    expect(document.activeElement).toBe(canvas);
    expect(canvas.matches(':focus-visible')).toBe(true);
    expect(getComputedStyle(canvas).outlineStyle).toBe('solid');
    expect(getComputedStyle(canvas).outlineWidth).toBe('2px');
    // Focused, nothing is shown until a key says which point.
    expect(tooltipOf(canvas).active).toEqual([]);

    await userEvent.keyboard('{ArrowRight}');
    expect(tooltipOf(canvas)).toEqual({
      active: [
        [DATASET.minute, 0],
        [DATASET.rolling, 0],
      ],
      title: [clock(5)],
      body: ['Per minute: 90.0 % (9/10)', 'Rolling 15 min: 90.0 % (9/10)'],
    });
    expect(said(canvas)).toBe(`${clock(5)}: 90.0 % (rolling 15 min 90.0 %), 9 / 10 met`);

    await userEvent.keyboard('{ArrowRight}');
    expect(tooltipOf(canvas).title).toEqual([clock(3)]);
    expect(said(canvas)).toBe(`${clock(3)}: 70.0 % (rolling 15 min 80.0 %), 7 / 10 met`);
    // The minute with nothing counted has no value to show: → goes past it.
    await userEvent.keyboard('{ArrowRight}');
    expect(tooltipOf(canvas).active).toEqual([
      [DATASET.minute, 3],
      [DATASET.rolling, 3],
    ]);
    expect(said(canvas)).toBe(`${clock(1)}: 100.0 % (rolling 15 min 86.6 %), 10 / 10 met`);
    // At the last point → stays there.
    await userEvent.keyboard('{ArrowRight}');
    expect(tooltipOf(canvas).title).toEqual([clock(1)]);
    await userEvent.keyboard('{Home}');
    expect(tooltipOf(canvas).title).toEqual([clock(5)]);
    await userEvent.keyboard('{End}');
    expect(tooltipOf(canvas).title).toEqual([clock(1)]);
    await userEvent.keyboard('{ArrowLeft}');
    expect(tooltipOf(canvas).title).toEqual([clock(3)]);
    // The point is active as under the pointer (drawn in its hover style).
    expect(Chart.getChart(canvas)!.getActiveElements().map((a) => [a.datasetIndex, a.index])).toEqual([
      [DATASET.minute, 1],
      [DATASET.rolling, 1],
    ]);

    await userEvent.keyboard('{Escape}');
    expect(tooltipOf(canvas).active).toEqual([]);
    expect(Chart.getChart(canvas)!.getActiveElements()).toEqual([]);
    expect(said(canvas)).toBe('');
    expect(document.activeElement).toBe(canvas);
    // With nothing shown, ← starts at the latest minute.
    await userEvent.keyboard('{ArrowLeft}');
    expect(tooltipOf(canvas).title).toEqual([clock(1)]);
    // Leaving the chart hides it too.
    await userEvent.keyboard('{Tab}');
    expect(document.activeElement).not.toBe(canvas);
    expect(tooltipOf(canvas).active).toEqual([]);
  });

  it('keep the point shown on its minute while the live hour moves on, and move to the nearest when its minute goes', async () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(5, 9, 10), point(3, 7, 10), point(2, 0, 0), point(1, 10, 10)] } })));
    const canvas = canvasOf(root, 'chart');
    canvas.focus();
    await userEvent.keyboard('{Home}{ArrowRight}');
    expect(tooltipOf(canvas).title).toEqual([clock(3)]);
    const before = said(canvas);

    // 56 minutes on, the hour starts at 14:27: the 14:25 minute leaves the chart and 14:27 becomes its first point.
    // 14:27's figures changed meanwhile; the tooltip stays on 14:27 and shows them.
    feed(dashboard, msg.compliance(complianceUpdate([figure(CALL_STANDARD, 140, 150)], [{ standardId: CALL_STANDARD.id, point: point(3, 8, 10) }], later(56))));
    expect(tooltipOf(canvas)).toEqual({
      active: [
        [DATASET.minute, 0],
        [DATASET.rolling, 0],
      ],
      title: [clock(3)],
      // The rolling figure still counts 14:25, within its 15 minutes though off the chart.
      body: ['Per minute: 80.0 % (8/10)', 'Rolling 15 min: 85.0 % (17/20)'],
    });
    // The same minute: not said again (its figures change with every event).
    expect(said(canvas)).toBe(before);

    // Two minutes more, the hour starts at 14:29: 14:27 goes, and the nearest minute with a value is 14:29, now first.
    feed(dashboard, msg.compliance(complianceUpdate([figure(CALL_STANDARD, 141, 151)], [{ standardId: CALL_STANDARD.id, point: point(0, 1, 1) }], later(58))));
    expect(tooltipOf(canvas).title).toEqual([clock(1)]);
    expect(tooltipOf(canvas).active[0]).toEqual([DATASET.minute, 0]);
    expect(said(canvas)).toBe(`${clock(1)}: 100.0 % (rolling 15 min 90.0 %), 10 / 10 met`);
    // And the keys go on from there.
    await userEvent.keyboard('{ArrowRight}');
    expect(tooltipOf(canvas).title).toEqual([clock(0)]);
  });

  it("walk a report's buckets and the distribution's bins the same way", async () => {
    const { root, chart, hour } = await lastHourOf(hourSeries(5));
    expect(tooltipOf(chart).active).toEqual([[DATASET.rolling, 4]]);
    expect(said(chart)).toBe(`${formatClock(hour, false)}: 95.0 %, 19 / 20 met`);

    const bins = canvasOf(root, 'distribution');
    expect(bins.getAttribute('role')).toBe('img');
    bins.focus();
    expect(tooltipOf(chart).active).toEqual([]);
    await userEvent.keyboard('{End}');
    // The whole bar and its met part, as the pointer shows them.
    expect(tooltipOf(bins)).toEqual({ active: [[0, 4], [1, 4]], title: ['Abandoned'], body: ['3 events (3 %)', '0 met'] });
    expect(said(bins)).toBe('Abandoned: 3 events (3 %), 0 met');
    await userEvent.keyboard('{Home}{ArrowRight}');
    expect(said(bins)).toBe('Ring 2: 25 events (25 %), 25 met');
    await userEvent.keyboard('{Escape}');
    expect(tooltipOf(bins).active).toEqual([]);
  });

  it('group the thousands of a busy hour’s counts, as the tiles and the Sites panel do', async () => {
    const { chart, hour } = await lastHourOf(hourSeries(2, 2973));
    expect(said(chart)).toBe(`${formatClock(hour, false)}: 99.9 %, 2,972 / 2,973 met`);
    expect(tooltipOf(chart).body).toEqual(['Per hour: 99.9 % (2,972/2,973)']);
    const rows = [...chart.closest('.rs-chart-panel')!.querySelectorAll('.rs-data-table tbody tr')].map((row) => row.lastElementChild!.textContent);
    expect(rows).toEqual(['2,973 / 2,973', '2,972 / 2,973']);
  });

  it("walk the staffing chart's hours the same way", async () => {
    const base = answering({});
    const answer = (request: DashboardRequest) =>
      request.kind === 'staffing-forecast' && request.params.date === 'today' ? staffingForecast({ date: '2026-11-23', pastUntil: 14, understaffed: [10] }) : base(request);
    const { dashboard, root } = mount({ transport: fakeTransport(answer).transport, selection: { site: 'Leeds', standard: CALL_STANDARD.id } });
    feed(dashboard, msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    const canvas = root.querySelector<HTMLCanvasElement>('.rs-staffing-panel canvas')!;
    expect(canvas.getAttribute('role')).toBe('img');
    canvas.focus();
    await userEvent.keyboard('{End}');
    // Tomorrow's hours have no one seen yet: the forecast alone.
    expect(tooltipOf(canvas).active).toEqual([[0, 47]]);
    expect(said(canvas)).toBe('Tomorrow 23:00: 0 people needed');
    await userEvent.keyboard('{Home}' + '{ArrowRight}'.repeat(10));
    expect(tooltipOf(canvas)).toEqual({ active: [[0, 10], [1, 10]], title: ['Today 10:00'], body: ['People needed (forecast): 5', 'People seen serving: 3'] });
    expect(said(canvas)).toBe('Today 10:00: 5 people needed, 3 seen serving, missed for too few people');
  });
});
