// The dashboard as it runs inside a VS Code webview: VS Code injects acquireVsCodeApi, the extension host
// posts DashboardMessage objects to the window, and the webview answers with `ready` and `rendered`.
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardMessage, RenderedSummary, WebviewToHostMessage } from '../../server/src/protocol';
import { boot } from '../../webview/src/boot';
import type { Dashboard } from '../../webview/src/app';
import { CONNECT_TIMEOUT_MS } from '../../server/src/protocol/pure';
import { CALL_STANDARD, VISIT_STANDARD, complianceUpdate, figure, judgedCall, judgedVisit, msg, point, snapshot } from './fixtures';
import { text, texts } from './mount';
import '../../webview/src/dashboard.css';

type HostWindow = Window & { acquireVsCodeApi?: () => unknown };

let dashboard: Dashboard | null = null;
let root: HTMLElement | null = null;

afterEach(() => {
  dashboard?.destroy();
  root?.remove();
  delete (window as HostWindow).acquireVsCodeApi;
});

/** What VS Code provides: an API object that may be acquired once, whose postMessage reaches the host. */
function installVsCodeApi() {
  const posted: WebviewToHostMessage[] = [];
  let acquired = 0;
  (window as HostWindow).acquireVsCodeApi = () => {
    acquired += 1;
    if (acquired > 1) throw new Error('An instance of the VS Code API has already been acquired');
    return { postMessage: (m: WebviewToHostMessage) => posted.push(m), getState: () => undefined, setState: () => undefined };
  };
  return { posted, acquired: () => acquired };
}

/** As the extension host's webview.postMessage arrives: a real, asynchronous window message event. */
function hostSends(message: DashboardMessage | { type: string }): void {
  window.postMessage(message, '*');
}

function lastSummary(posted: WebviewToHostMessage[]): RenderedSummary | null {
  const rendered = posted.filter((m): m is Extract<WebviewToHostMessage, { type: 'rendered' }> => m.type === 'rendered');
  return rendered.at(-1)?.summary ?? null;
}

function start() {
  const api = installVsCodeApi();
  root = document.createElement('div');
  document.body.append(root);
  dashboard = boot(root);
  return api;
}

describe('inside VS Code (vscode transport)', () => {
  it('acquires the API once and tells the host it is ready', () => {
    const api = start();
    expect(api.acquired()).toBe(1);
    expect(api.posted[0]).toEqual({ type: 'ready' });
  });

  it('renders a sequence of host messages and reports what is on screen after each render', async () => {
    const { posted } = start();
    hostSends(msg.connection('connected'));
    hostSends(
      msg.snapshot(
        snapshot({
          series: { [CALL_STANDARD.id]: [point(2, 9, 10), point(1, 10, 10)] },
          recent: [judgedCall({ id: 'recent-1' })],
        }),
      ),
    );
    await expect.poll(() => lastSummary(posted)?.feedCount).toBe(1);
    expect(lastSummary(posted)).toEqual({
      connection: 'connected',
      tiles: { [CALL_STANDARD.id]: '93.0 %', [VISIT_STANDARD.id]: '85.4 %' },
      feedCount: 1,
      newestEventId: 'recent-1',
      eventsToday: 192,
      selection: { window: 'today', from: null, to: null, site: null, standard: null },
      openIncidents: 0,
      feedPaused: false,
    });

    // A live batch: the judged events, then the compliance update, in the same tick (as the server sends them).
    hostSends(msg.judged([judgedVisit({ id: 'live-visit', greetSeconds: 50 }), judgedCall({ id: 'live-call', rings: 1 })]));
    hostSends(
      msg.compliance(
        complianceUpdate(
          [figure(CALL_STANDARD, 135, 145), figure(VISIT_STANDARD, 41, 49)],
          [{ standardId: CALL_STANDARD.id, point: point(0, 1, 1) }],
        ),
      ),
    );
    await expect.poll(() => lastSummary(posted)?.newestEventId).toBe('live-call');
    expect(lastSummary(posted)).toMatchObject({ feedCount: 3, eventsToday: 194, tiles: { [CALL_STANDARD.id]: '93.1 %', [VISIT_STANDARD.id]: '83.6 %' } });

    // And the user sees it.
    expect(texts(root!, '.rs-tile-value').slice(0, 2)).toEqual(['93.1 %', '83.6 %']);
    expect(texts(root!, '.rs-feed-row .rs-badge')).toEqual(['met', 'missed', 'met']);
    expect(text(root!, '.rs-connection-label')).toBe('Live');
    // The host narrows the view (as a tree item click does): the live hour is drawn from the pushed minutes.
    hostSends({ type: 'select', selection: { window: '1h' } });
    await expect.poll(() => lastSummary(posted)?.selection?.window).toBe('1h');
    expect(dashboard!.charts().get(CALL_STANDARD.id)!.chart.data.datasets[0]!.data).toHaveLength(3);
  });

  it('ignores messages that are not dashboard messages', async () => {
    const { posted } = start();
    hostSends({ type: 'some-other-extension-message' });
    hostSends(msg.connection('disconnected', 'server stopped'));
    await expect.poll(() => lastSummary(posted)?.connection).toBe('disconnected');
    expect(text(root!, '.rs-empty-title')).toBe('No connection');
  });
});

describe('in a plain browser (socket transport)', () => {
  it('connects with Socket.IO to the page origin and says so when nothing answers there', async () => {
    root = document.createElement('div');
    document.body.append(root);
    dashboard = boot(root);
    // This test page is served by Vite, which has no Socket.IO endpoint: the real client fails to connect (its
    // WebSocket is held unanswered there, so the attempt fails when it times out).
    expect(dashboard.state().connection.serverUrl).toBe(location.origin);
    await expect.poll(() => dashboard!.state().connection.state, { timeout: CONNECT_TIMEOUT_MS + 5_000 }).toBe('disconnected');
    await expect.poll(() => text(root!, '.rs-empty-title')).toBe('No connection');
  }, CONNECT_TIMEOUT_MS + 10_000);
});
