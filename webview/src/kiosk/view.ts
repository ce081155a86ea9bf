// The kiosk's page: the big "Visitor arrived" button, the visitors waiting with their running timers, and a status
// line saying whether everything reached the server. Plain buttons, so touch, mouse and keyboard (Tab, Enter,
// Space) all work; the timers' colours come with words ("due soon", "breached", "not counted") for those who cannot
// see them.
import { CLOCK_STATE_WORDS, formatDuration } from '@ringside/server/protocol/pure';
import type { KioskStandard } from '@ringside/server/protocol';
import { waitState, type DeskState, type WaitState } from './desk';

export interface KioskView {
  root: HTMLElement;
  render(state: DeskState): void;
  tick(state: DeskState, standards: readonly KioskStandard[], nowMs: number): void;
  setTitle(site: string, standards: readonly KioskStandard[]): void;
  setStatus(kind: 'sent' | 'pending' | 'offline' | 'refused' | 'dropped', text: string): void;
  announce(text: string): void;
  /** After `caseId` was tapped Greeted or Left: the focus to its row's stand-in while it stands, then to the next visitor. */
  focusAfterFinish(caseId: string): void;
}

export interface KioskActions {
  arrived(): void;
  finished(caseId: string, how: 'greeted' | 'left'): void;
}

// A deadline passed reads as in every other view (CLOCK_STATE_WORDS); the kiosk's other words are its own plain ones.
const STATE_WORDS: Record<WaitState, string> = { running: 'waiting', 'at-risk': 'due soon', breached: CLOCK_STATE_WORDS.breached, 'not-counted': 'not counted · arrived while closed' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function createKioskView(mount: HTMLElement, actions: KioskActions): KioskView {
  const root = el('main', 'kiosk');
  const header = el('header', 'kiosk-header');
  const title = el('h1', 'kiosk-title', 'Reception');
  const target = el('p', 'kiosk-target');
  const status = el('p', 'kiosk-status', 'Starting…');
  status.setAttribute('role', 'status');
  header.append(title, target, status);
  const arrivedButton = el('button', 'kiosk-arrived', 'Visitor arrived');
  arrivedButton.type = 'button';
  arrivedButton.addEventListener('click', () => actions.arrived());
  const waitingHeading = el('h2', 'kiosk-waiting', 'Waiting');
  const list = el('ol', 'kiosk-visitors');
  list.setAttribute('aria-labelledby', 'kiosk-waiting');
  waitingHeading.id = 'kiosk-waiting';
  const empty = el('p', 'kiosk-empty', 'No one waiting');
  const live = el('p', 'kiosk-announce');
  live.setAttribute('aria-live', 'polite');
  root.append(header, arrivedButton, waitingHeading, list, empty, live);
  mount.replaceChildren(root);
  const nextStop = () => list.querySelector<HTMLButtonElement>('button[data-action="greeted"]') ?? arrivedButton;
  list.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button');
    const row = button?.closest('li');
    const caseId = row?.dataset.case;
    const how = button?.dataset.action;
    if (!row || !caseId || (how !== 'greeted' && how !== 'left')) return;
    row.dataset.finished = how;
    actions.finished(caseId, how);
  });
  return {
    root,
    render: (state) => renderVisitors(list, empty, waitingHeading, state, nextStop),
    tick: (state, standards, nowMs) => tickTimers(list, state, standards, nowMs),
    setTitle: (site, standards) => {
      title.textContent = site;
      document.title = `${site} · Ringside kiosk`;
      const tightest = Math.min(...standards.map((s) => s.deadlineSeconds));
      target.textContent = Number.isFinite(tightest) ? `Greet within ${formatDuration(tightest)}` : '';
    },
    setStatus: (kind, text) => {
      status.dataset.state = kind;
      status.textContent = text;
    },
    announce: (text) => {
      live.textContent = text;
    },
    // The stand-in first, as it keeps the row's place for the pointer: focused on the next visitor's Greeted at once, a
    // key pressed twice (a repeat, a switch's double press) would greet that visitor too.
    focusAfterFinish: (caseId) => ([...list.querySelectorAll<HTMLElement>('li.kiosk-gone')].find((gone) => gone.dataset.gone === caseId) ?? nextStop()).focus(),
  };
}

