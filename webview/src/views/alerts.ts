// The alerts banner: every alert firing now, worst first, each with Acknowledge (POST /alerts/:id/ack
// through the transport). Acknowledged alerts stay listed, quieter, until they recover.
import type { Alert } from '@ringside/server/protocol';
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import { button, el, setText } from './dom';

const SEVERITY_ORDER: Record<Alert['severity'], number> = { page: 0, red: 1, ticket: 2, amber: 3 };
const SEVERITY_LABEL: Record<Alert['severity'], string> = { page: 'Page', red: 'Red', ticket: 'Ticket', amber: 'Amber' };

export function sortAlerts(alerts: Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      Date.parse(a.startedAt) - Date.parse(b.startedAt),
  );
}

/** The banner lists this many alerts; the rest behind "Show all". */
export const ALERTS_SHOWN = 3;

export function createAlertsView(container: HTMLElement, acknowledge: (alertId: number) => void): (state: DashboardState) => void {
  container.setAttribute('aria-label', 'Alerts');
  const title = el('h2', 'rs-alerts-title');
  const list = el('ul', 'rs-alerts-list');
  const more = button('rs-button rs-button--small rs-alerts-more');
  const error = el('p', 'rs-alerts-error');
  error.setAttribute('role', 'alert');
  container.append(title, list, more, error);
  let drawn: unknown[] | null = null;
  let expanded = false;
  let latest: DashboardState | null = null;
  more.addEventListener('click', () => {
    expanded = !expanded;
    drawn = null;
    if (latest) render(latest);
  });

  const render = (state: DashboardState) => {
    latest = state;
    const inputs = [state.alerts, state.acking, state.ackError];
    if (drawn && inputs.every((v, i) => v === drawn![i])) return;
    drawn = inputs;
    container.hidden = state.alerts.length === 0;
    const open = state.alerts.filter((a) => a.acknowledgedAt === null).length;
    setText(title, open > 0 ? `${open} alert${open === 1 ? '' : 's'} firing` : `${state.alerts.length} acknowledged alert${state.alerts.length === 1 ? '' : 's'}`);
    container.dataset['severity'] = sortAlerts(state.alerts)[0]?.severity ?? '';
    const sorted = sortAlerts(state.alerts);
    more.hidden = sorted.length <= ALERTS_SHOWN;
    setText(more, expanded ? 'Show fewer' : `Show all ${sorted.length}`);
    more.setAttribute('aria-expanded', String(expanded));
    list.replaceChildren(
      ...(expanded ? sorted : sorted.slice(0, ALERTS_SHOWN)).map((alert) => {
        const li = el('li', 'rs-alert');
        li.dataset['alertId'] = String(alert.id);
        li.dataset['severity'] = alert.severity;
        li.dataset['acknowledged'] = String(alert.acknowledgedAt !== null);
        const badge = el('span', `rs-alert-badge rs-alert-badge--${alert.severity}`, SEVERITY_LABEL[alert.severity]);
        const text = el('span', 'rs-alert-message', alert.message);
        const since = el('span', 'rs-alert-since', `since ${formatClock(alert.startedAt, false)}`);
        li.append(badge, text, since);
        if (alert.acknowledgedAt) {
          li.append(el('span', 'rs-alert-acked', `acknowledged${alert.acknowledgedBy ? ` by ${alert.acknowledgedBy}` : ''} at ${formatClock(alert.acknowledgedAt, false)}`));
        } else {
          const ack = button('rs-button rs-button--small rs-alert-ack', state.acking.includes(alert.id) ? 'Acknowledging…' : 'Acknowledge');
          ack.disabled = state.acking.includes(alert.id);
          ack.setAttribute('aria-label', `Acknowledge: ${alert.message}`);
          ack.addEventListener('click', () => acknowledge(alert.id));
          li.append(ack);
        }
        return li;
      }),
    );
    error.hidden = !state.ackError;
    setText(error, state.ackError ? `Could not acknowledge: ${state.ackError}` : '');
  };
  return render;
}
