// Wires it together: transport → reducer → one render per frame → views, the query controller for the
// historical windows, the selection's persistence (URL or webview state), and the theme into all of it.
import { siteLabel } from '@ringside/server/protocol/pure';
import { windowWords } from './derived';
import { createQueryController } from './queries';
import { createRenderScheduler, MIN_RENDER_INTERVAL_MS } from './scheduler';
import { DEFAULT_SELECTION, sameSelection, sanitizeSelection, type DashboardSelection } from './selection';
import { initialState, reduce, type Action, type DashboardState } from './state';
import { renderedSummary } from './summary';
import { applyTheme, readTheme, watchTheme, type Theme } from './theme';
import { describeRequestError, type Transport } from './transport/transport';
import { createAlertsView } from './views/alerts';
import { createChartsView, type ChartsView } from './views/charts';
import { createConnectionView } from './views/connection';
import { createControlsView } from './views/controls';
import { createDistributionView, type DistributionView } from './views/distribution';
import { setText } from './views/dom';
import { createEmptyView } from './views/empty';
import { createFeedView } from './views/feed';
import { createKeyEntryView } from './views/keyEntry';
import { createLayout } from './views/layout';
import { createSitesView } from './views/sites';
import { createStaffingView } from './views/staffing';
import { createTilesView } from './views/tiles';
import { createOpenNowView } from './views/openNow';
import { systemTicker, type Ticker } from './ticker';
import { markTiming, measuredOnce, TIMING } from './timing';

export interface Dashboard {
  state(): DashboardState;
  theme(): Theme;
  /** Applies a message (or a local action) as if a transport (or the user) delivered it. */
  dispatch(message: Action): void;
  /** Renders now instead of at the next frame. */
  flush(): void;
  charts: ChartsView['charts'];
  distributionCharts: DistributionView['charts'];
  /** How many times the views have rendered (tests: bursts must coalesce). */
  renders(): number;
  destroy(): void;
}

export interface MountOptions {
  transport?: Transport;
  state?: DashboardState;
  /** Overrides the selection the transport restores (tests, hosts that know better). */
  selection?: Partial<DashboardSelection>;
  /** Throttle of historical refreshes while live data flows, for every window (default: refreshIntervalOf the selection). */
  refreshMs?: number;
  /** The time source of the countdowns (default: the system clock); tests move a manual one. */
  ticker?: Ticker;
}

export function mountDashboard(root: HTMLElement, options: MountOptions = {}): Dashboard {
  const { transport, ticker = systemTicker } = options;
  let state: DashboardState = { ...(options.state ?? initialState), selection: initialSelection(options) };
  let theme = readTheme();
  applyTheme(root, theme);
  let renderCount = 0;

  const layout = createLayout(root);
  const dispatch = (message: Action) => {
    const next = reduce(state, message);
    if (next === state) return;
    const previous = state;
    state = next;
    if (!sameSelection(previous.selection, next.selection)) transport?.saveSelection?.(next.selection);
    queries.sync(state);
    if (message.type === 'compliance' || message.type === 'judged') queries.live();
    scheduler.request();
  };
  const openNow = createOpenNowView(layout.open, layout.atRisk, ticker);
  const alerts = createAlertsView(layout.alerts, (ids) => acknowledge(transport, dispatch, ids), ticker);
  const feed = createLateFeed(layout.feed, dispatch, () => state);
  const views = [...createViews(layout, transport, dispatch, (s) => alerts.render(s)), feed.render, (s: DashboardState) => openNow.render(s)];
  const charts = createChartsView(layout.charts, theme);
  const distribution = createDistributionView(layout.distribution, theme);
  const staffing = createStaffingView(layout.staffing, theme);
  const queries = createQueryController({ transport, dispatch, getState: () => state, refreshMs: options.refreshMs });

  const render = measuredOnce(TIMING.firstBoardRender, () => state.hasSnapshot, () => {
    renderCount += 1;
    setText(layout.subtitle, `Service standards · ${windowWords(state, state.queries.report.data)}${state.selection.site ? ` · ${siteLabel(state.selection.site, state.siteNames)}` : ''}`);
    for (const view of views) view(state);
    // Charts last and only when visible: Chart.js measures its container, which is 0×0 while hidden.
    if (state.hasSnapshot) {
      charts.render(state);
      distribution.render(state);
      staffing.render(state);
    }
    transport?.reportRendered(renderedSummary(state));
  });
  // Only the board's redraws are paced: the placeholder drawn while the first data is on its way (the key's answer,
  // the socket's snapshot) must not hold back the render that first draws it.
  const scheduler = createRenderScheduler(render, MIN_RENDER_INTERVAL_MS, () => state.hasSnapshot);

  const stopTheme = watchTheme((next) => {
    // Comparing first also keeps our own style writes from re-triggering the observer forever.
    if (JSON.stringify(next) === JSON.stringify(theme)) return;
    theme = next;
    applyTheme(root, theme);
    for (const view of [charts, distribution, staffing]) view.applyTheme(theme);
  });
  markTiming(TIMING.mounted);
  const stopTransport = transport?.start(dispatch);
  render();

  return {
    state: () => state,
    theme: () => theme,
    dispatch,
    flush: () => [scheduler, feed].forEach((s) => s.flush()),
    charts: () => charts.charts(),
    distributionCharts: () => distribution.charts(),
    renders: () => renderCount,
    destroy() {
      for (const stop of [stopTransport, stopTheme, () => queries.destroy(), () => openNow.destroy(), () => alerts.destroy(), () => scheduler.cancel(), () => feed.cancel(), () => charts.destroy(), () => distribution.destroy(), () => staffing.destroy()]) stop?.();
      root.replaceChildren();
    },
  };
}

