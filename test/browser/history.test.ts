// The dashboard for windows other than the live hour: the queries it makes through its transport, and the
// tiles, compliance charts, distribution charts and site/agent bars it draws from the answers — real
// Chart.js in a real Chromium; assertions on chart data, plugin options and the DOM.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import type { ComplianceReport, DashboardRequest } from '../../server/src/protocol';
import { RequestError } from '../../webview/src/transport/transport';
import { Chart, DATASET } from '../../webview/src/views/compliance-chart';
import {
  CALL_STANDARD,
  VISIT_STANDARD,
  answering,
  callDistribution,
  complianceReport,
  distributionReport,
  fakeTransport,
  group,
  hourSeries,
  msg,
  settle,
  snapshot,
} from './fixtures';
import { feed, mount, text, texts, unmountAll } from './mount';

afterEach(unmountAll);

const tile = (root: HTMLElement, id: string) => root.querySelector<HTMLElement>(`.rs-tile[data-standard-id="${id}"]`)!;
const chartOf = (root: HTMLElement, selector: string) => Chart.getChart(root.querySelector<HTMLCanvasElement>(`${selector} canvas`)!)!;
const compliance = (root: HTMLElement, id: string) => chartOf(root, `.rs-chart-panel[data-standard-id="${id}"]`);
const distribution = (root: HTMLElement, id: string) => chartOf(root, `.rs-distribution-panel[data-standard-id="${id}"]`);
const pluginOptions = (chart: Chart, id: string) => (chart.config.options!.plugins as Record<string, unknown>)[id] as Record<string, unknown>;

