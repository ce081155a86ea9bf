// The live feed: the latest judged events, newest on top, with a met/missed badge per event.
import type { JudgedEvent } from '@ringside/server/protocol';
import { eventVerdict, formatClock, formatEventDetail, formatEventValue, formatOutcome } from '../format';
import type { DashboardState } from '../state';
import { el } from './dom';

const COLUMNS = ['Time', 'Site · event', 'Value', 'Result', 'Agent'] as const;

function badge(judged: JudgedEvent): HTMLElement {
  const verdict = eventVerdict(judged.judgements);
  const node = el('span', `rs-badge rs-badge--${verdict}`, verdict === 'unjudged' ? 'n/a' : verdict);
  const reasons = judged.judgements.filter((j) => !j.met).map((j) => `${j.standardId}${j.reason ? ` (${j.reason})` : ''}`);
  node.title = verdict === 'missed' ? `Missed: ${reasons.join(', ')}` : judged.judgements.map((j) => j.standardId).join(', ');
  return node;
}

function cell(className: string, text: string): HTMLTableCellElement {
  return el('td', `rs-feed-${className}`, text);
}

function createRow(judged: JudgedEvent): HTMLTableRowElement {
  const { event } = judged;
  const row = el('tr', 'rs-feed-row');
  row.dataset['eventId'] = event.id;
  row.dataset['verdict'] = eventVerdict(judged.judgements);
  const time = cell('time', formatClock(event.occurredAt));
  time.title = event.occurredAt;
  const value = cell('value', formatEventValue(judged));
  const detail = formatEventDetail(judged);
  if (detail) value.append(el('span', 'rs-feed-detail', detail));
  const verdict = el('td', 'rs-feed-verdict');
  verdict.append(badge(judged));
  const site = cell('site', event.site);
  site.title = event.site;
  site.append(el('span', 'rs-feed-event', `${event.type === 'call' ? 'Call' : 'Visit'} · ${formatOutcome(judged)}`));
  row.append(time, site, value, verdict, cell('agent', event.agent ?? '—'));
  return row;
}

export function createFeedView(container: HTMLElement): (state: DashboardState) => void {
  const header = el('header', 'rs-panel-header');
  const count = el('span', 'rs-panel-meta');
  header.append(el('h2', 'rs-panel-title', 'Live feed'), count);
  const table = el('table', 'rs-feed-table');
  const headRow = el('tr');
  headRow.append(...COLUMNS.map((c) => el('th', undefined, c)));
  table.createTHead().append(headRow);
  const body = table.createTBody();
  const empty = el('p', 'rs-feed-empty', 'No events yet. They appear here the moment they are judged.');
  const scroller = el('div', 'rs-feed-scroll');
  scroller.append(table, empty);
  container.append(header, scroller);

  const rows = new Map<string, HTMLTableRowElement>();
  let feed: JudgedEvent[] | null = null;
  return (state) => {
    if (state.feed === feed) return;
    feed = state.feed;
    const wanted: HTMLTableRowElement[] = [];
    for (const judged of state.feed) {
      let row = rows.get(judged.event.id);
      if (!row) {
        row = createRow(judged);
        // Highlight rows that arrive live, not the history a snapshot loads into an empty feed.
        if (rows.size > 0) row.classList.add('rs-feed-row--new');
        rows.set(judged.event.id, row);
      }
      wanted.push(row);
    }
    placeRows(body, wanted);
    const keep = new Set(wanted);
    for (const [id, row] of rows) if (!keep.has(row)) rows.delete(id);
    table.hidden = state.feed.length === 0;
    empty.hidden = state.feed.length > 0;
    count.textContent = state.feed.length > 0 ? `latest ${state.feed.length}` : '';
  };
}

/**
 * Puts `wanted` into `body` in order, moving only rows that are new or out of place: re-inserting a row that
 * is already there would restart its arrival animation, and with steady traffic it would never fade.
 */
function placeRows(body: HTMLTableSectionElement, wanted: HTMLTableRowElement[]): void {
  wanted.forEach((row, i) => {
    const current = body.children[i];
    if (current !== row) body.insertBefore(row, current ?? null);
  });
  while (body.children.length > wanted.length) body.lastElementChild!.remove();
}
