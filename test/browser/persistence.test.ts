// The selection survives a reload: in the browser it lives in the URL query (a shareable link, other
// parameters left alone); in VS Code in the webview state (getState/setState), which the panel serializer keeps.
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardSelection, WebviewToHostMessage } from '../../server/src/protocol';
import { PERIODIC_REFRESH, REFRESH_HEADER } from '../../server/src/protocol/pure';
import type { Dashboard } from '../../webview/src/app';
import { boot } from '../../webview/src/boot';
import { DEFAULT_SELECTION, sanitizeSelection, searchWithSelection, selectionFromSearch } from '../../webview/src/selection';
import { socketTransport, type DashboardSocket } from '../../webview/src/transport/socket';
import { complianceReport, msg, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

type HostWindow = Window & { acquireVsCodeApi?: () => unknown };
const booted: Array<{ dashboard: Dashboard; root: HTMLElement }> = [];
const originalUrl = location.href;

afterEach(() => {
  unmountAll();
  for (const { dashboard, root } of booted.splice(0)) {
    dashboard.destroy();
    root.remove();
  }
  delete (window as HostWindow).acquireVsCodeApi;
  history.replaceState(null, '', originalUrl);
});

/** A socket that never connects: these tests are about the URL, not the live data. */
function idleSocket(): DashboardSocket {
  const socket = { on: () => socket, io: { on: () => undefined, removeAllListeners: () => undefined }, removeAllListeners: () => socket, disconnect: () => socket };
  return socket as unknown as DashboardSocket;
}

describe('selection in the URL (browser)', () => {
  it('round-trips every window, the range, site and standard; defaults stay out of the URL', () => {
    const selections: DashboardSelection[] = [
      DEFAULT_SELECTION,
      { window: '1h', from: null, to: null, site: 'Leeds & York', standard: null },
      { window: '30d', from: null, to: null, site: null, standard: 'visit-greet-30s' },
      { window: 'custom', from: '2026-11-01T08:00:00.000Z', to: '2026-11-08T08:00:00.000Z', site: 'Hull', standard: 'call-answer-2-rings' },
    ];
    for (const selection of selections) expect(selectionFromSearch(searchWithSelection('', selection))).toEqual(selection);
    expect(searchWithSelection('', DEFAULT_SELECTION)).toBe('');
    expect(searchWithSelection('?board=lobby', { ...DEFAULT_SELECTION, window: '7d', site: 'Leeds' })).toBe('?board=lobby&window=7d&site=Leeds');
  });

  it('ignores what it cannot use: an unknown window, a backwards custom range, junk', () => {
    expect(selectionFromSearch('?window=forever&site=Leeds')).toEqual({ ...DEFAULT_SELECTION, site: 'Leeds' });
    expect(selectionFromSearch('?window=custom&from=2026-11-08T00:00:00Z&to=2026-11-01T00:00:00Z')).toEqual(DEFAULT_SELECTION);
    expect(selectionFromSearch('?window=custom&from=yesterday')).toEqual(DEFAULT_SELECTION);
    expect(sanitizeSelection('nonsense')).toEqual(DEFAULT_SELECTION);
    expect(sanitizeSelection({ window: '7d', site: 42 })).toEqual({ ...DEFAULT_SELECTION, window: '7d' });
  });

  it('writes the selection into this page’s URL as it changes and restores it on the next load', () => {
    history.replaceState(null, '', `${location.pathname}?board=lobby&window=7d&site=York`);
    const first = mount({ transport: socketTransport(location.origin, { token: 'secret-key', connect: idleSocket }) });
    expect(first.dashboard.state().selection).toMatchObject({ window: '7d', site: 'York' });
    feed(first.dashboard, msg.snapshot(snapshot()));
    first.root.querySelector<HTMLButtonElement>('.rs-segment[data-window="30d"]')!.click();
    first.dashboard.dispatch({ type: 'ui/select', selection: { standard: 'visit-greet-30s' } });
    expect(location.search).toBe('?board=lobby&window=30d&site=York&standard=visit-greet-30s');
    unmountAll();

    // "Reload": a new dashboard on the same URL.
    const second = mount({ transport: socketTransport(location.origin, { token: 'secret-key', connect: idleSocket }) });
    expect(second.dashboard.state().selection).toEqual({ window: '30d', from: null, to: null, site: 'York', standard: 'visit-greet-30s' });
    feed(second.dashboard, msg.snapshot(snapshot()));
    expect(second.root.querySelector<HTMLElement>('.rs-segment[aria-pressed="true"]')!.dataset['window']).toBe('30d');
    expect(second.root.querySelector<HTMLSelectElement>('.rs-select-site')!.value).toBe('York');
  });

  it('goes Back and Forward through the selections: each change is an entry of the tab’s history', async () => {
    history.replaceState(null, '', `${location.pathname}?board=lobby`);
    const { dashboard, root } = mount({ transport: socketTransport(location.origin, { token: 'secret-key', connect: idleSocket }) });
    feed(dashboard, msg.snapshot(snapshot()));
    const travel = (go: () => void) => new Promise<void>((resolve) => {
      window.addEventListener('popstate', () => resolve(), { once: true });
      go();
    });
    const entries = history.length;
    root.querySelector<HTMLButtonElement>('.rs-segment[data-window="7d"]')!.click();
    dashboard.dispatch({ type: 'ui/select', selection: { site: 'York' } });
    expect(location.search).toBe('?board=lobby&window=7d&site=York');
    // Replaced in place, Back would leave the dashboard (here: unload the test's page).
    expect(history.length).toBe(entries + 2);

    await travel(() => history.back());
    expect(location.search).toBe('?board=lobby&window=7d');
    expect(dashboard.state().selection).toEqual({ ...DEFAULT_SELECTION, window: '7d' });
    await travel(() => history.back());
    expect(dashboard.state().selection).toEqual(DEFAULT_SELECTION);
    dashboard.flush();
    expect(root.querySelector<HTMLElement>('.rs-segment[aria-pressed="true"]')!.dataset['window']).toBe('today');
    await travel(() => history.forward());
    await travel(() => history.forward());
    expect(dashboard.state().selection).toEqual({ ...DEFAULT_SELECTION, window: '7d', site: 'York' });
    // Going back wrote no entry of its own: the address is the one gone back to.
    expect(location.search).toBe('?board=lobby&window=7d&site=York');
  });

  it('goes Back to an address the page did not write itself without a new entry: Forward still works', async () => {
    // The same selection the page would write as ?board=lobby&window=7d&site=York, its parameters in another order.
    history.replaceState(null, '', `${location.pathname}?site=York&board=lobby&window=7d`);
    const { dashboard } = mount({ transport: socketTransport(location.origin, { token: 'secret-key', connect: idleSocket }) });
    feed(dashboard, msg.snapshot(snapshot()));
    const travel = (go: () => void) => new Promise<void>((resolve) => {
      window.addEventListener('popstate', () => resolve(), { once: true });
      go();
    });
    const entries = history.length;
    dashboard.dispatch({ type: 'ui/select', selection: { window: '30d' } });
    expect(location.search).toBe('?board=lobby&window=30d&site=York');
    expect(history.length).toBe(entries + 1);

    await travel(() => history.back());
    expect(dashboard.state().selection).toEqual({ ...DEFAULT_SELECTION, window: '7d', site: 'York' });
    // Written over in the page's own form, not pushed: an entry pushed here would have wiped out Forward (Chromium's
    // Navigation API says so at once; history.forward() would then wait for a popstate that never comes).
    expect(location.search).toBe('?board=lobby&window=7d&site=York');
    expect(history.length).toBe(entries + 1);
    expect((window as Window & { navigation?: { canGoForward: boolean } }).navigation?.canGoForward).toBe(true);
    await travel(() => history.forward());
    expect(location.search).toBe('?board=lobby&window=30d&site=York');
    expect(dashboard.state().selection).toEqual({ ...DEFAULT_SELECTION, window: '30d', site: 'York' });
    expect(history.length).toBe(entries + 1);
  });

  it('sends the page’s token as a Bearer header on queries, to the page’s origin', async () => {
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const transport = socketTransport('http://127.0.0.1:4870', {
      token: 'rs_abc',
      connect: idleSocket,
      fetch: async (input, init) => {
        calls.push({ url: input instanceof Request ? input.url : String(input), headers: init!.headers as Record<string, string> });
        return new Response(JSON.stringify({ status: 403, title: 'Insufficient scope', detail: 'needs read', type: 'x' }), { status: 403, headers: { 'content-type': 'application/problem+json' } });
      },
    });
    await expect(transport.request!({ kind: 'distribution', params: { window: '7d', site: 'Leeds & York' } })).rejects.toMatchObject({ status: 403, message: 'needs read' });
    expect(calls).toEqual([{ url: 'http://127.0.0.1:4870/api/v1/distribution?window=7d&site=Leeds+%26+York', headers: { accept: 'application/json', authorization: 'Bearer rs_abc' } }]);
  });

  it('marks a periodic refresh with the X-Ringside-Refresh header, and no other query', async () => {
    const headers: Array<Record<string, string>> = [];
    const transport = socketTransport('http://127.0.0.1:4870', {
      token: 'rs_abc',
      connect: idleSocket,
      fetch: async (_input, init) => {
        headers.push(init!.headers as Record<string, string>);
        return new Response(JSON.stringify(complianceReport()), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    await transport.request!({ kind: 'compliance', params: { window: 'today' } });
    await transport.request!({ kind: 'compliance', params: { window: 'today' } }, { periodic: true });
    expect(headers.map((h) => h[REFRESH_HEADER.toLowerCase()])).toEqual([undefined, PERIODIC_REFRESH]);
  });
});

describe('selection in the webview state (VS Code)', () => {
  /** A fake acquireVsCodeApi whose state outlives the page, as VS Code keeps it across a reload. */
  function installVsCodeApi(store: { state: unknown }) {
    const posted: WebviewToHostMessage[] = [];
    (window as HostWindow).acquireVsCodeApi = () => ({
      postMessage: (m: WebviewToHostMessage) => posted.push(m),
      getState: () => store.state,
      setState: (s: unknown) => {
        store.state = structuredClone(s);
      },
    });
    return posted;
  }

  function bootOnce() {
    const root = document.createElement('div');
    document.body.append(root);
    const dashboard = boot(root);
    booted.push({ dashboard, root });
    return { dashboard, root };
  }

  it('saves the selection with setState and restores it with getState after a reload, keeping other state', () => {
    const store: { state: unknown } = { state: { panelId: 'kept-by-the-host' } };
    installVsCodeApi(store);
    const first = bootOnce();
    expect(first.dashboard.state().selection).toEqual(DEFAULT_SELECTION);
    first.dashboard.dispatch(msg.snapshot(snapshot()));
    first.dashboard.flush();
    first.root.querySelector<HTMLButtonElement>('.rs-segment[data-window="1h"]')!.click();
    first.dashboard.dispatch({ type: 'ui/select', selection: { site: 'Leeds' } });
    expect(store.state).toEqual({ panelId: 'kept-by-the-host', selection: { window: '1h', from: null, to: null, site: 'Leeds', standard: null } });

    // Reload: VS Code throws the page away and boots it again with the saved state.
    first.dashboard.destroy();
    first.root.remove();
    booted.length = 0;
    delete (window as HostWindow).acquireVsCodeApi;
    installVsCodeApi(store);
    const second = bootOnce();
    expect(second.dashboard.state().selection).toEqual({ window: '1h', from: null, to: null, site: 'Leeds', standard: null });
  });

  it('takes a selection the host sends (e.g. a tree item "filtered to" a site) and saves it', async () => {
    const store: { state: unknown } = { state: undefined };
    installVsCodeApi(store);
    const { dashboard, root } = bootOnce();
    window.postMessage(msg.snapshot(snapshot()), '*');
    window.postMessage({ type: 'select', selection: { site: 'York', standard: 'call-answer-2-rings' } }, '*');
    await expect.poll(() => dashboard.state().selection.site).toBe('York');
    // What the user (and the end-to-end test) sees: the site select shows it.
    await expect.poll(() => root.querySelector<HTMLSelectElement>('.rs-select-site')!.value).toBe('York');
    expect((store.state as { selection: DashboardSelection }).selection).toMatchObject({ site: 'York', standard: 'call-answer-2-rings' });
  });

  it('asks the host for history with typed request messages and takes its responses', async () => {
    const posted = installVsCodeApi({ state: { selection: { window: '7d' } } });
    const { dashboard } = bootOnce();
    window.postMessage(msg.snapshot(snapshot()), '*');
    const requests = () => posted.filter((m): m is Extract<WebviewToHostMessage, { type: 'request' }> => m.type === 'request');
    // The report alone first; the distribution and the breakdown once it is answered (even with an error).
    await expect.poll(() => requests().length).toBe(1);
    const [report] = requests();
    expect(report!.request.kind).toBe('compliance');
    window.postMessage({ type: 'response', id: report!.id, kind: 'compliance', ok: false, problem: { type: 'x', title: 'Unauthorized', status: 401, detail: 'no key' } }, '*');
    await expect.poll(() => requests().length).toBe(3);
    expect(requests().map((r) => r.request.kind)).toEqual(['compliance', 'distribution', 'compliance']);
    expect(new Set(requests().map((r) => r.id)).size).toBe(3);
    const groups = requests()[2];
    window.postMessage(
      {
        type: 'response',
        id: groups!.id,
        kind: 'compliance',
        ok: true,
        body: { from: '2026-11-16T14:30:20.000Z', to: '2026-11-23T14:30:20.000Z', site: null, bucket: null, groupBy: 'site', standards: [] },
      },
      '*',
    );
    await expect.poll(() => dashboard.state().queries.report.status).toBe('error');
    expect(dashboard.state().queries.report.error).toContain('needs an API key');
    await expect.poll(() => dashboard.state().queries.groups.status).toBe('ok');
    expect(dashboard.state().queries.distribution.status).toBe('loading');
  });
});
