// Wires it together: transport → reducer → one render per frame → views, and the theme into all of them.
import type { DashboardMessage } from '@ringside/server/protocol';
import { createRenderScheduler } from './scheduler';
import { initialState, reduce, type DashboardState } from './state';
import { renderedSummary } from './summary';
import { applyTheme, readTheme, watchTheme, type Theme } from './theme';
import type { Transport } from './transport/transport';
import { createChartsView, type ChartsView } from './views/charts';
import { createConnectionView } from './views/connection';
import { createEmptyView } from './views/empty';
import { createFeedView } from './views/feed';
import { createLayout } from './views/layout';
import { createTilesView } from './views/tiles';

export interface Dashboard {
  state(): DashboardState;
  theme(): Theme;
  /** Applies a message as if a transport delivered it. */
  dispatch(message: DashboardMessage): void;
  /** Renders now instead of at the next frame. */
  flush(): void;
  charts: ChartsView['charts'];
  destroy(): void;
}

export interface MountOptions {
  transport?: Transport;
  state?: DashboardState;
}

export function mountDashboard(root: HTMLElement, options: MountOptions = {}): Dashboard {
  let state = options.state ?? initialState;
  let theme = readTheme();
  applyTheme(root, theme);

  const layout = createLayout(root);
  const views = [
    createConnectionView(layout.connection),
    createEmptyView(layout.empty, layout.board),
    createTilesView(layout.tiles),
    createFeedView(layout.feed),
  ];
  const charts = createChartsView(layout.charts, theme);

  const render = () => {
    for (const view of views) view(state);
    // Charts last and only when visible: Chart.js measures its container, which is 0×0 while hidden.
    if (state.hasSnapshot) charts.render(state);
    options.transport?.reportRendered(renderedSummary(state));
  };
  const scheduler = createRenderScheduler(render);

  const dispatch = (message: DashboardMessage) => {
    const next = reduce(state, message);
    if (next === state) return;
    state = next;
    scheduler.request();
  };

  const stopTheme = watchTheme((next) => {
    // Comparing first also keeps our own style writes from re-triggering the observer forever.
    if (JSON.stringify(next) === JSON.stringify(theme)) return;
    theme = next;
    applyTheme(root, theme);
    charts.applyTheme(theme);
  });
  const stopTransport = options.transport?.start(dispatch);
  render();

  return {
    state: () => state,
    theme: () => theme,
    dispatch,
    flush: scheduler.flush,
    charts: charts.charts,
    destroy() {
      stopTransport?.();
      stopTheme();
      scheduler.cancel();
      charts.destroy();
      root.replaceChildren();
    },
  };
}
