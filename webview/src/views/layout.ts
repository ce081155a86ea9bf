// The page frame: a header with the connection indicator, then KPI tiles, charts and the live feed.
import { el } from './dom';

export interface Layout {
  connection: HTMLElement;
  empty: HTMLElement;
  board: HTMLElement;
  tiles: HTMLElement;
  charts: HTMLElement;
  feed: HTMLElement;
}

export function createLayout(root: HTMLElement): Layout {
  root.classList.add('rs-app');
  const header = el('header', 'rs-header');
  const brand = el('div', 'rs-brand');
  brand.append(el('h1', 'rs-title', 'Ringside'), el('span', 'rs-subtitle', 'Service standards · today'));
  const connection = el('div', 'rs-connection');
  header.append(brand, connection);

  const empty = el('section', 'rs-empty');
  const board = el('main', 'rs-board');
  const tiles = el('section', 'rs-tiles');
  tiles.setAttribute('aria-label', 'Key figures');
  const charts = el('section', 'rs-charts');
  charts.setAttribute('aria-label', 'Compliance over time');
  const feed = el('section', 'rs-feed rs-panel');
  feed.setAttribute('aria-label', 'Live feed');
  board.append(tiles, charts, feed);

  root.replaceChildren(header, empty, board);
  return { connection, empty, board, tiles, charts, feed };
}
