// The connection indicator: a coloured dot, the state in words, and when data last arrived.
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import { el, setText } from './dom';

const LABELS = { connecting: 'Connecting…', connected: 'Live', disconnected: 'Disconnected' } as const;

export function createConnectionView(container: HTMLElement): (state: DashboardState) => void {
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
    setText(label, LABELS[connection.state]);
    setText(updated, lastUpdated ? `updated ${formatClock(lastUpdated)}` : 'no data yet');
    const where = connection.serverUrl ? ` to ${connection.serverUrl}` : '';
    container.title = connection.error ? `${LABELS[connection.state]}${where}: ${connection.error}` : `${LABELS[connection.state]}${where}`;
  };
}
