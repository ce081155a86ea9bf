// The alerts banner: the server's open incidents (one per standard and site; protocol/pure/incidents.ts orders and
// counts them as the extension's Alerts view and status bar do, so the numbers agree), worst first. Each shows its
// plain summary first and the SRE detail (bands, burn rates) behind "Details", with an Acknowledge for exactly that
// incident; "Acknowledge all" acknowledges every incident the banner counts as unacknowledged, in one request.
// Acknowledged incidents stay listed, quieter, until they recover. An incident that opens, or turns red, while the
// page is open is announced to screen readers (announcer.ts: politely, a few together).
import type { Incident } from '@ringside/server/protocol';
import { countIncidents, countNoun, countsPhrase, isAcknowledged } from '@ringside/server/protocol/pure';
import { formatClock } from '../format';
import type { DashboardState } from '../state';
import type { Ticker } from '../ticker';
import { createAnnouncer } from './announcer';
import { button, el, setText } from './dom';
import { placeRows } from './parts';

const LEVEL_LABEL = { red: 'Red', amber: 'Amber' } as const;

/** The banner lists this many incidents; the rest behind "Show all". */
const ALERTS_SHOWN = 3;

/**
 * Focus given back after a redraw (the user did not ask for it): a keyboard user who scrolled away from the banner
 * since is not pulled back to it on every incident update.
 */
const KEEP_SCROLL: FocusOptions = { preventScroll: true };

/** "2 red · 1 amber incidents (1 acknowledged)": the same counts as the extension's Alerts view and status bar. */
function bannerTitle(incidents: readonly Incident[]): string {
  const counts = countIncidents(incidents);
  const acknowledged = counts.open - counts.unacknowledged;
  const noun = countNoun(counts.open, 'incident');
  return `${countsPhrase(counts)} ${noun}${acknowledged > 0 ? ` (${acknowledged} acknowledged)` : ''}`;
}

/** News of an incident: it opened, or an open one turned red. */
interface IncidentNews {
  incident: Incident;
  escalated: boolean;
}

/** "Red incident: Harbour calls: 84.1 % answered within 2 rings in the last hour — target 90 %.", "Now red: …", "… And 2 more incidents." */
function incidentAnnouncement(news: readonly IncidentNews[]): string {
  const first = news[0];
  if (!first) return '';
  const { incident, escalated } = first;
  const level = LEVEL_LABEL[incident.severity];
  const more = news.length > 1 ? ` And ${news.length - 1} more ${countNoun(news.length - 1, 'incident')}.` : '';
  return `${escalated ? `Now ${level.toLowerCase()}` : `${level} incident`}: ${incident.summary.replace(/\.?$/, '.')}${more}`;
}

/** The incidents in `now` that are news against `before` (by id): new ones, and amber ones that turned red. */
function incidentNews(before: readonly Incident[], now: readonly Incident[]): IncidentNews[] {
  const known = new Map(before.map((i) => [i.id, i]));
  const news: IncidentNews[] = [];
  for (const incident of now) {
    const was = known.get(incident.id);
    if (!was) news.push({ incident, escalated: false });
    else if (was.severity === 'amber' && incident.severity === 'red') news.push({ incident, escalated: true });
  }
  return news;
}