/** The selection the transport restores (a URL, the webview's state), with the host's overrides on top. */
function initialSelection(options: MountOptions): DashboardSelection {
  const restored = sanitizeSelection(options.transport?.loadSelection?.() ?? null, DEFAULT_SELECTION);
  return options.selection ? sanitizeSelection({ ...restored, ...options.selection }, restored) : restored;
}

/**
 * The live feed, drawn a frame late by the render that first shows the board: its 50 rows were that render's
 * costliest layout (more than the charts' own) and it sits below the first screen, so the board paints without
 * waiting for it. Held meanwhile (no rows, no "no events" note); every later render draws it with the rest.
 */
function createLateFeed(container: HTMLElement, dispatch: (message: Action) => void, current: () => DashboardState) {
  const view = createFeedView(container, dispatch);
  const late = createRenderScheduler(() => view.render(current()), 0);
  let shown = false;
  return {
    render: (state: DashboardState): void => {
      if (shown || !state.hasSnapshot) {
        view.render(state);
        return;
      }
      shown = true;
      view.hold();
      late.request();
    },
    flush: () => late.flush(),
    cancel: () => late.cancel(),
  };
}

/** The views that render from state alone (the charts, which also follow the theme, and the feed are made apart). */
function createViews(layout: ReturnType<typeof createLayout>, transport: Transport | undefined, dispatch: (message: Action) => void, alerts: (state: DashboardState) => void): Array<(state: DashboardState) => void> {
  return [
    createConnectionView(layout.connection, layout.stale, transport?.host),
    createControlsView(layout.controls, dispatch),
    alerts,
    // Only where the transport can take a key (the browser page); VS Code's empty state offers its command instead.
    ...(transport?.useKey ? [createKeyEntryView(layout.keyEntry, (key: string) => transport.useKey?.(key))] : []),
    createEmptyView(layout.empty, layout.board, transport?.host, transport?.useKey !== undefined),
    createTilesView(layout.tiles),
    createSitesView(layout.sites, dispatch),
  ];
}

/** Acknowledges exactly these incidents, in one request (one incident, or every one "Acknowledge all" names). */
function acknowledge(transport: Transport | undefined, dispatch: (message: Action) => void, ids: number[]): void {
  if (!transport?.request) {
    dispatch({ type: 'ack/error', ids, error: 'acknowledging is not available here' });
    return;
  }
  dispatch({ type: 'ack/start', ids });
  transport.request({ kind: 'ack-incidents', ids }).then(
    ({ incidents }) => dispatch({ type: 'ack/ok', ids, incidents }),
    (error: unknown) => dispatch({ type: 'ack/error', ids, error: describeRequestError(error) }),
  );
}