async function mountWith(answer: Parameters<typeof fakeTransport>[0], selection = {}) {
  const fake = fakeTransport(answer);
  const mounted = mount({ transport: fake.transport, selection });
  feed(mounted.dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
  await settle();
  mounted.dashboard.flush();
  return { ...mounted, ...fake };
}

describe('historical queries', () => {
  it('asks for figures + series, the distribution and the site breakdown of the selection, after the snapshot', async () => {
    const fake = fakeTransport(answering({}));
    const { dashboard } = mount({ transport: fake.transport, selection: { window: '7d' } });
    expect(fake.requests).toEqual([]);
    feed(dashboard, msg.snapshot(snapshot()));
    // The report first (the charts wait for it); the others once it is answered, so they cannot delay it.
    expect(fake.requests).toEqual<DashboardRequest[]>([{ kind: 'compliance', params: { window: '7d', bucket: 'hour' } }]);
    expect(dashboard.state().queries.distribution.status).toBe('loading');
    await settle();
    expect(fake.requests).toEqual<DashboardRequest[]>([
      { kind: 'compliance', params: { window: '7d', bucket: 'hour' } },
      { kind: 'distribution', params: { window: '7d' } },
      { kind: 'compliance', params: { window: '7d', groupBy: 'site' } },
    ]);

    fake.requests.length = 0;
    dashboard.dispatch({ type: 'ui/select', selection: { site: 'Leeds', standard: CALL_STANDARD.id } });
    await settle();
    expect(fake.requests).toEqual<DashboardRequest[]>([
      { kind: 'compliance', params: { window: '7d', site: 'Leeds', standard: CALL_STANDARD.id, bucket: 'hour' } },
      { kind: 'distribution', params: { window: '7d', site: 'Leeds', standard: CALL_STANDARD.id } },
      { kind: 'compliance', params: { window: '7d', site: 'Leeds', standard: CALL_STANDARD.id, groupBy: 'agent' } },
      // One site and one standard: the Staffing view's today and tomorrow too.
      { kind: 'staffing-forecast', params: { site: 'Leeds', standard: CALL_STANDARD.id, date: 'today' } },
      { kind: 'staffing-forecast', params: { site: 'Leeds', standard: CALL_STANDARD.id, date: 'tomorrow' } },
    ]);

    fake.requests.length = 0;
    dashboard.dispatch({ type: 'ui/select', selection: { window: 'custom', from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' } });
    expect(fake.requests[0]).toEqual({
      kind: 'compliance',
      params: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z', site: 'Leeds', standard: CALL_STANDARD.id, bucket: 'hour' },
    });
  });

  it('asks the report as soon as it connects, before the snapshot, and keeps it when it answers for the snapshot’s standards', async () => {
    let answer!: (report: ComplianceReport) => void;
    const fake = fakeTransport((request) => (request.kind === 'compliance' && !request.params.groupBy ? new Promise((resolve) => (answer = resolve)) : answering({})(request)));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: '7d' } });
    feed(dashboard, msg.connection('connecting'));
    expect(fake.requests).toEqual<DashboardRequest[]>([{ kind: 'compliance', params: { window: '7d', bucket: 'hour' } }]);
    // The snapshot arrives while the report is still on its way: nothing is asked twice, the rest waits for it.
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    await settle();
    expect(fake.requests).toHaveLength(1);
    answer(complianceReport({ from: '2026-11-16T00:00:00.000Z', series: { [CALL_STANDARD.id]: hourSeries(24, 20) } }));
    await settle();
    dashboard.flush();
    expect(fake.requests).toEqual<DashboardRequest[]>([
      { kind: 'compliance', params: { window: '7d', bucket: 'hour' } },
      { kind: 'distribution', params: { window: '7d' } },
      { kind: 'compliance', params: { window: '7d', groupBy: 'site' } },
    ]);
    expect(compliance(root, CALL_STANDARD.id).data.datasets[DATASET.rolling]!.data.filter((p) => (p as { y: number | null }).y !== null)).toHaveLength(24);
  });

  it('asks the report again when a standard changed between the early report and the snapshot', async () => {
    const changed = { ...CALL_STANDARD, version: 2, target: 0.95 };
    const fake = fakeTransport(answering({}));
    const { dashboard } = mount({ transport: fake.transport, selection: { window: '7d' } });
    feed(dashboard, msg.connection('connecting'));
    await settle();
    expect(dashboard.state().queries.report.status).toBe('ok');
    // The early report knows the standard's old target; the snapshot names the new version.
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [changed, VISIT_STANDARD] })));
    await settle();
    expect(fake.requests.filter((r) => r.kind === 'compliance' && !r.params.groupBy)).toHaveLength(2);
    expect(fake.requests).toHaveLength(4);
  });

  it('asks the report again at the snapshot when the early one failed (a key typed in meanwhile)', async () => {
    let refuse = true;
    const fake = fakeTransport((request) => {
      if (refuse) return Promise.reject(new RequestError({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'no key' }));
      return answering({})(request);
    });
    const { dashboard } = mount({ transport: fake.transport, selection: { window: '7d' } });
    feed(dashboard, msg.connection('connecting'));
    await settle();
    expect(dashboard.state().queries.report.status).toBe('error');
    refuse = false;
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    await settle();
    expect(fake.requests.filter((r) => r.kind === 'compliance' && !r.params.groupBy)).toHaveLength(2);
    expect(dashboard.state().queries.report.status).toBe('ok');
  });

  it('refreshes a window that ends now while live data flows, at most once per refresh interval', async () => {
    // The clock and timers are fake: the interval passes when the test says, to the millisecond.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const fake = fakeTransport(answering({}));
      const { dashboard } = mount({ transport: fake.transport, selection: { window: '30d' }, refreshMs: 80 });
      feed(dashboard, msg.snapshot(snapshot()));
      await settle();
      expect(fake.requests).toHaveLength(3);
      const traffic = () => {
        for (let i = 0; i < 20; i += 1) dashboard.dispatch(msg.judged([]));
        for (let i = 0; i < 20; i += 1) dashboard.dispatch({ type: 'compliance', update: { serverTime: snapshot().serverTime, today: [], points: [] } });
      };
      traffic();
      await vi.advanceTimersByTimeAsync(79);
      expect(fake.requests).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      // One refresh of the three queries, not forty, each marked periodic.
      expect(fake.requests).toHaveLength(6);
      expect(fake.periodic).toEqual([false, false, false, true, true, true]);
      // Traffic right after a refresh waits a whole interval for the next one.
      traffic();
      await vi.advanceTimersByTimeAsync(79);
      expect(fake.requests).toHaveLength(6);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(fake.requests).toHaveLength(9);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refreshes a window of days at most once a minute, today every 10 s: a minute moves a month by hundredths of a point', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const fake = fakeTransport(answering({}));
      const { dashboard } = mount({ transport: fake.transport, selection: { window: '30d' } });
      feed(dashboard, msg.snapshot(snapshot()));
      await settle();
      const asked = () => fake.requests.filter((r) => r.kind === 'compliance' && !r.params.groupBy).length;
      expect(asked()).toBe(1);
      const traffic = () => dashboard.dispatch({ type: 'compliance', update: { serverTime: snapshot().serverTime, today: [], points: [] } });
      traffic();
      await vi.advanceTimersByTimeAsync(59_999);
      expect(asked()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(asked()).toBe(2);
      // Back to today: asked at once (a new selection), then refreshed within 10 s of live traffic.
      dashboard.dispatch({ type: 'ui/select', selection: { window: 'today' } });
      await settle();
      expect(asked()).toBe(3);
      traffic();
      await vi.advanceTimersByTimeAsync(10_000);
      await settle();
      expect(asked()).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('per-site bars today', () => {
  it('follow live data within a second, like the extension’s Sites view, while the rest waits for the refresh interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const fake = fakeTransport(answering({}));
      const { dashboard } = mount({ transport: fake.transport, refreshMs: 10_000 });
      feed(dashboard, msg.snapshot(snapshot()));
      await settle();
      expect(fake.requests).toHaveLength(3);
      fake.requests.length = 0;
      dashboard.dispatch({ type: 'compliance', update: { serverTime: snapshot().serverTime, today: [], points: [] } });
      await vi.advanceTimersByTimeAsync(999);
      expect(fake.requests).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(fake.requests).toEqual([{ kind: 'compliance', params: { window: 'today', groupBy: 'site' } }]);
      // The refresh is marked periodic (the server logs its success at debug); the first asks are not.
      expect(fake.periodic).toEqual([false, false, false, true]);
      // Filtered to one site the bars are its agents: they wait for the normal refresh like everything else.
      fake.requests.length = 0;
      dashboard.dispatch({ type: 'ui/select', selection: { site: 'Leeds' } });
      await settle();
      // Asked because the user changed the selection: not periodic.
      expect(fake.periodic.slice(4)).toEqual(fake.requests.map(() => false));
      expect(fake.requests.length).toBeGreaterThan(0);
      fake.requests.length = 0;
      dashboard.dispatch({ type: 'compliance', update: { serverTime: snapshot().serverTime, today: [], points: [] } });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(fake.requests).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('RAG tiles for the window', () => {
  it('show the window figure with numerator / denominator, band and error budget left', async () => {
    const { root } = await mountWith(answering({ report: complianceReport({ figures: [[CALL_STANDARD, 958, 1000], [VISIT_STANDARD, 80, 100]] }) }), { window: '7d' });
    const call = tile(root, CALL_STANDARD.id);
    expect(text(call, '.rs-tile-value')).toBe('95.8 %');
    expect(text(call, '.rs-tile-counts')).toBe('958 / 1,000 met');
    expect(text(call, '.rs-tile-target')).toBe('target 90 % · ≤ 2 rings · last 7 days');
    expect(call.dataset['band']).toBe('good');
    // 42 misses of 100 allowed (1000 × 10 %): 58 % left.
    expect(text(call, '.rs-budget-text')).toBe('budget left 58 %');
    const visit = tile(root, VISIT_STANDARD.id);
    expect(visit.dataset['band']).toBe('bad');
    expect(text(visit, '.rs-budget-text')).toBe('budget overspent (−100 %)');
  });

  it('use the standard’s own bands when the server sends them', async () => {
    const banded = { ...CALL_STANDARD, bands: { green: 0.95, amber: 0.93 } };
    const fake = fakeTransport(answering({ report: complianceReport({ figures: [[banded, 94, 100]] }) }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: '7d' } });
    feed(dashboard, msg.snapshot({ ...snapshot(), standards: [banded] }));
    await settle();
    dashboard.flush();
    expect(tile(root, CALL_STANDARD.id).dataset['band']).toBe('warn');
    expect(pluginOptions(compliance(root, CALL_STANDARD.id), 'rsBands')).toMatchObject({ green: 0.95, amber: 0.93 });
  });

  it('show loading, then an error that says what to do about a missing key', async () => {
    let reject!: (e: unknown) => void;
    const pending = new Promise((_, r) => (reject = r));
    const { dashboard, root } = await mountWith(() => pending, { window: '30d' });
    expect(text(tile(root, CALL_STANDARD.id), '.rs-tile-value')).toBe('…');
    expect(text(tile(root, CALL_STANDARD.id), '.rs-tile-counts')).toBe('Loading…');
    // Nothing is known of the budget yet: no "error budget: no events yet" under "Loading…".
    expect(tile(root, CALL_STANDARD.id).querySelector<HTMLElement>('.rs-tile-budget')!.checkVisibility()).toBe(false);
    expect(root.querySelector<HTMLElement>('.rs-chart-panel .rs-chart-note')!.textContent).toBe('Loading…');
    reject(new RequestError({ type: 'x', title: 'Unauthorized', status: 401, detail: 'send an API key' }));
    await settle();
    dashboard.flush();
    expect(text(tile(root, CALL_STANDARD.id), '.rs-tile-counts')).toContain('needs an API key');
    expect(tile(root, CALL_STANDARD.id).querySelector<HTMLElement>('.rs-tile-budget')!.checkVisibility()).toBe(false);
    const note = root.querySelector<HTMLElement>('.rs-chart-panel .rs-chart-note')!;
    expect(note.hidden).toBe(false);
    expect(note.dataset['kind']).toBe('error');
    expect(text(root, '.rs-sites .rs-panel-note')).toContain('Could not load');
  });
});

describe('compliance over time (history)', () => {
  it('draws the report’s hourly buckets as one line, with the target and the bands, over the report’s range', async () => {
    const series = hourSeries(10);
    const { root } = await mountWith(answering({ report: complianceReport({ series: { [CALL_STANDARD.id]: series, [VISIT_STANDARD.id]: [] } }) }));
    const chart = compliance(root, CALL_STANDARD.id);
    const ys = (chart.data.datasets[DATASET.rolling]!.data as Array<{ y: number | null }>).map((p) => p.y);
    expect(ys).toEqual(series.map((p) => (p.met / p.total) * 100));
    expect(chart.data.datasets[DATASET.minute]!.data).toEqual([]);
    expect(chart.data.datasets[DATASET.rolling]!.label).toBe('Per hour');
    // Ten buckets: dotted, so a lone bucket would still show.
    expect(chart.getDatasetMeta(DATASET.rolling).data.map((e) => (e.options as { radius: number }).radius)).toEqual(series.map(() => 2.5));
    expect(chart.scales['x']!.min).toBe(Date.parse('2026-11-23T00:00:00.000Z'));
    expect(chart.scales['x']!.max).toBe(Date.parse('2026-11-24T00:00:00.000Z'));
    expect(pluginOptions(chart, 'rsBands')).toMatchObject({ green: 0.9, amber: 0.85 });
    expect(text(root, `.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"] .rs-panel-meta`)).toBe('target 90 % · ≤ 2 rings · per hour · today');
    // The visit standard had nothing in the window: the chart says so instead of staying blank.
    const visitNote = root.querySelector<HTMLElement>(`.rs-chart-panel[data-standard-id="${VISIT_STANDARD.id}"] .rs-chart-note`)!;
    expect(visitNote.hidden).toBe(false);
    expect(visitNote.textContent).toBe('No events in this window');
  });

  it('draws a bucket at 0 % or 100 % whole, its dot not cut in half by the plot area’s edge', async () => {
    const series = hourSeries(6).map((p, i) => ({ ...p, met: i === 2 ? 0 : i === 4 ? p.total : p.met, ratio: i === 2 ? 0 : i === 4 ? 1 : p.ratio }));
    const { root } = await mountWith(answering({ report: complianceReport({ series: { [CALL_STANDARD.id]: series, [VISIT_STANDARD.id]: [] } }) }));
    const chart = compliance(root, CALL_STANDARD.id);
    const context = chart.canvas.getContext('2d')!;
    const scale = chart.currentDevicePixelRatio;
    // The line's colour, opaque, at a pixel 2 CSS px beyond the plot area, inside the 2.5 px dot.
    const drawnAt = (x: number, y: number) => {
      const [r, g, b, a] = context.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data;
      return { r, g, b, a };
    };
    const line = chart.data.datasets[DATASET.rolling]!.borderColor as string;
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(line.slice(i, i + 2), 16));
    const { top, bottom } = chart.chartArea;
    const zero = chart.getDatasetMeta(DATASET.rolling).data[2]!;
    const full = chart.getDatasetMeta(DATASET.rolling).data[4]!;
    expect(zero.y).toBeCloseTo(bottom, 0);
    expect(full.y).toBeCloseTo(top, 0);
    // Within a few levels of it: the dot's edge is smoothed over what is drawn under it.
    const near = (v: number) => expect.toSatisfy((p: number) => Math.abs(p - v) <= 8);
    expect(drawnAt(zero.x, bottom + 2)).toEqual({ r: near(r!), g: near(g!), b: near(b!), a: 255 });
    expect(drawnAt(full.x, top - 2)).toEqual({ r: near(r!), g: near(g!), b: near(b!), a: 255 });
  });

  it('dots a line of few buckets and not one of many, on the same chart as the answer changes', async () => {
    const few = hourSeries(10);
    const many = hourSeries(7 * 24);
    const fake = fakeTransport(answering({ report: complianceReport({ series: { [CALL_STANDARD.id]: few, [VISIT_STANDARD.id]: [] } }) }));
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    const chart = compliance(root, CALL_STANDARD.id);
    const radii = () => chart.getDatasetMeta(DATASET.rolling).data.map((e) => (e.options as { radius: number }).radius);
    expect(radii()).toEqual(few.map(() => 2.5));
    const answer = (series: typeof few) => dashboard.dispatch({ type: 'query/ok', name: 'report', key: dashboard.state().queries.report.key!, data: complianceReport({ from: series[0]!.start, series: { [CALL_STANDARD.id]: series, [VISIT_STANDARD.id]: [] } }) });
    answer(many);
    dashboard.flush();
    expect(compliance(root, CALL_STANDARD.id)).toBe(chart);
    expect(new Set(radii())).toEqual(new Set([0]));
    answer(few);
    dashboard.flush();
    expect(radii()).toEqual(few.map(() => 2.5));
  });

  it('labels a week’s axis with the day and month of each local midnight', async () => {
    const series = hourSeries(7 * 24);
    const report = complianceReport({ from: '2026-11-17T00:00:00.000Z', series: { [CALL_STANDARD.id]: series, [VISIT_STANDARD.id]: [] } });
    const { root } = await mountWith(answering({ report }), { window: '7d' });
    const ticks = compliance(root, CALL_STANDARD.id).scales['x']!.ticks;
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (const tick of ticks) {
      const d = new Date(tick.value);
      expect([d.getHours(), d.getMinutes()]).toEqual([0, 0]);
      // The label as toLocaleString wrote it before the formatter was made once.
      expect(tick.label).toBe(`${d.getDate()} ${d.toLocaleString('en-GB', { month: 'short' })}`);
    }
  });

  it('labels a custom range of two days by the day at local midnight and by the time between, never the same label twice in a row', async () => {
    // 42 hours tick every 6 hours: each tick once read "2 Dec", four times in a row.
    const from = new Date(2026, 10, 21, 10, 7).getTime();
    const to = new Date(2026, 10, 23, 4).getTime();
    const report = complianceReport({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), series: { [CALL_STANDARD.id]: hourSeries(42, 20, new Date(to - 1).toISOString()), [VISIT_STANDARD.id]: [] } });
    const { root } = await mountWith(answering({ report }), { window: 'custom', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const ticks = compliance(root, CALL_STANDARD.id).scales['x']!.ticks;
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    const labels = ticks.map((t) => t.label);
    for (let i = 1; i < labels.length; i += 1) expect(labels[i], labels.join(', ')).not.toBe(labels[i - 1]);
    for (const tick of ticks) {
      const d = new Date(tick.value);
      const midnight = d.getHours() === 0 && d.getMinutes() === 0;
      expect(tick.label).toBe(midnight ? `${d.getDate()} ${d.toLocaleString('en-GB', { month: 'short' })}` : `${String(d.getHours()).padStart(2, '0')}:00`);
    }
    expect(labels).toContain('22 Nov');
  });

  it('labels a day that starts off the three-hour grid (a site in another zone) on local 00:00, 03:00, …', async () => {
    // A site's "today" seen from a browser in another zone: the day starts at 05:00 here. Every hour of the range
    // is ≡ 2 (mod 3) when walked in 3-hour steps from its start, so the axis once had no label at all.
    const from = new Date(2026, 10, 23, 5).getTime();
    const to = from + 24 * 3_600_000;
    const series = hourSeries(24, 20, new Date(to - 1).toISOString());
    const report = complianceReport({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), series: { [CALL_STANDARD.id]: series, [VISIT_STANDARD.id]: [] } });
    const { root } = await mountWith(answering({ report }));
    const chart = compliance(root, CALL_STANDARD.id);
    expect(chart.scales['x']!.min).toBe(from);
    const ticks = chart.scales['x']!.ticks;
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (const tick of ticks) {
      const d = new Date(tick.value);
      expect([d.getHours() % 3, d.getMinutes()]).toEqual([0, 0]);
      expect(tick.label).toBe(`${String(d.getHours()).padStart(2, '0')}:00`);
    }
  });
});

describe('distribution charts', () => {
  it('draw rings 1, 2, 3, 4+ and abandoned as bars, green within the threshold, with the threshold marker', async () => {
    const { root, dashboard } = await mountWith(answering({}));
    const calls = distribution(root, CALL_STANDARD.id);
    expect((calls.config as { type?: string }).type).toBe('bar');
    expect(calls.data.labels).toEqual(['Ring 1', 'Ring 2', 'Ring 3', '4+ rings', 'Abandoned']);
    expect(calls.data.datasets[0]!.data).toEqual([60, 25, 8, 4, 3]);
    expect(pluginOptions(calls, 'rsThreshold')).toMatchObject({ afterBin: 2, label: '≤ 2 rings' });
    const theme = dashboard.theme();
    // Every event of a bin behind, those judged met in front: all of rings 1 and 2 met, none beyond.
    expect(calls.data.datasets[0]!.backgroundColor).toEqual([theme.bad, theme.bad, theme.bad, theme.bad, expect.stringMatching(new RegExp(`^${theme.bad}`))]);
    expect([calls.data.datasets[1]!.data, calls.data.datasets[1]!.backgroundColor]).toEqual([[60, 25, 0, 0, 0], theme.good]);
    expect(calls.width).toBeGreaterThan(150);

    const visits = distribution(root, VISIT_STANDARD.id);
    expect(visits.data.labels).toEqual(['0–10 s', '10–20 s', '20–30 s', '30–60 s', '60 s+', 'Left']);
    expect(pluginOptions(visits, 'rsThreshold')).toMatchObject({ afterBin: 3, label: '≤ 30 s' });
    expect(text(root, `.rs-distribution-panel[data-standard-id="${VISIT_STANDARD.id}"] .rs-panel-title`)).toBe('Greet time');
  });

  it('colour a bar by the verdicts recorded, not by the threshold now: misses of an older version in a bin now within it stay red', async () => {
    // The threshold went from 2 rings to 3 today: 28 of today's 34 third-ring calls were judged missed before.
    const changed = { ...callDistribution(), threshold: 3, thresholdAfterBin: 3 };
    changed.bins = changed.bins.map((bin) => (bin.key === 'ring-3' ? { ...bin, count: 34, met: 6 } : bin));
    const { root, dashboard } = await mountWith(answering({ distribution: distributionReport([changed]) }));
    const calls = distribution(root, CALL_STANDARD.id);
    const theme = dashboard.theme();
    const ratio = calls.currentDevicePixelRatio;
    const pixel = (x: number, y: number) => [...calls.ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data.slice(0, 3)];
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const ring3 = calls.getDatasetMeta(0).data[2] as unknown as { x: number; y: number; base: number };
    const ring3Met = calls.getDatasetMeta(1).data[2] as unknown as { y: number };
    expect(ring3Met.y).toBeGreaterThan(ring3.y + 20); // 6 of 34: the met part is much lower than the bar
    expect(pixel(ring3.x, ring3.y + 4)).toEqual(rgb(theme.bad));
    expect(pixel(ring3.x, ring3.base - 4)).toEqual(rgb(theme.good));
    const ring1 = calls.getDatasetMeta(0).data[0] as unknown as { x: number; y: number };
    expect(pixel(ring1.x, ring1.y + 4)).toEqual(rgb(theme.good));
    // A screen reader hears what the bars show: 6 of the 34 third-ring calls met, 91 of all 126, not "94 % within"
    // the threshold in force now.
    const panel = root.querySelector<HTMLElement>(`.rs-distribution-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(panel.querySelector('canvas')!.getAttribute('aria-label')).toBe(
      'Calls answered within 2 rings: Ring 1 60, all met; Ring 2 25, all met; Ring 3 34, 6 met; 4+ rings 4, none met; Abandoned 3, none met. 91 of 126 met (72.2 %). Threshold ≤ 3 rings.',
    );
  });

  it('label the count axis as the board writes counts, without making a number formatter', async () => {
    // Thousands of events in a bin: the axis reads "12,000" as the tiles and tables do. Chart.js's own tick formatter
    // would make an Intl.NumberFormat, whose first one loads ICU's number data while the chart is first drawn.
    const busy = callDistribution([15_000, 12_000, 9_000, 6_000, 3_000]);
    const made = vi.spyOn(Intl, 'NumberFormat');
    try {
      const { root } = await mountWith(answering({ distribution: distributionReport([busy]) }));
      const calls = distribution(root, CALL_STANDARD.id);
      const labels = calls.scales['y']!.ticks.map((t) => t.label);
      expect(labels).toContain('12,000');
      expect(labels.every((l) => typeof l === 'string' && /^\d{1,3}(,\d{3})*$/.test(l))).toBe(true);
      expect(made).not.toHaveBeenCalled();
    } finally {
      made.mockRestore();
    }
  });

  it('have a table alternative and an aria label that reads the bins and the threshold', async () => {
    const { root } = await mountWith(answering({}));
    const panel = root.querySelector<HTMLElement>(`.rs-distribution-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
    const rows = [...panel.querySelectorAll('.rs-data-table tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Ring 1', '60', '60 %', '60'],
      ['Ring 2 (threshold ≤ 2 rings)', '25', '25 %', '25'],
      ['Ring 3', '8', '8 %', '0'],
      ['4+ rings', '4', '4 %', '0'],
      ['Abandoned', '3', '3 %', '0'],
    ]);
    expect(panel.querySelector('canvas')!.getAttribute('aria-label')).toBe(
      'Calls answered within 2 rings: Ring 1 60, all met; Ring 2 25, all met; Ring 3 8, none met; 4+ rings 4, none met; Abandoned 3, none met. 85 of 100 met (85.0 %). Threshold ≤ 2 rings.',
    );
    expect(panel.querySelector('canvas')!.getAttribute('role')).toBe('img');
  });
});

describe('site and agent comparison', () => {
  const groups = complianceReport({
    groupBy: 'site',
    bucket: null,
    groups: {
      [CALL_STANDARD.id]: [group('Leeds', 95, 100), group('York', 70, 100), group('Hull', 88, 100), group('Quiet', 0, 0)],
      [VISIT_STANDARD.id]: [group('Leeds', 9, 10)],
    },
  });
  // Calls abandoned before anyone answered have no agent: 0 of 69 met, which ranked as an agent was always the worst.
  const unanswered = { ...group(null, 0, 69), companions: { ...group(null, 0, 69).companions, abandoned: 69, abandonRate: 1 } };
  const agents = complianceReport({ groupBy: 'agent', bucket: null, site: 'York', groups: { [CALL_STANDARD.id]: [group('Priya', 30, 40), unanswered] } });

  it('lists sites worst first as bars banded against the target, and a click filters the dashboard to the site', async () => {
    const { root, dashboard, requests } = await mountWith(answering({ groups, agents }));
    const callBars = root.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(texts(callBars, '.rs-bar-label')).toEqual(['York', 'Hull', 'Leeds', 'Quiet']);
    expect([...callBars.querySelectorAll<HTMLElement>('.rs-bar')].map((b) => b.dataset['band'])).toEqual(['bad', 'warn', 'good', 'none']);
    expect(texts(callBars, '.rs-bar-value')).toEqual(['70.0 %', '88.0 %', '95.0 %', '—']);
    const york = callBars.querySelector<HTMLButtonElement>('.rs-bar[data-key="York"]')!;
    expect(york.tagName).toBe('BUTTON');
    expect(york.getAttribute('aria-label')).toBe('York: 70.0 %, 70 / 100 met, red. Show only York');
    // The fill is as wide as the figure.
    expect(callBars.querySelector<HTMLElement>('.rs-bar-fill')!.style.width).toBe('70%');

    requests.length = 0;
    york.click();
    expect(dashboard.state().selection.site).toBe('York');
    await settle();
    expect(requests.at(-1)).toEqual({ kind: 'compliance', params: { window: 'today', site: 'York', groupBy: 'agent' } });
    await settle();
    dashboard.flush();
    expect(text(root, '.rs-sites .rs-panel-title')).toBe('Agents at York');
    // The calls without an agent are not a bar among the agents: a line under them says how many and why.
    expect(texts(root, '.rs-sites .rs-bar-label')).toEqual(['Priya']);
    expect(texts(root, '.rs-sites .rs-bars-apart')).toEqual(['Not ranked: 69 calls without an agent (0 / 69 met; 69 abandoned before an agent answered)']);
    expect(root.querySelector('.rs-sites .rs-bar')!.tagName).toBe('DIV');
    const back = root.querySelector<HTMLButtonElement>('.rs-sites-back')!;
    expect(back.hidden).toBe(false);
    back.click();
    expect(dashboard.state().selection.site).toBeNull();
  });

  it('gives a configured site without events a bar that says "no events" (a quiet site can be a broken integration), only under the standards that apply there', async () => {
    const fake = fakeTransport(answering({ groups }));
    const { root, dashboard } = mount({ transport: fake.transport });
    // Beach and Airport are configured and sent nothing; the visit standard applies at Leeds and Beach only.
    const visits = { ...VISIT_STANDARD, scope: { sites: ['Leeds', 'Beach'] } };
    const sites = ['Leeds', 'York', 'Hull', 'Quiet', 'Beach', 'Airport'].map((id) => ({ id, name: id === 'Airport' ? 'Airport Terminal 2' : id }));
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ sites, standards: [CALL_STANDARD, visits] })));
    await settle();
    dashboard.flush();
    const callBars = root.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"]`)!;
    // After the figures and the site with nothing counted ('Quiet': its events were outside hours), by name.
    expect(texts(callBars, '.rs-bar-label')).toEqual(['York', 'Hull', 'Leeds', 'Quiet', 'Airport Terminal 2', 'Beach']);
    expect(texts(callBars, '.rs-bar-detail').slice(-2)).toEqual(['no events', 'no events']);
    expect(texts(callBars, '.rs-bar-value').slice(-2)).toEqual(['—', '—']);
    const airport = callBars.querySelector<HTMLButtonElement>('.rs-bar[data-key="Airport"]')!;
    expect(airport.dataset['band']).toBe('none');
    expect(airport.getAttribute('aria-label')).toBe('Airport Terminal 2: no events in this window. Show only Airport Terminal 2');
    expect(airport.querySelector<HTMLElement>('.rs-bar-fill')!.style.width).toBe('0%');
    const visitBars = root.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${VISIT_STANDARD.id}"]`)!;
    expect(texts(visitBars, '.rs-bar-label')).toEqual(['Leeds', 'Beach']);
    // A click looks at the quiet site as at any other.
    airport.click();
    expect(dashboard.state().selection.site).toBe('Airport');
  });

  it('can be used with the keyboard: Tab to a bar, arrows move between bars, Enter filters', async () => {
    const { root, dashboard } = await mountWith(answering({ groups, agents }));
    const bars = [...root.querySelectorAll<HTMLButtonElement>(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"] .rs-bar`)];
    bars[0]!.focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(bars[1]);
    await userEvent.keyboard('{End}');
    expect(document.activeElement).toBe(bars[3]);
    await userEvent.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(bars[2]);
    await userEvent.keyboard('{Enter}');
    expect(dashboard.state().selection.site).toBe('Leeds');
  });
});

describe('controls', () => {
  it('switch the window with buttons and filter with the site and standard selects', async () => {
    const { root, dashboard } = await mountWith(answering({}));
    const pressed = () => root.querySelector<HTMLElement>('.rs-segment[aria-pressed="true"]')!.dataset['window'];
    expect(pressed()).toBe('today');
    root.querySelector<HTMLButtonElement>('.rs-segment[data-window="7d"]')!.click();
    dashboard.flush();
    expect(dashboard.state().selection.window).toBe('7d');
    expect(pressed()).toBe('7d');
    expect(text(root, '.rs-subtitle')).toBe('Service standards · last 7 days');

    const standard = root.querySelector<HTMLSelectElement>('.rs-select-standard')!;
    expect([...standard.options].map((o) => o.value)).toEqual(['', CALL_STANDARD.id, VISIT_STANDARD.id]);
    standard.value = VISIT_STANDARD.id;
    standard.dispatchEvent(new Event('change'));
    dashboard.flush();
    expect(dashboard.state().selection.standard).toBe(VISIT_STANDARD.id);
    expect(root.querySelectorAll('.rs-tile--standard')).toHaveLength(1);
    expect(root.querySelectorAll('.rs-chart-panel')).toHaveLength(1);
    // The extension's selectors stay: the count tiles are still there.
    expect(root.querySelector('.rs-tile--events .rs-tile-value')).not.toBeNull();
  });

  it('open a custom range form, refuse an end before the start, and apply a valid range', async () => {
    const { root, dashboard } = await mountWith(answering({}));
    root.querySelector<HTMLButtonElement>('.rs-segment[data-window="custom"]')!.click();
    const form = root.querySelector<HTMLFormElement>('.rs-custom')!;
    expect(form.hidden).toBe(false);
    const [from, to] = [...form.querySelectorAll('input')];
    // The date and time pickers once the form shows (customRange.test.ts: plain inputs while it is hidden).
    expect([from!.type, to!.type]).toEqual(['datetime-local', 'datetime-local']);
    from!.value = '2026-11-20T10:00';
    to!.value = '2026-11-19T10:00';
    form.requestSubmit();
    expect(text(form, '.rs-custom-error')).toBe('Choose a start before the end.');
    expect(dashboard.state().selection.window).toBe('today');
    to!.value = '2026-11-21T10:00';
    form.requestSubmit();
    expect(dashboard.state().selection).toMatchObject({
      window: 'custom',
      from: new Date('2026-11-20T10:00').toISOString(),
      to: new Date('2026-11-21T10:00').toISOString(),
    });
  });
});
