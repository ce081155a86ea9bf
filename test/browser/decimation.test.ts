// Long ranges stay cheap to draw: at most MAX_POINTS_PER_DATASET points per dataset, dips preserved.
import { afterEach, describe, expect, it } from 'vitest';
import type { Standard } from '../../server/src/protocol';
import { MAX_POINTS_PER_DATASET, decimateMinMax } from '../../webview/src/decimate';
import { Chart, DATASET } from '../../webview/src/views/compliance-chart';
import { CALL_STANDARD, complianceReport, fakeTransport, answering, hourSeries, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

describe('decimateMinMax', () => {
  const series = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i * 1000, y: i === 777 ? 3 : i === 1500 ? 100 : 80 + (i % 7) }));

  it('leaves short series alone and caps long ones, keeping the first and last point, in x order', () => {
    const short = series(200);
    expect(decimateMinMax(short, 300)).toBe(short);
    const long = series(5000);
    const out = decimateMinMax(long, 300);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out.length).toBeGreaterThan(250);
    expect(out[0]).toBe(long[0]);
    expect(out.at(-1)).toBe(long.at(-1));
    expect(out.every((p, i) => i === 0 || p.x >= out[i - 1]!.x)).toBe(true);
  });

  it('keeps the extremes (a dip to 3 % must stay visible) and marks empty stretches as one gap', () => {
    const long = series(5000);
    const out = decimateMinMax(long, 300);
    expect(out.some((p) => p.y === 3)).toBe(true);
    expect(out.some((p) => p.y === 100)).toBe(true);
    const gappy = Array.from({ length: 3000 }, (_, i) => ({ x: i, y: i >= 1000 && i < 2000 ? null : 90 }));
    const thinned = decimateMinMax(gappy, 300);
    expect(thinned.filter((p) => p.y === null).length).toBeGreaterThan(0);
    expect(thinned.filter((p) => p.y === null).length).toBeLessThan(120);
  });
});

describe('charts over 30 days', () => {
  it(`draw a 30-day hourly series for 20 sites with at most ${MAX_POINTS_PER_DATASET} points per dataset`, async () => {
    // Twenty site-scoped standards (one per site), each with 720 hourly points.
    const standards: Standard[] = Array.from({ length: 20 }, (_, i) => ({
      ...CALL_STANDARD,
      id: `calls-site-${i}`,
      name: `Calls at site ${i}`,
      scope: { sites: [`site-${i}`] },
    }));
    const hours = hourSeries(720);
    const report = complianceReport({
      figures: standards.map((s) => [s, 900, 1000] as [Standard, number, number]),
      series: Object.fromEntries(standards.map((s) => [s.id, hours])),
      from: hours[0]!.start,
      to: hours.at(-1)!.end!,
    });
    const fake = fakeTransport(answering({ report }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: '30d' } });
    feed(dashboard, msg.snapshot({ ...snapshot(), standards, today: [], series: [] }));
    await settle();
    dashboard.flush();
    const canvases = [...root.querySelectorAll<HTMLCanvasElement>('.rs-chart-panel canvas')];
    expect(canvases).toHaveLength(20);
    for (const canvas of canvases) {
      const chart = Chart.getChart(canvas)!;
      for (const dataset of chart.data.datasets) expect(dataset.data.length).toBeLessThanOrEqual(MAX_POINTS_PER_DATASET);
      const line = chart.data.datasets[DATASET.rolling]!.data as Array<{ y: number | null }>;
      expect(line.length).toBeGreaterThan(100);
      expect(Math.max(...chart.getDatasetMeta(DATASET.rolling).data.map((e) => (e.options as { radius: number }).radius))).toBe(0);
      // The daily dips to 40 % survive.
      expect(Math.min(...line.map((p) => p.y ?? 100))).toBe(40);
    }
    // The table alternative still lists every hour.
    expect(canvases[0]!.closest('.rs-chart-panel')!.querySelectorAll('.rs-data-table tbody tr')).toHaveLength(720);
  });
});
