// The live feed: the latest judged events, newest on top, with a met, missed or not counted badge per event, and the
// deadlines that passed on open cases (a "breached" row at the moment the server pushed it), in the order they were
// judged. Each row shows that moment (an event's arrival, when its outcome was known; a breach's deadline), not when its case
// started: a long call that just ended sits above shorter later ones, and its start time there read as shuffled.
import type { ClockBreach, JudgedEvent } from '@ringside/server/protocol';
import { breachKeyOf, countNoun, deadlineLabel, isCounted, siteLabel, siteTitle, type SiteNames } from '@ringside/server/protocol/pure';
import { typeLabel } from '../openNow';
import { eventVerdict, verdictWord, formatCount, formatEventDetail, formatEventValue, formatJudgedAt, formatOutcome, isWithinDay, localDayOf, type LocalDay } from '../format';
import { lastHeardMs } from '../derived';
import type { DashboardState, LocalAction } from '../state';
import { button, el, input, setText } from './dom';
import { createPanelHeader, placeRows } from './parts';

const COLUMNS = ['Judged', 'Site · event', 'Value', 'Result', 'Agent'] as const;
/** What the first column's time is: the rows are in that order. */
const JUDGED_TITLE = 'When it was judged, newest first: an event when it arrived with its outcome, a breach when its deadline passed';

function badge(judged: JudgedEvent): HTMLElement {
  const verdict = eventVerdict(judged.judgements);
  const node = el('span', `rs-badge rs-badge--${verdict}`, verdictWord(verdict));
  const reasons = (counted: boolean) => judged.judgements.filter((j) => !j.met && isCounted(j) === counted).map((j) => `${j.standardId}${j.reason ? ` (${j.reason})` : ''}`);
  // An event of a type no standard judges (a complaint type without one) has no verdict: its badge says why.
  node.title =
    verdict === 'missed' ? `Missed: ${reasons(true).join(', ')}` : verdict === 'not-counted' ? `Not counted: ${reasons(false).join(', ')}` : verdict === 'unjudged' ? 'No standard judges this event' : judged.judgements.map((j) => j.standardId).join(', ');
  return node;
}

function cell(className: string, text: string): HTMLTableCellElement {
  return el('td', `rs-feed-${className}`, text);
}

/** The site cell: the site's display name, its id in the tooltip. */
function siteCell(siteId: string, names: SiteNames): HTMLTableCellElement {
  const site = cell('site', siteLabel(siteId, names));
  site.title = siteTitle(siteId);
  return site;
}

/** The first cell: when the row was judged (`at`), labelled as of `nowMs`'s day; `relabelJudged` redoes it. */
function judgedCell(at: string, title: string, nowMs: number): HTMLTableCellElement {
  const time = cell('time', formatJudgedAt(at, nowMs));
  time.title = title;
  time.dataset['judgedAt'] = at;
  return time;
}

/** A row's time as of another day's `nowMs`: a time-only label of the day before gains its day. */
function relabelJudged(row: HTMLTableRowElement, nowMs: number): void {
  const time = row.cells[0]!;
  setText(time, formatJudgedAt(time.dataset['judgedAt']!, nowMs));
}

function createRow(judged: JudgedEvent, names: SiteNames, nowMs: number): HTMLTableRowElement {
  const { event } = judged;
  const row = el('tr', 'rs-feed-row');
  row.dataset['eventId'] = event.id;
  row.dataset['verdict'] = eventVerdict(judged.judgements);
  const time = judgedCell(event.receivedAt, `judged ${event.receivedAt}; started ${event.occurredAt}`, nowMs);
  const value = cell('value', formatEventValue(judged));
  const detail = formatEventDetail(judged);
  if (detail) value.append(el('span', 'rs-feed-detail', detail));
  const verdict = el('td', 'rs-feed-verdict');
  verdict.append(badge(judged));
  const site = siteCell(event.site, names);
  site.append(el('span', 'rs-feed-event', `${typeLabel(event.type)} · ${formatOutcome(judged)}`));
  row.append(time, site, value, verdict, cell('agent', event.agent ?? '—'));
  return row;
}

