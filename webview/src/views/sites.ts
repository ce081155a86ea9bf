// Per-site comparison (all sites): one bar per site, worst first, each a button that filters the dashboard
// to that site. Filtered to a site: the same bars per agent, and a button back to all sites.
// Bars are HTML (buttons with a CSS width), so they are keyboard- and screen-reader-usable as they are;
// ↑/↓ move between bars, Enter/Space activate. Data: GET /api/v1/compliance?groupBy=site|agent.
import type { GroupFigure } from '@ringside/server/protocol';
import { bandsOf, siteLabel, siteTitle, type Bands, type SiteNames } from '@ringside/server/protocol/pure';
import { groupBars, windowWords, type GroupBars } from '../derived';
import { formatCount, formatPercent, formatTarget } from '../format';
import type { DashboardState, LocalAction } from '../state';
import { BAND_WORDS, bandFor } from '../status';
import { button, el, input, setText } from './dom';
import { createPanelHeader } from './parts';

/**
 * Bars a list shows before *Show all*: the worst ones, which an ops lead reads first. 180 sites × 10 standards drew
 * 1,800 bars, a panel some 100,000 px tall, rebuilt with every second's figures (a long task of up to 0.9 s).
 */
const BARS_SHOWN = 10;

export function createSitesView(container: HTMLElement, dispatch: (action: LocalAction) => void): (state: DashboardState) => void {
  const back = button('rs-button rs-button--small rs-sites-back', 'All sites');
  back.hidden = true;
  back.addEventListener('click', () => dispatch({ type: 'ui/select', selection: { site: null } }));
  const { header, title, meta } = createPanelHeader('Sites', back);
  const body = el('div', 'rs-sites-body');
  const note = el('p', 'rs-panel-note');
  let last: DashboardState | null = null;
  const controls = listControls(body, () => {
    if (last) render(last);
  });
  container.append(header, controls.row, note, body);

  moveBetweenBars(body);

  // The heading takes the focus when nothing else in the panel can (the bars are loading), and keeps it for them.
  title.tabIndex = -1;
  let drawn: unknown[] | null = null;
  let shownSite: string | null = null;
  // The site whose bar the focus goes back to once the sites are drawn ("All sites" pressed: they load first).
  let returnTo: string | null = null;
  let parked: HTMLElement | null = null;
  const render = (state: DashboardState) => {
    last = state;
    const inputs = [state.queries.groups, state.standards, state.selection, state.siteNames, state.configuredSites, controls.version()];
    if (drawn && inputs.every((v, i) => v === drawn![i])) return;
    drawn = inputs;
    const sourced = groupBars(state);
    const bySite = !state.selection.site;
    if (!bySite) returnTo = null;
    else if (shownSite !== null) returnTo = shownSite;
    if (shownSite !== state.selection.site) controls.expanded.clear();
    shownSite = state.selection.site;
    controls.name(bySite ? 'a site' : 'an agent');
    const restoreFocus = holdFocus(container, body, parked);
    setText(title, bySite ? 'Sites' : `Agents at ${siteLabel(state.selection.site!, state.siteNames)}`);
    if (bySite) title.removeAttribute('title');
    else title.title = siteTitle(state.selection.site!);
    setText(meta, `${windowWords(state, state.queries.groups.data, bySite)} · worst first`);
    back.hidden = bySite;
    container.dataset['status'] = sourced.status;
    // A standard's list is drawn when it has anything to show: bars, quiet sites, or events without an agent.
    const lists = (sourced.value ?? []).filter((l) => l.groups.length > 0 || l.withoutAgent || l.quiet.length > 0);
    // The search field is offered where a list is longer than it shows, and kept while it holds a search.
    controls.row.hidden = !controls.search().trim() && !lists.some((l) => l.groups.length + l.quiet.length > BARS_SHOWN);
    const words = searchWords(controls.row.hidden ? '' : controls.search());
    const shown = lists.map((l) => barsShown(l, words, controls.expanded.has(l.standard.id), state.siteNames)).filter((l) => l.items.length > 0 || (words.length === 0 && l.list.withoutAgent));
    note.hidden = shown.length > 0;
    setText(note, lists.length > 0 && words.length > 0 ? `No ${bySite ? 'site' : 'agent'} matches “${controls.search().trim()}”.` : noteWords(sourced, bySite));
    note.dataset['kind'] = sourced.status === 'error' ? 'error' : 'empty';
    body.replaceChildren(...shown.map((l) => groupList(l, bySite, state.siteNames, dispatch)));
    // The focus, if the bar or button it was on is gone: the way back, or the bar of the site the user came from.
    const bars = [...body.querySelectorAll<HTMLElement>('.rs-bar')];
    const moved = restoreFocus(() => (!bySite ? back : (bars.find((b) => b.dataset['key'] === returnTo) ?? bars[0] ?? title)));
    parked = moved === title ? title : null;
    if (bars.length > 0) returnTo = null;
  };
  return render;
}

