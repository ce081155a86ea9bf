// What the user sees, in a few fields: sent to the extension host after each render (and used by its tests).
import type { RenderedSummary } from '@ringside/server/protocol';
import { visibleStandards, windowFigure } from './derived';
import { formatPercent } from './format';
import type { DashboardState } from './state';
import { visibleFeed } from './views/feed';

export function renderedSummary(state: DashboardState): RenderedSummary {
  const tiles: Record<string, string> = {};
  for (const standard of visibleStandards(state)) {
    const figure = windowFigure(state, standard);
    tiles[standard.id] = figure.status === 'loading' ? '…' : formatPercent(figure.value?.ratio ?? null);
  }
  const feed = visibleFeed(state);
  return {
    connection: state.connection.state,
    tiles,
    feedCount: feed.length,
    newestEventId: feed[0]?.event.id ?? null,
    eventsToday: state.eventsToday,
    selection: state.selection,
    // The server's open incidents, as the banner (and the extension's Alerts view) count them.
    openIncidents: state.incidents.length,
    feedPaused: state.feedControls.paused,
  };
}
