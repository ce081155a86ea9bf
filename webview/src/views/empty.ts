// Before the first snapshot there is nothing to chart: say what the dashboard is waiting for instead.
import type { DashboardState } from '../state';
import { el, setText } from './dom';

export function emptyMessage(state: DashboardState): { title: string; detail: string } {
  const where = state.connection.serverUrl ?? 'the Ringside server';
  switch (state.connection.state) {
    case 'connecting':
      return { title: 'Waiting for data…', detail: `Connecting to ${where}.` };
    case 'connected':
      return { title: 'Waiting for data…', detail: `Connected to ${where}; the first figures are on their way.` };
    case 'disconnected':
      if (/unauthori[sz]ed|api key|forbidden|scope/i.test(state.connection.error ?? '')) {
        return {
          title: 'An API key is needed',
          detail: `${where} refused the connection (${state.connection.error}). In a browser, open this page with ?token=<key> (a key with scope "read"; a local server writes an admin key to <data>/admin.key); in VS Code, run "Ringside: Set API Key".`,
        };
      }
      return {
        title: 'No connection',
        detail: `Cannot reach ${where}${state.connection.error ? ` (${state.connection.error})` : ''}. Retrying…`,
      };
  }
}

export function createEmptyView(container: HTMLElement, board: HTMLElement): (state: DashboardState) => void {
  const title = el('h2', 'rs-empty-title');
  const detail = el('p', 'rs-empty-detail');
  container.append(title, detail);
  return (state) => {
    container.hidden = state.hasSnapshot;
    board.hidden = !state.hasSnapshot;
    if (state.hasSnapshot) return;
    const message = emptyMessage(state);
    setText(title, message.title);
    setText(detail, message.detail);
  };
}