/**
 * The rows of the waiting visitors, each kept while its visitor waits: a row replaced under a keyboard user's focus
 * (a send finishing re-renders the list) would drop the focus back to the page.
 */
function renderVisitors(list: HTMLOListElement, empty: HTMLElement, heading: HTMLElement, state: DeskState, nextStop: () => HTMLElement): void {
  const kept = new Map([...list.querySelectorAll<HTMLLIElement>('li[data-case]')].map((row) => [row.dataset.case!, row]));
  const rows = state.visitors.map((visitor) => kept.get(visitor.caseId) ?? visitorRow(visitor));
  for (const [caseId, row] of kept) {
    if (state.visitors.some((v) => v.caseId === caseId)) continue;
    if (row.dataset.finished) row.replaceWith(goneRow(row, nextStop));
    else row.remove();
  }
  const placed = () => list.querySelectorAll('li[data-case]');
  rows.forEach((row, i) => {
    const at = placed()[i];
    if (at !== row) list.insertBefore(row, at ?? null);
  });
  heading.textContent = state.visitors.length > 0 ? `Waiting (${state.visitors.length})` : 'Waiting';
  empty.hidden = state.visitors.length > 0;
}

/** How long a greeted or left visitor's row keeps its place, as a plain line saying so, before the rows below move up. */
const GONE_ROW_MS = 1_000;

/**
 * What stands in for a visitor's row tapped Greeted or Left, for a moment: the same size, with no buttons. Removed at
 * once, the row below would move up under the finger, and the second tap of a double tap (or a colleague's tap on the
 * same visitor) would greet or let go the next visitor, still waiting.
 */
function goneRow(row: HTMLLIElement, nextStop: () => HTMLElement): HTMLLIElement {
  const gone = el('li', 'kiosk-gone', `${row.querySelector('.kiosk-name')?.textContent ?? ''} · ${row.dataset.finished === 'greeted' ? 'greeted' : 'left'}`);
  gone.dataset.gone = row.dataset.case;
  // Focusable by the page alone (focusAfterFinish), not a tab stop; removed with the focus on it, the focus would fall
  // back to the page, so it goes on to the next visitor.
  gone.tabIndex = -1;
  gone.style.minHeight = `${row.getBoundingClientRect().height}px`;
  setTimeout(() => {
    const focused = gone.contains(document.activeElement);
    gone.remove();
    if (focused) nextStop().focus();
  }, GONE_ROW_MS);
  return gone;
}

function visitorRow(visitor: DeskState['visitors'][number]): HTMLLIElement {
  const row = el('li', 'kiosk-visitor');
  row.dataset.case = visitor.caseId;
  const name = `Visitor ${visitor.number}`;
  const timer = el('span', 'kiosk-timer', '0:00');
  timer.setAttribute('role', 'timer');
  const greeted = el('button', 'kiosk-greeted', 'Greeted');
  const left = el('button', 'kiosk-left', 'Left');
  for (const [button, action, label] of [[greeted, 'greeted', 'was greeted'], [left, 'left', 'left without being greeted']] as const) {
    button.type = 'button';
    button.dataset.action = action;
    button.setAttribute('aria-label', `${name} ${label}`);
  }
  row.append(el('span', 'kiosk-name', name), timer, el('span', 'kiosk-state-word'), greeted, left);
  return row;
}

function tickTimers(list: HTMLOListElement, state: DeskState, standards: readonly KioskStandard[], nowMs: number): void {
  for (const visitor of state.visitors) {
    const row = list.querySelector<HTMLLIElement>(`li[data-case="${CSS.escape(visitor.caseId)}"]`);
    if (!row) continue;
    const clockState = waitState(visitor, standards, nowMs);
    row.dataset.state = clockState;
    row.querySelector('.kiosk-timer')!.textContent = formatDuration((nowMs - Date.parse(visitor.arrivedAt)) / 1000);
    row.querySelector('.kiosk-state-word')!.textContent = STATE_WORDS[clockState];
  }
}
