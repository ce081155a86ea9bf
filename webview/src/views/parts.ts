// Parts several views build alike: a tile's nodes, a panel's header, and a list whose rows are reused in place.
import { el } from './dom';

export interface TileNodes {
  root: HTMLElement;
  label: HTMLElement;
  value: HTMLElement;
  detail: HTMLElement;
}

/** A tile (an article of class `rs-tile` and `className`): its label, its value and a detail line; `modifier` adds a class to value and detail. */
export function createTileNodes(className: string, label?: string, modifier?: { value: string; detail: string }): TileNodes {
  const root = el('article', `rs-tile ${className}`);
  const labelNode = el('h2', 'rs-tile-label', label);
  const value = el('div', modifier ? `rs-tile-value ${modifier.value}` : 'rs-tile-value');
  const detail = el('div', modifier ? `rs-tile-counts ${modifier.detail}` : 'rs-tile-counts');
  root.append(labelNode, value, detail);
  return { root, label: labelNode, value, detail };
}

/** A panel's header: its title, a meta line (counts, state), then `tools` (inputs, buttons). */
export function createPanelHeader(title?: string, ...tools: HTMLElement[]): { header: HTMLElement; title: HTMLElement; meta: HTMLSpanElement } {
  const header = el('header', 'rs-panel-header');
  const titleNode = el('h2', 'rs-panel-title', title);
  const meta = el('span', 'rs-panel-meta');
  header.append(titleNode, meta, ...tools);
  return { header, title: titleNode, meta };
}

/**
 * Puts `wanted` into `parent` in order, moving only rows that are new or out of place, and removes the rest:
 * re-inserting a row that is already there would restart its arrival animation (with steady traffic it would never
 * fade) and makes layout work for nothing.
 */
export function placeRows(parent: Element, wanted: readonly Element[]): void {
  wanted.forEach((row, i) => {
    const current = parent.children[i];
    if (current !== row) parent.insertBefore(row, current ?? null);
  });
  while (parent.children.length > wanted.length) parent.lastElementChild!.remove();
}
