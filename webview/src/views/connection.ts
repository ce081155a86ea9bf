// The connection indicator: a coloured dot, the state in words, and when data last arrived; plus the notice
// over the board while figures are stale ("Reconnecting… figures as of 14:05:09").
import { needsApiKey } from '@ringside/server/protocol/pure';
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import type { TransportHost } from '../transport/transport';
import { el, setText } from './dom';
import { commandLink, connectionProblem, SET_API_KEY } from './empty';

const LABELS = { connecting: 'Connecting…', connected: 'Live', disconnected: 'Disconnected' } as const;

/**
 * Whether the server refused the key: final, no transport retries it (only a new key connects), so the page says
 * so rather than "Reconnecting…".
 */
function keyRefused(state: DashboardState): boolean {
  if (state.connection.state !== 'disconnected') return false;
  const problem = connectionProblem(state);
  return problem !== null && needsApiKey(problem.kind);
}

/**
 * Whether nothing will retry: a refused key, or a connection the user closed (the extension's Disconnect), which
 * stays closed until they connect again; "Reconnecting…" would promise what no transport does.
 */
function notRetried(state: DashboardState): boolean {
  return keyRefused(state) || (state.connection.state === 'disconnected' && connectionProblem(state)?.kind === 'disconnected');
}

/**
 * Whether the figures on screen are older than the connection: data was shown and the connection is not up, once it
 * has been up or failed (a page drawn from its first paint is still making its first connection, with fresh figures).
 */
export function showsStale(state: DashboardState): boolean {
  return state.hasSnapshot && state.connectionSettled && state.connection.state !== 'connected';
}

/** What the indicator says: once data was shown, an outage is a reconnect (both transports retry by themselves). */
function connectionLabel(state: DashboardState): string {
  if (showsStale(state) && !notRetried(state)) return 'Reconnecting…';
  return LABELS[state.connection.state];
}

/**
 * `host`: inside VS Code a refused key's notice carries the extension's Set API Key command (a browser page shows
 * its key field under the notice instead).
 */
export function createConnectionView(container: HTMLElement, stale?: HTMLElement, host: TransportHost = 'browser'): (state: DashboardState) => void {
  const dot = el('span', 'rs-dot');
  const label = el('span', 'rs-connection-label');
  const updated = el('span', 'rs-connection-updated');
  // Only the state is announced to screen readers; the update time changes with every message.
  label.setAttribute('role', 'status');
  dot.setAttribute('aria-hidden', 'true');
  container.append(dot, label, updated);
  const staleText = el('span', 'rs-stale-text');
  const setKey = host === 'vscode' ? commandLink(SET_API_KEY) : null;
  stale?.append(staleText, ...(setKey ? [setKey] : []));

  return (state) => {
    const { connection, lastUpdated } = state;
    container.dataset['state'] = connection.state;
    const text = connectionLabel(state);
    setText(label, text);
    setText(updated, lastUpdated ? `updated ${formatClock(lastUpdated)}` : 'no data yet');
    // Plain words only: socket.io-client's "xhr poll error" would tell a user nothing.
    const problem = connection.state === 'connected' ? null : connectionProblem(state);
    const where = connection.serverUrl ? ` ${connection.state === 'connected' ? 'to' : 'from'} ${connection.serverUrl}` : '';
    container.title = problem ? problem.text : `${LABELS[connection.state]}${where}`;
    if (stale) {
      const isStale = showsStale(state);
      stale.hidden = !isStale;
      const refused = isStale && keyRefused(state);
      if (setKey) setKey.hidden = !refused;
      if (isStale) {
        const asOf = `showing figures as of ${lastUpdated ? formatClock(lastUpdated) : 'the last update'}.`;
        setText(staleText, `${notRetried(state) ? 'Not live:' : 'Reconnecting…'} ${asOf}${problem && problem.kind !== 'lost' ? ` ${problem.text}` : ''}`);
      }
    }
  };
}
