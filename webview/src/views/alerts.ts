// The alerts banner: the open incidents (one per standard and site, protocol/pure/incidents.ts, the mapping the
// extension's Alerts view and status bar count with, so the numbers agree), worst first. Each shows its plain line
// first, the burn-rate detail behind "Details", and one Acknowledge that acknowledges every record it stands for
// (POST /alerts/:id/ack through the transport). Acknowledged incidents stay listed, quieter, until they recover.
import { countIncidents, countsPhrase, incidentsOf, siteName, type Incident } from '@ringside/server/protocol/pure';
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import { button, el, setText } from './dom';

const LEVEL_LABEL = { red: 'Red', amber: 'Amber' } as const;

/** The banner lists this many incidents; the rest behind "Show all". */
export const ALERTS_SHOWN = 3;

/** "2 red · 1 amber alerts (1 acknowledged)": the same counts as the extension's Alerts view and status bar. */
export function bannerTitle(incidents: readonly Incident[]): string {
  const counts = countIncidents(incidents);
  const acknowledged = counts.open - counts.unacknowledged;
  const noun = counts.open === 1 ? 'alert' : 'alerts';
  return `${countsPhrase(counts)} ${noun}${acknowledged > 0 ? ` (${acknowledged} acknowledged)` : ''}`;
}

function incidentRow(incident: Incident, acking: readonly number[], acknowledge: (alertIds: number[]) => void): HTMLElement {
  const li = el('li', 'rs-alert');
  li.dataset['incident'] = incident.key;
  li.dataset['severity'] = incident.level;
  li.dataset['acknowledged'] = String(incident.acknowledged);
  li.dataset['alertIds'] = incident.alerts.map((a) => a.id).join(' ');
  const badge = el('span', `rs-alert-badge rs-alert-badge--${incident.level}`, LEVEL_LABEL[incident.level]);
  const where = el('span', 'rs-alert-site', siteName(incident.site));
  const text = el('span', 'rs-alert-message', incident.line);
  const since = el('span', 'rs-alert-since', `since ${formatClock(incident.startedAt, false)}`);
  li.append(badge, where, text, since);
  if (incident.acknowledged) {
    li.append(el('span', 'rs-alert-acked', `acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''} at ${formatClock(incident.acknowledgedAt!, false)}`));
  } else {
    const busy = incident.unacknowledgedIds.some((id) => acking.includes(id));
    const ack = button('rs-button rs-button--small rs-alert-ack', busy ? 'Acknowledging…' : 'Acknowledge');
    ack.disabled = busy;
    ack.setAttribute('aria-label', `Acknowledge: ${incident.line}`);
    ack.addEventListener('click', () => acknowledge(incident.unacknowledgedIds));
    li.append(ack);
  }
  if (incident.details.length > 0) {
    const details = el('details', 'rs-alert-details');
    details.append(el('summary', undefined, 'Details'));
    const list = el('ul');
    list.append(...incident.details.map((line) => el('li', undefined, line)));
    details.append(list);
    li.append(details);
  }
  return li;
}

export function createAlertsView(container: HTMLElement, acknowledge: (alertIds: number[]) => void): (state: DashboardState) => void {
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
    const incidents = incidentsOf(state.alerts);
    container.hidden = incidents.length === 0;
    setText(title, bannerTitle(incidents));
    container.dataset['severity'] = incidents[0]?.level ?? '';
    more.hidden = incidents.length <= ALERTS_SHOWN;
    setText(more, expanded ? 'Show fewer' : `Show all ${incidents.length}`);
    more.setAttribute('aria-expanded', String(expanded));
    const shown = expanded ? incidents : incidents.slice(0, ALERTS_SHOWN);
    list.replaceChildren(...shown.map((incident) => incidentRow(incident, state.acking, acknowledge)));
    error.hidden = !state.ackError;
    setText(error, state.ackError ? `Could not acknowledge: ${state.ackError}` : '');
  };
  return render;
}
