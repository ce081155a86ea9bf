// The page's first paint from what the server wrote into it (server/src/http/firstPaint.ts): the snapshot and the
// first report are shown without the socket's handshake or a fetch for that report, the socket opens once the frame
// that draws them has begun, and its own snapshot then takes over.
import { afterEach, describe, expect, it } from 'vitest';
import { planQueries } from '../../webview/src/queries';
import { DEFAULT_SELECTION } from '../../webview/src/selection';
import { Chart } from '../../webview/src/views/compliance-chart';
import { FIRST_PAINT_ID, readFirstPaint, socketTransport, type FirstPaint } from '../../webview/src/transport/socket';
import { CALL_STANDARD, complianceReport, hourSeries, settle, snapshot, VISIT_STANDARD } from './fixtures';
import { countingFetch, handSocket } from './handTransport';
import { mount, unmountAll } from './mount';

afterEach(unmountAll);

const SERVER = 'http://127.0.0.1:4870';
const WEEK = { ...DEFAULT_SELECTION, window: '7d' as const };

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

function embedded(): FirstPaint {
  const series = { [CALL_STANDARD.id]: hourSeries(168), [VISIT_STANDARD.id]: hourSeries(168) };
  return { snapshot: snapshot(), report: { request: planQueries(WEEK, SERVER).report.request, body: complianceReport({ series }) } };
}

function pageWith(block: string): Document {
  return new DOMParser().parseFromString(`<!doctype html><html><body><div id="app"></div>${block}</body></html>`, 'text/html');
}

describe('the first paint the server embeds', () => {
  it('is read from the page’s JSON block, escaped characters and all; a missing or broken block is none', () => {
    const data = embedded();
    const named = { ...data, snapshot: { ...data.snapshot, standards: [{ ...CALL_STANDARD, name: 'Calls </script><!-- \u2028 & more' }] } };
    const escaped = JSON.stringify(named).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const read = readFirstPaint(pageWith(`<script type="application/json" id="${FIRST_PAINT_ID}">${escaped}</script>`));
    expect(read?.snapshot.standards[0]!.name).toBe('Calls </script><!-- \u2028 & more');
    expect(read?.report?.request).toEqual(data.report!.request);
    expect(readFirstPaint(pageWith(''))).toBeNull();
    expect(readFirstPaint(pageWith(`<script type="application/json" id="${FIRST_PAINT_ID}">{"snapshot":</script>`))).toBeNull();
    expect(readFirstPaint(pageWith(`<script type="application/json" id="${FIRST_PAINT_ID}">{"report":null}</script>`))).toBeNull();
  });

  it('draws the charts from it in one render, without the socket or a fetch of the report; the socket and the other queries leave after that frame', async () => {
    const socket = handSocket();
    const { asked, fetch } = countingFetch();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: socket.connect, fetch, firstPaint: embedded() });
    const { dashboard, root } = mount({ transport, selection: WEEK });
    await settle();
    expect(dashboard.state().hasSnapshot).toBe(true);
    expect(dashboard.state().queries.report.status).toBe('ok');
    // The socket is not connected yet, whatever the embedded snapshot says.
    expect(dashboard.state().connection).toEqual({ state: 'connecting', serverUrl: SERVER, error: null });
    expect(socket.opened()).toBe(0);
    // The report was not fetched; the other queries, asked after its (embedded) answer, wait for the socket's turn.
    expect(asked).toEqual([]);
    dashboard.flush();
    // Mounting renders the empty board; the next render (its frame, or this flush) has the snapshot and the report.
    expect(dashboard.renders()).toBe(2);
    const canvas = root.querySelector<HTMLCanvasElement>(`.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"] canvas`)!;
    const chart = Chart.getChart(canvas)!;
    expect(chart.data.datasets[1]!.data.length).toBeGreaterThan(0);
    expect(root.querySelector<HTMLElement>(`.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"] .rs-chart-note`)!.hidden).toBe(true);

    await nextFrame();
    expect(socket.opened()).toBe(1);
    await settle();
    expect(asked).toEqual(['/api/v1/distribution?window=7d', '/api/v1/compliance?window=7d&groupBy=site']);
    socket.fire('connect');
    socket.fire('snapshot', snapshot({ serverTime: '2026-11-23T14:31:00.000Z' }));
    expect(dashboard.state().connection.state).toBe('connected');
    expect(dashboard.state().lastUpdated).toBe('2026-11-23T14:31:00.000Z');
  });

  it('says "Connecting…" over its figures until the socket first answers, not "Reconnecting…": nothing was lost', async () => {
    const socket = handSocket();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: socket.connect, fetch: countingFetch().fetch, firstPaint: embedded() });
    const { dashboard, root } = mount({ transport, selection: WEEK });
    const label = () => root.querySelector('.rs-connection-label')!.textContent;
    const stale = root.querySelector<HTMLElement>('.rs-stale')!;
    await settle();
    dashboard.flush();
    expect(dashboard.state().hasSnapshot).toBe(true);
    expect(label()).toBe('Connecting…');
    expect(stale.hidden).toBe(true);
    await nextFrame();
    expect(socket.opened()).toBe(1);
    expect(label()).toBe('Connecting…');
    expect(stale.hidden).toBe(true);
    // A first connection that fails leaves figures that grow old: that is said.
    socket.fire('connect_error', new Error('xhr poll error'));
    dashboard.flush();
    expect(label()).toBe('Reconnecting…');
    expect(stale.hidden).toBe(false);
    socket.fire('connect');
    socket.fire('snapshot', snapshot());
    dashboard.flush();
    expect(label()).toBe('Live');
  });

  it('is not used for another selection’s report: that one is fetched', async () => {
    const { asked, fetch } = countingFetch();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: handSocket().connect, fetch, firstPaint: embedded() });
    const { dashboard } = mount({ transport, selection: { ...DEFAULT_SELECTION, window: '30d' } });
    await nextFrame();
    await settle();
    expect(dashboard.state().hasSnapshot).toBe(true);
    expect(asked[0]).toBe('/api/v1/compliance?window=30d&bucket=hour');
  });

  it('never opens the socket of a dashboard destroyed before its frame', async () => {
    const socket = handSocket();
    const transport = socketTransport(SERVER, { token: 'rs_k', connect: socket.connect, fetch: countingFetch().fetch, firstPaint: embedded() });
    const { dashboard } = mount({ transport, selection: WEEK });
    dashboard.destroy();
    await nextFrame();
    expect(socket.opened()).toBe(0);
  });
});