function createBreachRow(breach: ClockBreach, standardLabel: string, names: SiteNames, nowMs: number): HTMLTableRowElement {
  const row = el('tr', 'rs-feed-row rs-feed-row--breach');
  row.dataset['breach'] = breachKeyOf(breach);
  row.dataset['verdict'] = 'breached';
  const time = judgedCell(breach.deadline, `deadline passed ${breach.deadline}`, nowMs);
  const site = siteCell(breach.site, names);
  const kase = el('span', 'rs-feed-event', `${typeLabel(breach.type)} ${breach.caseId} · still open`);
  // The id wraps (dashboard.css); the tooltip holds it too, to copy by eye from a wallboard's narrowest column.
  kase.title = `case id: ${breach.caseId}`;
  site.append(kase);
  const value = cell('value', 'deadline passed');
  value.append(el('span', 'rs-feed-detail', standardLabel));
  const verdict = el('td', 'rs-feed-verdict');
  const badge = el('span', 'rs-badge rs-badge--breached', 'breached');
  badge.title = `${standardLabel}: the deadline passed at ${breach.deadline} with the case still open`;
  verdict.append(badge);
  row.append(time, site, value, verdict, cell('agent', '—'));
  return row;
}

/** Whether a breach matches the feed filter text (site id or name, type, case id, standard id, "breached"). */
function matchesBreachFilter(breach: ClockBreach, filter: string, names: SiteNames): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = [breach.site, siteLabel(breach.site, names), breach.type, breach.caseId, breach.standardId, 'breached missed'].join(' ').toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** The breach rows on screen: frozen while paused, narrowed like the events. */
function visibleBreaches(state: DashboardState): ClockBreach[] {
  const source = state.feedControls.frozenBreaches ?? state.breaches;
  const { site, standard } = state.selection;
  const filter = state.feedControls.filter;
  return source.filter((b) => (!site || b.site === site) && (!standard || b.standardId === standard) && matchesBreachFilter(b, filter, state.siteNames));
}

type FeedItem = { kind: 'event'; key: string; atMs: number; judged: JudgedEvent } | { kind: 'breach'; key: string; atMs: number; breach: ClockBreach };

/** Events (by arrival) and breaches (by deadline) in one list, newest first, at most FEED_LIMIT + breaches shown. */
function feedItems(events: readonly JudgedEvent[], breaches: readonly ClockBreach[]): FeedItem[] {
  const items: FeedItem[] = events.map((judged) => ({ kind: 'event', key: `e:${judged.event.id}`, atMs: Date.parse(judged.event.receivedAt), judged }));
  if (breaches.length === 0) return items;
  const merged: FeedItem[] = [];
  let i = 0;
  for (const breach of breaches) {
    const atMs = Date.parse(breach.deadline);
    while (i < items.length && !(items[i]!.atMs < atMs)) merged.push(items[i++]!);
    merged.push({ kind: 'breach', key: `b:${breachKeyOf(breach)}`, atMs, breach });
  }
  return [...merged, ...items.slice(i)];
}

