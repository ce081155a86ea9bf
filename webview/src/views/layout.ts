// The page frame: a header (the skip link, brand, controls, connection), the alerts banner and the stale-data notice,
// then the page's main landmark: the key field, the waiting screen or the board, which holds what is open now, KPI tiles, compliance charts, staffing and distributions on the left, the at-risk list, sites and the live feed
// on the right.
import { el } from './dom';

export interface Layout {
  subtitle: HTMLElement;
  controls: HTMLElement;
  connection: HTMLElement;
  alerts: HTMLElement;
  stale: HTMLElement;
  /** The browser page's key field, shown while the server refuses the page for want of a key. */
  keyEntry: HTMLElement;
  empty: HTMLElement;
  board: HTMLElement;
  /** The "open now" tiles (calls waiting, visitors at the desk, complaints open). */
  open: HTMLElement;
  tiles: HTMLElement;
  charts: HTMLElement;
  distribution: HTMLElement;
  /** People needed vs. seen per hour for the selected site and standard. */
  staffing: HTMLElement;
  /** Open cases at risk or past their deadline, with countdowns. */
  atRisk: HTMLElement;
  sites: HTMLElement;
  feed: HTMLElement;
}

/** A section of the board, named for screen readers; `hidden` until a view has something to show in it. */
function region(className: string, label: string, hidden = false): HTMLElement {
  const section = el('section', className);
  section.setAttribute('aria-label', label);
  if (hidden) section.hidden = true;
  return section;
}

/**
 * The page's first stop for the keyboard, shown only while focused: past the header's filters (a dozen stops) to the
 * board. It moves the focus itself rather than by its address: the page's address after '#' may hold its key. So it
 * is no in-page link (`#board`) that tools recognise as a skip link, and it sits in the header's landmark (banner),
 * where a screen reader's list of landmarks finds it, rather than alone outside every landmark.
 */
function skipLink(board: HTMLElement): HTMLAnchorElement {
  const link = el('a', 'rs-skip', 'Skip to the figures');
  link.href = '#';
  board.tabIndex = -1; // focusable from the link, not a stop of its own
  link.addEventListener('click', (event) => {
    event.preventDefault();
    board.focus();
  });
  return link;
}

export function createLayout(root: HTMLElement): Layout {
  root.classList.add('rs-app');
  const board = el('div', 'rs-board');
  const header = el('header', 'rs-header');
  const brand = el('div', 'rs-brand');
  const subtitle = el('span', 'rs-subtitle', 'Service standards · today');
  brand.append(el('h1', 'rs-title', 'Ringside'), subtitle);
  const controls = el('nav', 'rs-controls');
  const connection = el('div', 'rs-connection');
  header.append(skipLink(board), brand, controls, connection);

  const alerts = el('section', 'rs-alerts');
  alerts.hidden = true;
  const stale = el('div', 'rs-stale');
  stale.setAttribute('role', 'status');
  stale.hidden = true;
  const keyEntry = region('rs-key', 'Key needed', true);
  const empty = el('section', 'rs-empty');
  const open = region('rs-open', 'Open now', true);
  const tiles = region('rs-tiles', 'Key figures');
  const charts = region('rs-charts', 'Compliance over time');
  const distribution = region('rs-distribution', 'Distribution');
  const staffing = region('rs-staffing', 'Staffing');
  const side = el('div', 'rs-side');
  const atRisk = region('rs-atrisk rs-panel', 'At risk now', true);
  const sites = region('rs-sites rs-panel', 'Comparison by site');
  const feed = region('rs-feed rs-panel', 'Live feed');
  side.append(atRisk, sites, feed);
  const main = el('div', 'rs-main');
  main.append(charts, staffing, distribution);
  board.append(open, tiles, main, side);

  // The page's main landmark holds whichever of the key field, the waiting screen and the board is shown: with the
  // board alone as \`main\`, a page asking for its key or waiting for its first figures had none.
  const page = el('main', 'rs-page');
  page.append(keyEntry, empty, board);
  root.replaceChildren(header, alerts, stale, page);
  return { subtitle, controls, connection, alerts, stale, keyEntry, empty, board, open, tiles, charts, distribution, staffing, atRisk, sites, feed };
}