/** What the panel says when it draws no list. */
function noteWords(sourced: ReturnType<typeof groupBars>, bySite: boolean): string {
  if (sourced.status === 'error') return `Could not load: ${sourced.error ?? 'unknown error'}`;
  if (sourced.status === 'loading') return 'Loading…';
  if (sourced.status === 'unavailable') return 'History is not available here';
  return bySite ? 'No site has events in this window.' : 'No agent has events at this site in this window.';
}

/**
 * The panel's own controls (not in the address: a way to read the panel, not a selection of figures): *Find a site*
 * and each list's *Show all*, by standard id. Both are kept while the figures refresh; the view folds the lists
 * again for another site. `version` changes with either, so the view draws again.
 */
function listControls(body: HTMLElement, redraw: () => void) {
  const find = input('rs-input rs-sites-find', { type: 'search', label: 'Find a site', placeholder: 'Find a site…' });
  const row = el('div', 'rs-sites-tools');
  row.append(find);
  const expanded = new Set<string>();
  let version = 0;
  const changed = () => {
    version += 1;
    redraw();
  };
  find.addEventListener('input', changed);
  body.addEventListener('click', (event) => {
    const toggle = (event.target as HTMLElement).closest<HTMLElement>('.rs-bars-toggle');
    const id = toggle?.closest<HTMLElement>('.rs-bars')?.dataset['standardId'];
    if (!toggle || id === undefined) return;
    if (!expanded.delete(id)) expanded.add(id);
    changed();
    // The button was drawn anew: the focus stays on it, not on the start of the page.
    body.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${CSS.escape(id)}"] .rs-bars-toggle`)?.focus();
  });
  return {
    row,
    expanded,
    search: () => find.value,
    version: () => version,
    /** Names what the field finds: "a site", or "an agent" over a site's agents. */
    name: (what: string) => {
      find.setAttribute('aria-label', `Find ${what}`);
      find.placeholder = `Find ${what}…`;
    },
  };
}

type ListItem = { kind: 'group'; group: GroupFigure } | { kind: 'quiet'; site: string };

interface ShownList {
  list: GroupBars;
  /** The bars drawn: the worst BARS_SHOWN, every one when expanded, or those the search finds. */
  items: ListItem[];
  /** What the line under the list says and offers; null when it shows every bar of a short list. */
  more: { text: string; toggle: string | null } | null;
}

/** Lower case without accents, so "zurich" finds "Zürich" and "sao paulo" "São Paulo". */
function folded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const searchWords = (search: string) => folded(search).split(/\s+/).filter(Boolean);

/** The bars of a list to draw (worst first, as listed), with the line that says how many more there are. */
function barsShown(list: GroupBars, words: readonly string[], expanded: boolean, names: SiteNames): ShownList {
  const bySite = list.groupBy === 'site';
  const nameOf = (key: string | null) => (key === null ? 'Unknown' : bySite ? siteLabel(key, names) : key);
  const all: ListItem[] = [...list.groups.map((group) => ({ kind: 'group' as const, group })), ...list.quiet.map((site) => ({ kind: 'quiet' as const, site }))];
  const noun = bySite ? 'sites' : 'agents';
  if (words.length > 0) {
    // Every word in the name or the id, as the feed's filter matches.
    const items = all.filter((item) => {
      const key = item.kind === 'group' ? item.group.key : item.site;
      const text = folded(`${nameOf(key)} ${key ?? ''}`);
      return words.every((w) => text.includes(w));
    });
    return { list, items, more: { text: `${formatCount(items.length)} of ${formatCount(all.length)} ${noun} found`, toggle: null } };
  }
  if (all.length <= BARS_SHOWN) return { list, items: all, more: null };
  const below = list.groups.filter((g) => g.ratio !== null && g.ratio < list.standard.target).length;
  const quiet = list.quiet.length;
  const counts = [`${formatCount(below)} below target`, ...(quiet > 0 ? [`${formatCount(quiet)} with no events`] : [])].join(' · ');
  return expanded
    ? { list, items: all, more: { text: `All ${formatCount(all.length)} ${noun} · ${counts}`, toggle: `Show the worst ${BARS_SHOWN}` } }
    : { list, items: all.slice(0, BARS_SHOWN), more: { text: `Worst ${BARS_SHOWN} of ${formatCount(all.length)} ${noun} · ${counts}`, toggle: `Show all ${formatCount(all.length)}` } };
}

