import { afterEach, describe, expect, it } from 'vitest';
import { Chart, DATASET } from '../../webview/src/views/compliance-chart';
import { CALL_STANDARD, NOW, VISIT_STANDARD, complianceUpdate, figure, minuteStart, msg, point, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

/** The Chart.js instance drawn in a standard's panel, found the way any page script would find it. */
function chartOf(root: HTMLElement, standardId: string): Chart {
  const canvas = root.querySelector<HTMLCanvasElement>(`.rs-chart-panel[data-standard-id="${standardId}"] canvas`);
  if (!canvas) throw new Error(`no chart for ${standardId}`);
  const chart = Chart.getChart(canvas);
  if (!chart) throw new Error(`no Chart.js instance on ${standardId}'s canvas`);
  return chart;
}

const ys = (chart: Chart, index: number) => (chart.data.datasets[index]!.data as Array<{ y: number | null }>).map((p) => p.y);
const xs = (chart: Chart, index: number) => (chart.data.datasets[index]!.data as Array<{ x: number }>).map((p) => p.x);

// The live hour (window 1h, all sites) is drawn from the pushed minute series; other windows: history.test.ts.
describe('compliance charts', () => {
  it('draw one real Chart.js line chart per standard, compliance in percent per minute', () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(
      dashboard,
      msg.snapshot(
        snapshot({
          series: {
            [CALL_STANDARD.id]: [point(3, 9, 10), point(2, 7, 10), point(1, 10, 10), point(0, 3, 4)],
            [VISIT_STANDARD.id]: [point(1, 1, 2)],
          },
        }),
      ),
    );
    const call = chartOf(root, CALL_STANDARD.id);
    expect((call.config as { type?: string }).type).toBe('line');
    expect(ys(call, DATASET.minute)).toEqual([90, 70, 100, 75]);
    expect(xs(call, DATASET.minute)).toEqual([3, 2, 1, 0].map((m) => Date.parse(minuteStart(m))));
    // Rolling 15 min: everything so far is within the window.
    expect(ys(call, DATASET.rolling)).toEqual([90, 80, (26 / 30) * 100, (29 / 34) * 100]);
    expect(ys(chartOf(root, VISIT_STANDARD.id), DATASET.minute)).toEqual([50]);

    // The chart really drew: its canvas has a size and the y axis is fixed at 0–100 %.
    expect(call.width).toBeGreaterThan(200);
    expect(call.height).toBeGreaterThan(100);
    expect(call.scales['y']!.min).toBe(0);
    expect(call.scales['y']!.max).toBe(100);
    expect(call.scales['y']!.getLabelForValue(50)).toBe('50');
    expect(call.scales['y']!.ticks.map((t) => t.label)).toEqual(['0 %', '25 %', '50 %', '75 %', '100 %']);
  });

  it('draw the target as a dashed flat line across the last hour', () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(5, 9, 10)] } })));
    const chart = chartOf(root, CALL_STANDARD.id);
    const target = chart.data.datasets[DATASET.target]!;
    expect(target.label).toBe('Target 90 %');
    expect(ys(chart, DATASET.target)).toEqual([90, 90]);
    expect((target as { borderDash?: number[] }).borderDash).toEqual([6, 4]);
    const [from, to] = xs(chart, DATASET.target);
    expect(to! - from!).toBe(60 * 60_000);
    expect(to).toBeGreaterThanOrEqual(Date.parse(NOW));
    expect(chart.scales['x']!.min).toBe(from);
    expect(chart.scales['x']!.max).toBe(to);
  });

  it('update the same chart in place when a compliance update replaces or appends a minute', () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(2, 9, 10), point(1, 8, 10)] } })));
    const before = chartOf(root, CALL_STANDARD.id);

    feed(
      dashboard,
      msg.compliance(complianceUpdate([figure(CALL_STANDARD, 140, 150)], [{ standardId: CALL_STANDARD.id, point: point(1, 10, 12) }])),
    );
    expect(chartOf(root, CALL_STANDARD.id)).toBe(before);
    expect(ys(before, DATASET.minute)).toEqual([90, (10 / 12) * 100]);

    feed(
      dashboard,
      msg.compliance(complianceUpdate([figure(CALL_STANDARD, 141, 151)], [{ standardId: CALL_STANDARD.id, point: point(0, 1, 1) }])),
    );
    expect(chartOf(root, CALL_STANDARD.id)).toBe(before);
    expect(ys(before, DATASET.minute)).toEqual([90, (10 / 12) * 100, 100]);
    expect(root.querySelectorAll('.rs-chart-panel canvas')).toHaveLength(2);
  });

  it('scroll the window with the server clock and leave out minutes older than an hour', () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(90, 1, 1), point(30, 1, 2), point(0, 2, 2)] } })));
    expect(ys(chartOf(root, CALL_STANDARD.id), DATASET.minute)).toEqual([50, 100]);
  });

  it('show a gap for a minute where nothing was counted, and a note when the hour is empty', () => {
    const { dashboard, root } = mount({ selection: { window: '1h' } });
    feed(dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(1, 0, 0), point(0, 1, 1)] } })));
    expect(ys(chartOf(root, CALL_STANDARD.id), DATASET.minute)).toEqual([null, 100]);
    const notes = [...root.querySelectorAll<HTMLElement>('.rs-chart-panel .rs-chart-note')];
    expect(notes.map((n) => n.hidden)).toEqual([true, false]);
    expect(notes[1]!.textContent).toBe('No events in the last hour');
  });
});
