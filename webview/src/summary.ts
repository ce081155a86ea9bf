// What the user sees, in a few fields: sent to the extension host after each render (and used by its tests).
import type { RenderedSummary } from '@ringside/server/protocol';
import { formatPercent } from './format';
import type { DashboardState } from './state';

export function renderedSummary(state: DashboardState): RenderedSummary {
  const tiles: Record<string, string> = {};
  for (const standard of state.standards) tiles[standard.id] = formatPercent(state.today[standard.id]?.ratio ?? null);
  return {
    connection: state.connection.state,
    tiles,
    feedCount: state.feed.length,
    newestEventId: state.feed[0]?.event.id ?? null,
    eventsToday: state.eventsToday,
  };
}