/** ↑/↓ (and Home/End) move focus between the bars of one list: a list of 20 sites is one tab stop away. */
function moveBetweenBars(body: HTMLElement): void {
  body.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('rs-bar')) return;
    const bars = [...(target.closest('.rs-bars-list') ?? body).querySelectorAll<HTMLElement>('.rs-bar')];
    const i = bars.indexOf(target);
    const to = event.key === 'ArrowDown' ? i + 1 : event.key === 'ArrowUp' ? i - 1 : event.key === 'Home' ? 0 : event.key === 'End' ? bars.length - 1 : null;
    if (to === null) return;
    event.preventDefault();
    bars[Math.max(0, Math.min(bars.length - 1, to))]?.focus();
  });
}

/** A bar's identity across redraws: its standard's list and its key. */
const barKey = (bar: HTMLElement) => `${bar.closest<HTMLElement>('.rs-bars')?.dataset['standardId']}\u0000${bar.dataset['key']}`;

/**
 * Called before the panel is drawn anew, the function it returns after. A refresh keeps the keyboard focus on the
 * same bar. A bar pressed (the panel turns to the site's agents) or "All sites" pressed (it hides) took the focus
 * with it, which dropped a keyboard user at the start of the page: the focus then goes to `fallback()`, as it does
 * from `parked`, where an earlier drawing put it to wait for the bars. Answers where the focus was moved, if it was.
 */
function holdFocus(container: HTMLElement, body: HTMLElement, parked: HTMLElement | null): (fallback: () => HTMLElement) => HTMLElement | null {
  const held = container.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
  const key = held && body.contains(held) ? barKey(held) : null;
  return (fallback) => {
    if (!held) return null;
    if (key) [...body.querySelectorAll<HTMLElement>('.rs-bar')].find((b) => barKey(b) === key)?.focus();
    const active = document.activeElement;
    if (active && active !== parked && container.contains(active) && !active.closest('[hidden]')) return null;
    const to = fallback();
    to.focus();
    return to;
  };
}

function groupList({ list, items, more }: ShownList, clickable: boolean, names: SiteNames, dispatch: (action: LocalAction) => void): HTMLElement {
  const section = el('section', 'rs-bars');
  section.dataset['standardId'] = list.standard.id;
  const heading = el('h3', 'rs-bars-title', list.title);
  const ul = el('ul', 'rs-bars-list');
  ul.setAttribute('aria-label', `${list.title} by ${list.groupBy}, worst first`);
  const bands = bandsOf(list.standard);
  for (const item of items) ul.append(item.kind === 'group' ? barItem(item.group, list, bands, clickable, names, dispatch) : quietItem(item.site, list, names, dispatch));
  section.append(heading, ul);
  if (more) {
    const line = el('p', 'rs-bars-more', more.text);
    if (more.toggle) line.append(' ', button('rs-button rs-button--small rs-bars-toggle', more.toggle));
    section.append(line);
  }
  if (list.withoutAgent) section.append(el('p', 'rs-bars-apart', withoutAgentWords(list.withoutAgent, list.standard.eventType)));
  return section;
}

const WITHOUT_AGENT_NOUNS: Record<string, [string, string, string]> = {
  call: ['call', 'calls', 'abandoned before an agent answered'],
  visit: ['visit', 'visits', 'left before anyone greeted them'],
};

