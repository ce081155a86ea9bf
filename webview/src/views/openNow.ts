// What is open now: a tile per event type ("3 waiting · longest 0:41", "2 at the desk", "5 complaints open · 1 at
// risk, due 14:00") and the at-risk list, each case's nearest deadline with a countdown that turns red when it
// passes. Both move on their own every second (the injected ticker), between the server's pushes; the page's clock
// is corrected by the server time of the latest snapshot or clocks update. While the board is not live they stay at
// the moment its notice names ("showing figures as of 14:05:09"). Breaches the server pushes are announced once to
// screen readers, politely and a few together (announcer.ts). Hidden when the server sends no open clocks (an older
// server).
import type { ClockBreach } from '@ringside/server/protocol';
import { breachKeyOf, capitalised, CLOCK_STATE_WORDS, clockStateCount, countOpenClocks, siteLabel, siteTitle, type OpenCounts, type SiteNames } from '@ringside/server/protocol/pure';
import { formatClock, formatCount } from '../format';
import { atRiskItems, openTile, tileTypes, typeLabel, visibleClocks, type AtRiskItem } from '../openNow';
import { lastHeardMs } from '../derived';
import type { DashboardState } from '../state';
import { TICK_MS, type Ticker } from '../ticker';
import { showsStale } from './connection';
import { createAnnouncer } from './announcer';
import { el, setText } from './dom';
import { createPanelHeader, createTileNodes, placeRows, type TileNodes } from './parts';

/** The list shows this many of the nearest deadlines; the rest are counted. */
const AT_RISK_SHOWN = 8;

export interface OpenNowView {
  render(state: DashboardState): void;
  destroy(): void;
}

function createTile(type: string): TileNodes {
  const tile = createTileNodes('rs-tile--open', undefined, { value: 'rs-open-value', detail: 'rs-open-detail' });
  tile.root.dataset['type'] = type;
  return tile;
}

function createRow(): HTMLLIElement {
  const li = el('li', 'rs-atrisk-item');
  li.append(el('span', 'rs-atrisk-countdown'), el('span', 'rs-atrisk-case'), el('span', 'rs-atrisk-standard'));
  return li;
}

function renderRow(li: HTMLLIElement, item: AtRiskItem, names: SiteNames): void {
  const [countdown, kase, standard] = [...li.children] as HTMLElement[];
  const site = siteLabel(item.clock.site, names);
  li.dataset['state'] = item.state;
  li.dataset['key'] = item.key;
  setText(countdown!, item.countdown);
  setText(kase!, `${site} · ${typeLabel(item.clock.type)} ${item.clock.caseId}`);
  if (kase!.title !== siteTitle(item.clock.site)) kase!.title = siteTitle(item.clock.site);
  setText(standard!, `${item.standardLabel} · due ${formatClock(item.deadlineMs)}`);
  // The row's state as its colour shows it, in the state's one word ("breached, 0:01 over").
  const when = item.state === 'breached' ? `${CLOCK_STATE_WORDS.breached}, ${item.countdown}` : item.countdown;
  li.setAttribute('aria-label', `${typeLabel(item.clock.type)} ${item.clock.caseId} at ${site}: ${item.standardLabel}, ${when}`);
}

/** What a screen reader hears for breaches that arrived: "Breached: …" (the state's one word), and how many more. */
function breachAnnouncement(fresh: readonly ClockBreach[], state: DashboardState): string {
  const first = fresh[0];
  if (!first) return '';
  const standard = state.standards.find((s) => s.id === first.standardId);
  const what = `${typeLabel(first.type)} ${first.caseId} at ${siteLabel(first.site, state.siteNames)}: ${standard?.name ?? first.standardId}, due ${formatClock(first.deadline)}`;
  return `${capitalised(CLOCK_STATE_WORDS.breached)}: ${what}${fresh.length > 1 ? `, and ${fresh.length - 1} more` : ''}.`;
}

interface AtRiskNodes {
  meta: HTMLSpanElement;
  list: HTMLUListElement;
  more: HTMLParagraphElement;
  empty: HTMLParagraphElement;
}

function buildAtRiskPanel(panel: HTMLElement): AtRiskNodes {
  const { header, meta } = createPanelHeader('At risk now');
  const list = el('ul', 'rs-atrisk-list');
  list.setAttribute('aria-label', 'Open cases at risk or past their deadline, nearest deadline first');
  const more = el('p', 'rs-atrisk-more');
  const empty = el('p', 'rs-panel-note rs-atrisk-empty');
  panel.append(header, list, more, empty);
  return { meta, list, more, empty };
}