function incidentRow(incident: Incident, acking: readonly number[], acknowledge: (ids: number[]) => void): HTMLElement {
  const li = el('li', 'rs-alert');
  li.dataset['incident'] = String(incident.id);
  li.dataset['severity'] = incident.severity;
  li.dataset['acknowledged'] = String(isAcknowledged(incident));
  const badge = el('span', `rs-alert-badge rs-alert-badge--${incident.severity}`, LEVEL_LABEL[incident.severity]);
  const text = el('span', 'rs-alert-message', incident.summary);
  const since = el('span', 'rs-alert-since', `since ${formatClock(incident.openedAt, false)}`);
  li.append(badge, text, since);
  if (isAcknowledged(incident)) {
    li.append(el('span', 'rs-alert-acked', `acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''} at ${formatClock(incident.acknowledgedAt!, false)}`));
  } else {
    const busy = acking.includes(incident.id);
    const ack = button('rs-button rs-button--small rs-alert-ack', busy ? 'Acknowledging…' : 'Acknowledge');
    ack.disabled = busy;
    ack.setAttribute('aria-label', `Acknowledge: ${incident.summary}`);
    ack.addEventListener('click', () => acknowledge([incident.id]));
    li.append(ack);
  }
  const details = el('details', 'rs-alert-details');
  const summary = el('summary', undefined, 'Details');
  // Named with its incident, as its Acknowledge is: several rows' "Details" alike told a screen reader nothing.
  summary.setAttribute('aria-label', `Details: ${incident.summary}`);
  details.append(summary);
  const list = el('ul');
  list.append(...incident.detail.lines.map((line) => el('li', undefined, line)));
  details.append(list);
  li.append(details);
  return li;
}

/**
 * The rows of the incidents shown, each kept as drawn with whether it was being acknowledged: a change redraws the
 * rows of the incidents it changed (a new object) and no other. Drawing all of them anew cost over a second per
 * change at 900 incidents.
 */
function incidentRows(acknowledge: (ids: number[]) => void): (shown: readonly Incident[], acking: readonly number[]) => HTMLElement[] {
  let rows = new WeakMap<Incident, { busy: boolean; row: HTMLElement }>();
  return (shown, acking) => {
    const next = new WeakMap<Incident, { busy: boolean; row: HTMLElement }>();
    const out = shown.map((incident) => {
      const busy = acking.includes(incident.id);
      const drawn = rows.get(incident);
      const entry = drawn && drawn.busy === busy ? drawn : { busy, row: incidentRow(incident, acking, acknowledge) };
      next.set(incident, entry);
      return entry.row;
    });
    rows = next;
    return out;
  };
}

export interface AlertsView {
  render(state: DashboardState): void;
  destroy(): void;
}

export function createAlertsView(container: HTMLElement, acknowledge: (ids: number[]) => void, ticker: Ticker): AlertsView {
  container.setAttribute('aria-label', 'Alerts');
  const header = el('div', 'rs-alerts-header');
  const title = el('h2', 'rs-alerts-title');
  const ackAll = button('rs-button rs-button--small rs-alerts-ack-all');
  header.append(title, ackAll);
  const list = el('ul', 'rs-alerts-list');
  const more = button('rs-button rs-button--small rs-alerts-more');
  const error = el('p', 'rs-alerts-error');
  error.setAttribute('role', 'alert');
  container.append(header, list, more, error);
  const news = createIncidentNews(container, ticker);
  let drawn: unknown[] | null = null;
  let expanded = false;
  const rowsOf = incidentRows(acknowledge);
  let latest: DashboardState | null = null;
  let unacknowledged: number[] = [];
  more.addEventListener('click', () => {
    expanded = !expanded;
    drawn = null;
    if (latest) render(latest);
  });
  // Pressed, "Acknowledge all" is disabled while the request is out (which takes the focus from it) and then hidden.
  let ackAllPressed = false;
  ackAll.addEventListener('click', () => {
    ackAllPressed = document.activeElement === ackAll;
    acknowledge(unacknowledged);
  });

  const render = (state: DashboardState) => {
    latest = state;
    const inputs = [state.incidents, state.acking, state.ackError];
    if (drawn && inputs.every((v, i) => v === drawn![i])) return;
    drawn = inputs;
    const incidents = state.incidents;
    news.see(state);
    container.hidden = incidents.length === 0;
    setText(title, bannerTitle(incidents));
    container.dataset['severity'] = incidents[0]?.severity ?? '';
    unacknowledged = incidents.filter((i) => !isAcknowledged(i)).map((i) => i.id);
    // "Acknowledge all" stands for every unacknowledged incident the title counts, and says how many.
    ackAll.hidden = unacknowledged.length < 2;
    ackAll.disabled = unacknowledged.some((id) => state.acking.includes(id));
    setText(ackAll, `Acknowledge all ${unacknowledged.length}`);
    more.hidden = incidents.length <= ALERTS_SHOWN;
    setText(more, expanded ? 'Show fewer' : `Show all ${incidents.length}`);
    more.setAttribute('aria-expanded', String(expanded));
    container.dataset['expanded'] = String(expanded && !more.hidden);
    const shown = expanded ? incidents : incidents.slice(0, ALERTS_SHOWN);
    // The rows are drawn anew: what the user opened or had focus on stays with its incident (an Acknowledge pressed
    // by keyboard must not drop the focus to the page's start, nor another incident's change close their Details).
    const kept = keptInRows(list);
    placeRows(list, rowsOf(shown, state.acking));
    error.hidden = !state.ackError;
    setText(error, state.ackError ? `Could not acknowledge: ${state.ackError}` : '');
    restoreInRows(list, kept);
    if (ackAllPressed && !ackAll.disabled) {
      ackAllPressed = false;
      // Unless the user moved on meanwhile: back to the button (a refusal), or once it hides, on to the first incident.
      const lost = document.activeElement === document.body || document.activeElement === null;
      if (lost) (ackAll.hidden ? list.querySelector<HTMLElement>('.rs-alert-details summary') : ackAll)?.focus(KEEP_SCROLL);
    }
  };
  return { render, destroy: () => news.destroy() };
}