/** The events no agent handled, under the agents' bars: "Not ranked: 69 calls without an agent (0 / 69 met; 69 abandoned before an agent answered)". */
function withoutAgentWords(group: GroupFigure, eventType: string): string {
  const [one, many, gaveUp] = WITHOUT_AGENT_NOUNS[eventType] ?? ['event', 'events', 'abandoned'];
  const abandoned = group.companions.abandoned;
  const parts = [`${formatCount(group.numerator)} / ${formatCount(group.denominator)} met`];
  if (abandoned > 0) parts.push(`${formatCount(abandoned)} ${gaveUp}`);
  return `Not ranked: ${formatCount(group.denominator)} ${group.denominator === 1 ? one : many} without an agent (${parts.join('; ')})`;
}

/** One bar: a button that filters to its site (by site), or a focusable row (by agent). */
function barOf(key: string | null, clickable: boolean, dispatch: (action: LocalAction) => void): HTMLElement {
  const bar = el(clickable ? 'button' : 'div', 'rs-bar');
  if (bar instanceof HTMLButtonElement) {
    bar.type = 'button';
    bar.addEventListener('click', () => dispatch({ type: 'ui/select', selection: { site: key } }));
  } else {
    bar.tabIndex = 0;
    // A row that does nothing when pressed reads as a picture of its figure: without a role its label was not read
    // at all (a plain div may not be named), and its visible parts are hidden from screen readers.
    bar.setAttribute('role', 'img');
  }
  bar.dataset['key'] = key ?? '';
  return bar;
}

/** A bar's visible parts (hidden from screen readers: the bar's label reads them), its fill `ratio` wide. */
function barParts(bar: HTMLElement, name: string, ratio: number | null, list: GroupBars, value: string, detail: string): void {
  const label = el('span', 'rs-bar-label', name);
  const track = el('span', 'rs-bar-track');
  const fill = el('span', 'rs-bar-fill');
  fill.style.setProperty('width', `${Math.max(0, Math.min(100, (ratio ?? 0) * 100)).toFixed(1)}%`);
  const target = el('span', 'rs-bar-target');
  target.style.setProperty('left', `${(list.standard.target * 100).toFixed(1)}%`);
  target.title = `target ${formatTarget(list.standard.target)}`;
  track.append(fill, target);
  const parts = [label, track, el('span', 'rs-bar-value', value), el('span', 'rs-bar-detail', detail)];
  for (const part of parts) part.setAttribute('aria-hidden', 'true');
  // A space between the parts (the grid does not draw it): without one the bar's text ran together, "Leeds96.0 %96 /
  // 100", and its words ("Leeds96") were not the words of its label, which a voice-control user says to press it.
  bar.append(...parts.flatMap((part, i) => (i === 0 ? [part] : [' ', part])));
}

function barItem(group: GroupFigure, list: GroupBars, bands: Bands, clickable: boolean, names: SiteNames, dispatch: (action: LocalAction) => void): HTMLElement {
  const li = el('li', 'rs-bars-item');
  const bySite = list.groupBy === 'site';
  const name = group.key === null ? 'Unknown' : bySite ? siteLabel(group.key, names) : group.key;
  const band = bandFor(group.ratio, bands);
  const bar = barOf(group.key, clickable, dispatch);
  bar.dataset['band'] = band;
  const counts = `${formatCount(group.numerator)} / ${formatCount(group.denominator)}`;
  bar.setAttribute(
    'aria-label',
    `${name}: ${formatPercent(group.ratio)}, ${counts} met, ${BAND_WORDS[band]}${clickable ? `. Show only ${name}` : ''}`,
  );
  if (bySite && group.key !== null) bar.title = siteTitle(group.key);
  barParts(bar, name, group.ratio, list, formatPercent(group.ratio), counts);
  li.append(bar);
  return li;
}

/** A configured site without events in the window: "no events", not a figure (0 % would read as every call missed). */
function quietItem(site: string, list: GroupBars, names: SiteNames, dispatch: (action: LocalAction) => void): HTMLElement {
  const li = el('li', 'rs-bars-item');
  const name = siteLabel(site, names);
  const bar = barOf(site, true, dispatch);
  bar.dataset['band'] = 'none';
  bar.dataset['quiet'] = 'true';
  bar.setAttribute('aria-label', `${name}: no events in this window. Show only ${name}`);
  bar.title = siteTitle(site);
  barParts(bar, name, null, list, '—', 'no events');
  li.append(bar);
  return li;
}
