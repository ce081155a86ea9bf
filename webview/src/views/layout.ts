// The page frame: a header (brand, controls, connection), the alerts banner and the stale-data notice,
// then what is open now, KPI tiles, compliance charts and distributions on the left, the at-risk list, sites and the live feed
// on the right.
import { el } from './dom';

export interface Layout {
  subtitle: HTMLElement;
  controls: HTMLElement;
  connection: HTMLElement;
  alerts: HTMLElement;
  stale: HTMLElement;
  empty: HTMLElement;
  board: HTMLElement;
  /** The "open now" tiles (calls waiting, visitors at the desk, complaints open). */
  open: HTMLElement;
  tiles: HTMLElement;
  charts: HTMLElement;
  distribution: HTMLElement;
  /** Open cases at risk or past their deadline, with countdowns. */
  atRisk: HTMLElement;
  sites: HTMLElement;
  feed: HTMLElement;
}

export function createLayout(root: HTMLElement): Layout {
  root.classList.add('rs-app');
  const header = el('header', 'rs-header');
  const brand = el('div', 'rs-brand');
  const subtitle = el('span', 'rs-subtitle', 'Service standards · today');
  brand.append(el('h1', 'rs-title', 'Ringside'), subtitle);
  const controls = el('nav', 'rs-controls');
  const connection = el('div', 'rs-connection');
  header.append(brand, controls, connection);

  const alerts = el('section', 'rs-alerts');
  alerts.hidden = true;
  const stale = el('div', 'rs-stale');
  stale.setAttribute('role', 'status');
  stale.hidden = true;
  const empty = el('section', 'rs-empty');
  const board = el('main', 'rs-board');
  const open = el('section', 'rs-open');
  open.setAttribute('aria-label', 'Open now');
  open.hidden = true;
  const tiles = el('section', 'rs-tiles');
  tiles.setAttribute('aria-label', 'Key figures');
  const charts = el('section', 'rs-charts');
  charts.setAttribute('aria-label', 'Compliance over time');
  const distribution = el('section', 'rs-distribution');
  distribution.setAttribute('aria-label', 'Distribution');
  const side = el('div', 'rs-side');
  const atRisk = el('section', 'rs-atrisk rs-panel');
  atRisk.setAttribute('aria-label', 'At risk now');
  atRisk.hidden = true;
  const sites = el('section', 'rs-sites rs-panel');
  sites.setAttribute('aria-label', 'Comparison by site');
  const feed = el('section', 'rs-feed rs-panel');
  feed.setAttribute('aria-label', 'Live feed');
  side.append(atRisk, sites, feed);
  const main = el('div', 'rs-main');
  main.append(charts, distribution);
  board.append(open, tiles, main, side);

  root.replaceChildren(header, alerts, stale, empty, board);
  return { subtitle, controls, connection, alerts, stale, empty, board, open, tiles, charts, distribution, atRisk, sites, feed };
}