/** Whether an event matches the feed filter text (site id or name, agent, queue, type, outcome, verdict, standard ids). */
function matchesFeedFilter(judged: JudgedEvent, filter: string, names: SiteNames): boolean {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const { event } = judged;
  const haystack = [event.site, siteLabel(event.site, names), event.agent ?? '', event.queue ?? '', event.type, formatOutcome(judged), verdictWord(eventVerdict(judged.judgements)), eventVerdict(judged.judgements), ...judged.judgements.map((j) => j.standardId)]
    .join(' ')
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** The rows on screen: the frozen feed while paused, narrowed to the selected site and standard and the filter text. */
export function visibleFeed(state: DashboardState): JudgedEvent[] {
  const source = state.feedControls.frozen ?? state.feed;
  const { site, standard } = state.selection;
  const filter = state.feedControls.filter;
  if (!site && !standard && !filter.trim()) return source;
  return source.filter(
    (e) => (!site || e.event.site === site) && (!standard || e.judgements.some((j) => j.standardId === standard)) && matchesFeedFilter(e, filter, state.siteNames),
  );
}

export interface FeedView {
  render(state: DashboardState): void;
  /** Shows neither rows nor the empty note until the next render (which then draws the rows in full). */
  hold(): void;
}

export function createFeedView(container: HTMLElement, dispatch: (action: LocalAction) => void = () => {}): FeedView {
  const nodes = buildFeed(container);
  const { filter, pause, fresh } = nodes;
  let paused = false;
  pause.addEventListener('click', () => dispatch({ type: 'ui/pause', paused: !paused }));
  fresh.addEventListener('click', () => dispatch({ type: 'ui/pause', paused: false }));
  filter.addEventListener('input', () => dispatch({ type: 'ui/feed-filter', filter: filter.value }));

  const rows = new Map<string, HTMLTableRowElement>();
  let drawn: unknown[] | null = null;
  // The day the rows' times are labelled as of (a time alone is that day's): checked at each render, the rows
  // relabelled only when it changed, so a wallboard left on overnight does not show yesterday's rows as today's.
  let labelledDay: LocalDay | null = null;
  return {
    render(state) {
      const controls = state.feedControls;
      paused = controls.paused;
      renderFeedControls(nodes, container, controls);
      const nowMs = lastHeardMs(state); // the rows' days are told against the server's time
      if (!labelledDay || !isWithinDay(nowMs, labelledDay)) {
        labelledDay = localDayOf(nowMs);
        for (const row of rows.values()) relabelJudged(row, nowMs);
      }
      const inputs = [state.feed, controls.frozen, state.breaches, controls.frozenBreaches, controls.filter, state.selection.site, state.selection.standard, state.standards, state.siteNames];
      if (drawn && inputs.every((v, i) => v === drawn![i])) return;
      // A site's name changed: rows name sites as they were made, so they are made again (without the highlight).
      if (drawn && drawn[8] !== state.siteNames) rows.clear();
      drawn = inputs;
      renderFeedRows(nodes, rows, state, nowMs);
    },
    hold() {
      drawn = null;
      nodes.table.hidden = true;
      nodes.empty.hidden = true;
      nodes.count.textContent = '';
    },
  };
}

interface FeedNodes {
  count: HTMLSpanElement;
  filter: HTMLInputElement;
  pause: HTMLButtonElement;
  fresh: HTMLButtonElement;
  table: HTMLTableElement;
  body: HTMLTableSectionElement;
  empty: HTMLParagraphElement;
}

/** The header (count, filter, "N new", Pause) and the table, appended to the container. */
function buildFeed(container: HTMLElement): FeedNodes {
  const tools = el('div', 'rs-feed-tools');
  const filter = input('rs-input rs-feed-filter', { type: 'search', placeholder: 'Filter: site, agent, missed…', label: 'Filter the live feed' });
  const pause = button('rs-button rs-button--small rs-feed-pause', 'Pause');
  pause.setAttribute('aria-pressed', 'false');
  const fresh = button('rs-button rs-button--small rs-feed-new');
  fresh.hidden = true;
  tools.append(filter, fresh, pause);
  const { header, meta: count } = createPanelHeader('Live feed', tools);
  const table = el('table', 'rs-feed-table');
  const headRow = el('tr');
  headRow.append(...COLUMNS.map((c) => el('th', undefined, c)));
  headRow.firstElementChild!.setAttribute('title', JUDGED_TITLE);
  table.createTHead().append(headRow);
  const body = table.createTBody();
  const empty = el('p', 'rs-feed-empty', 'No events yet. They appear here the moment they are judged.');
  const scroller = el('div', 'rs-feed-scroll');
  // The rows scroll inside the panel: the keyboard reaches the scrolling area in every browser (Chromium made it
  // focusable by itself, Safari does not), and a screen reader names it rather than reading every row as its name.
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'group');
  scroller.setAttribute('aria-label', 'Live feed events, newest first');
  scroller.append(table, empty);
  container.append(header, scroller);
  return { count, filter, pause, fresh, table, body, empty };
}

