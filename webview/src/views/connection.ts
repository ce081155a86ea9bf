// The connection indicator: a coloured dot, the state in words, and when data last arrived; plus the notice
// over the board while figures are stale ("Reconnecting… figures as of 14:05:09").
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import { el, setText } from './dom';
import { connectionProblem } from './empty';

const LABELS = { connecting: 'Connecting…', connected: 'Live', disconnected: 'Disconnected' } as const;

/** What the indicator says: once data was shown, any outage is a reconnect (both transports retry by themselves). */
function connectionLabel(state: DashboardState): string {
  if (state.hasSnapshot && state.connection.state !== 'connected') return 'Reconnecting…';
  return LABELS[state.connection.state];
}

export function createConnectionView(container: HTMLElement, stale?: HTMLElement): (state: DashboardState) => void {
  const dot = el('span', 'rs-dot');
  const label = el('span', 'rs-connection-label');
  const updated = el('span', 'rs-connection-updated');
  // Only the state is announced to screen readers; the update time changes with every message.
  label.setAttribute('role', 'status');
  dot.setAttribute('aria-hidden', 'true');
  container.append(dot, label, updated);

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
      const isStale = state.hasSnapshot && connection.state !== 'connected';
      stale.hidden = !isStale;
      if (isStale) {
        setText(stale, `Reconnecting… showing figures as of ${lastUpdated ? formatClock(lastUpdated) : 'the last update'}.${problem && problem.kind !== 'lost' ? ` ${problem.text}` : ''}`);
      }
    }
  };
}