/** Tells screen readers of the incidents that open or turn red (incidentNews) as the banner's states go by. */
function createIncidentNews(banner: HTMLElement, ticker: Ticker): { see(state: DashboardState): void; destroy(): void } {
  // Outside the banner, which is hidden while there is no incident (a hidden live region says nothing).
  const announcer = createAnnouncer<IncidentNews>(banner.parentElement ?? banner, 'rs-incident-announcer', ticker, incidentAnnouncement);
  // The incidents as last seen; null until the first snapshot, whose incidents were open before the page was.
  let seen: readonly Incident[] | null = null;
  return {
    see(state) {
      if (!state.hasSnapshot) return;
      if (seen !== null) announcer.tell(incidentNews(seen, state.incidents));
      seen = state.incidents;
    },
    destroy: () => announcer.destroy(),
  };
}

interface KeptInRows {
  /** Incident ids whose Details were open. */
  open: Set<string>;
  /** The incident and control (its class) that had the focus. */
  focus: { incident: string; control: string } | null;
}

function keptInRows(list: HTMLElement): KeptInRows {
  const open = new Set([...list.querySelectorAll<HTMLElement>('.rs-alert')].filter((row) => row.querySelector('details')?.open).map((row) => row.dataset['incident']!));
  const active = document.activeElement;
  const row = active && list.contains(active) ? active.closest<HTMLElement>('.rs-alert') : null;
  const control = active?.closest('details') ? 'rs-alert-details' : active?.classList.contains('rs-alert-ack') ? 'rs-alert-ack' : null;
  return { open, focus: row && control ? { incident: row.dataset['incident']!, control } : null };
}

function restoreInRows(list: HTMLElement, kept: KeptInRows): void {
  for (const row of list.querySelectorAll<HTMLElement>('.rs-alert')) {
    if (kept.open.has(row.dataset['incident']!)) row.querySelector('details')!.open = true;
  }
  if (!kept.focus) return;
  const row = list.querySelector<HTMLElement>(`.rs-alert[data-incident="${kept.focus.incident}"]`);
  if (!row) return;
  // The same control, else (an Acknowledge now busy or done) the row's Details.
  const same = kept.focus.control === 'rs-alert-ack' ? row.querySelector<HTMLButtonElement>('.rs-alert-ack') : null;
  (same && !same.disabled ? same : row.querySelector<HTMLElement>('.rs-alert-details summary'))?.focus(KEEP_SCROLL);
}