function renderFeedControls({ pause, fresh, filter }: FeedNodes, container: HTMLElement, controls: DashboardState['feedControls']): void {
  setText(pause, controls.paused ? 'Resume' : 'Pause');
  pause.setAttribute('aria-pressed', String(controls.paused));
  container.dataset['paused'] = String(controls.paused);
  fresh.hidden = !controls.paused;
  setText(fresh, `${formatCount(controls.newWhilePaused)} new`);
  fresh.setAttribute('aria-label', `${controls.newWhilePaused} new events while paused; resume`);
  if (document.activeElement !== filter && filter.value !== controls.filter) filter.value = controls.filter;
}

/** The visible rows, reusing each item's row (`rows`, by event id or breach key) so a row is made and animated once. */
function renderFeedRows({ table, body, empty, count }: FeedNodes, rows: Map<string, HTMLTableRowElement>, state: DashboardState, nowMs: number): void {
  const controls = state.feedControls;
  const events = visibleFeed(state);
  const breaches = visibleBreaches(state);
  const shown = feedItems(events, breaches);
  const wanted: HTMLTableRowElement[] = [];
  // Highlight rows that arrive live, not the history a snapshot loads into an empty feed.
  const live = rows.size > 0;
  for (const item of shown) {
    let row = rows.get(item.key);
    if (!row) {
      row =
        item.kind === 'event'
          ? createRow(item.judged, state.siteNames, nowMs)
          : createBreachRow(item.breach, deadlineLabel(item.breach, state.standards), state.siteNames, nowMs);
      if (live) row.classList.add('rs-feed-row--new');
      rows.set(item.key, row);
    }
    wanted.push(row);
  }
  placeRows(body, wanted);
  const keep = new Set(wanted);
  // Rows filtered out now may be wanted again when the filter clears: keep those of the feed, drop the rest.
  const inFeed = new Set([...(controls.frozen ?? state.feed).map((e) => `e:${e.event.id}`), ...(controls.frozenBreaches ?? state.breaches).map((b) => `b:${breachKeyOf(b)}`)]);
  for (const [id, row] of rows) if (!keep.has(row) && !inFeed.has(id)) rows.delete(id);
  table.hidden = shown.length === 0;
  empty.hidden = shown.length > 0;
  const filtered = state.selection.site || state.selection.standard || controls.filter.trim();
  setText(
    empty,
    state.feed.length === 0 && state.breaches.length === 0 ? 'No events yet. They appear here the moment they are judged.' : filtered ? 'No recent event matches the filter.' : 'No events yet.',
  );
  count.textContent = feedCount(events.length, breaches.length, controls.paused);
}

/**
 * The header's count, events and breach rows apart: the feed is the latest FEED_LIMIT events with the breaches
 * placed among them, so "latest 51" for 50 events and a breach counted something the feed does not keep.
 */
function feedCount(events: number, breaches: number, paused: boolean): string {
  if (events + breaches === 0) return '';
  // "latest event", as people say it, not "latest 1 event"; paused, the count stands alone ("paused · 1 event").
  const parts = [!paused && events === 1 ? 'event' : `${formatCount(events)} ${countNoun(events, 'event')}`];
  if (breaches > 0) parts.push(`${formatCount(breaches)} ${countNoun(breaches, 'breach', 'breaches')}`);
  return `${paused ? 'paused ·' : 'latest'} ${parts.join(' · ')}`;
}