/** One tile per event type with open cases, made once per type and updated in place. */
function drawTiles(container: HTMLElement, tiles: Map<string, TileNodes>, types: string[], clocks: DashboardState['openClocks'], nowMs: number): void {
  if (types.length !== tiles.size || types.some((t) => !tiles.has(t))) {
    for (const t of [...tiles.keys()]) if (!types.includes(t)) tiles.delete(t);
    for (const t of types) if (!tiles.has(t)) tiles.set(t, createTile(t));
    container.replaceChildren(...types.map((t) => tiles.get(t)!.root));
  }
  for (const type of types) {
    const tile = tiles.get(type)!;
    const view = openTile(type, clocks, nowMs);
    tile.root.dataset['band'] = view.tone;
    tile.root.setAttribute('aria-label', `${view.title}: ${view.sentence}`);
    setText(tile.label, view.title);
    setText(tile.value, view.headline);
    setText(tile.detail, view.detail);
  }
}

/** The at-risk list, nearest deadline first; each case keeps its row (`rows`, by key) so it is not redrawn. */
function drawList({ meta, list, more, empty }: AtRiskNodes, rows: Map<string, HTMLLIElement>, items: AtRiskItem[], counts: OpenCounts, names: SiteNames): void {
  // The line counts cases by their worst standing, as the extension's status bar and Sites view do; the list below
  // has a row per deadline, so a case at risk on two standards is one case here and two rows there.
  const { open, atRisk, breached } = counts;
  setText(meta, `${formatCount(open)} open · ${clockStateCount(formatCount(atRisk), 'at-risk')} · ${clockStateCount(formatCount(breached), 'breached')}`);
  const visible = items.slice(0, AT_RISK_SHOWN);
  const wanted = visible.map((item) => {
    const row = rows.get(item.key) ?? createRow();
    rows.set(item.key, row);
    renderRow(row, item, names);
    return row;
  });
  const keep = new Set(visible.map((i) => i.key));
  for (const key of [...rows.keys()]) if (!keep.has(key)) rows.delete(key);
  placeRows(list, wanted);
  list.hidden = items.length === 0;
  more.hidden = items.length <= AT_RISK_SHOWN;
  setText(more, `and ${formatCount(items.length - AT_RISK_SHOWN)} more`);
  empty.hidden = items.length > 0;
  setText(empty, open === 0 ? 'No open cases.' : 'Nothing at risk: every open case is inside its standard.');
}

export function createOpenNowView(tilesContainer: HTMLElement, panel: HTMLElement, ticker: Ticker): OpenNowView {
  const tiles = new Map<string, TileNodes>();
  const nodes = buildAtRiskPanel(panel);
  const rows = new Map<string, HTMLLIElement>();
  let latest: DashboardState | null = null;
  let offsetMs = 0;
  let serverTime: string | null = null;
  let announced: ClockBreach[] | null = null;
  // Named with the state of when they are told (a held breach is told up to the quiet time later).
  const announcer = createAnnouncer<ClockBreach>(panel, 'rs-breach-announcer', ticker, (held) => (latest ? breachAnnouncement(held, latest) : ''));

  const draw = (state: DashboardState) => {
    const shown = state.clocksServerTime !== null;
    tilesContainer.hidden = !shown;
    panel.hidden = !shown;
    if (!shown) return;
    if (state.clocksServerTime !== serverTime) {
      serverTime = state.clocksServerTime;
      offsetMs = Date.parse(serverTime!) - ticker.now();
    }
    // Not live: the open cases as of the moment the notice names; counting on past it would turn every case open at the
    // drop breached, red on a wall for as long as the outage lasts, though the page cannot know what happened since.
    const nowMs = showsStale(state) ? lastHeardMs(state) : ticker.now() + offsetMs;
    const clocks = visibleClocks(state);
    drawTiles(tilesContainer, tiles, tileTypes(state), clocks, nowMs);
    drawList(nodes, rows, atRiskItems(clocks, nowMs, state.standards), countOpenClocks(clocks, nowMs), state.siteNames);
    announce(state);
  };

  const announce = (state: DashboardState) => {
    if (announced === state.breaches) return;
    // The first render only learns what is there: breaches from before the page opened are not news.
    const before = announced === null ? new Set(state.breaches.map(breachKeyOf)) : new Set(announced.map(breachKeyOf));
    announced = state.breaches;
    const fresh = state.breaches.filter((b) => !before.has(breachKeyOf(b)));
    announcer.tell(fresh);
  };

  const stop = ticker.every(TICK_MS, () => {
    if (latest && latest.openClocks.length > 0) draw(latest);
  });
  return {
    render(state) {
      latest = state;
      draw(state);
    },
    destroy() {
      stop();
      announcer.destroy();
    },
  };
}
