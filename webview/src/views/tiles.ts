// KPI tiles: compliance today per standard (banded against its target), then events and misses today.
import type { ComplianceFigure, Standard } from '@ringside/server/protocol';
import { formatCount, formatPercent, formatTarget, formatThreshold } from '../format';
import type { DashboardState } from '../state';
import { bandFor } from '../status';
import { el, setText } from './dom';

interface StandardTile {
  root: HTMLElement;
  name: HTMLElement;
  value: HTMLElement;
  counts: HTMLElement;
  target: HTMLElement;
}

interface CountTile {
  root: HTMLElement;
  value: HTMLElement;
  detail: HTMLElement;
}

function createStandardTile(standardId: string): StandardTile {
  const root = el('article', 'rs-tile rs-tile--standard');
  root.dataset['standardId'] = standardId;
  const name = el('h2', 'rs-tile-label');
  const value = el('div', 'rs-tile-value');
  const counts = el('div', 'rs-tile-counts');
  const target = el('div', 'rs-tile-target');
  root.append(name, value, counts, target);
  return { root, name, value, counts, target };
}

function renderStandardTile(tile: StandardTile, standard: Standard, figure: ComplianceFigure | undefined): void {
  const ratio = figure?.ratio ?? null;
  tile.root.dataset['band'] = bandFor(ratio, standard.target);
  setText(tile.name, standard.name);
  setText(tile.value, formatPercent(ratio));
  setText(tile.counts, figure && figure.total > 0 ? `${formatCount(figure.met)} / ${formatCount(figure.total)} met` : 'No events yet today');
  setText(tile.target, `target ${formatTarget(standard.target)} · ${formatThreshold(standard)} · today`);
}

function createCountTile(kind: string, label: string): CountTile {
  const root = el('article', `rs-tile rs-tile--count rs-tile--${kind}`);
  const value = el('div', 'rs-tile-value');
  const detail = el('div', 'rs-tile-counts');
  root.append(el('h2', 'rs-tile-label', label), value, detail);
  return { root, value, detail };
}

export function createTilesView(container: HTMLElement): (state: DashboardState) => void {
  const tiles = new Map<string, StandardTile>();
  const events = createCountTile('events', 'Events today');
  const misses = createCountTile('misses', 'Misses today');
  let standards: Standard[] | null = null;

  return (state) => {
    if (state.standards !== standards) {
      standards = state.standards;
      for (const id of tiles.keys()) if (!state.standards.some((s) => s.id === id)) tiles.delete(id);
      for (const s of state.standards) if (!tiles.has(s.id)) tiles.set(s.id, createStandardTile(s.id));
      container.replaceChildren(...state.standards.map((s) => tiles.get(s.id)!.root), events.root, misses.root);
    }
    for (const s of state.standards) renderStandardTile(tiles.get(s.id)!, s, state.today[s.id]);
    setText(events.value, formatCount(state.eventsToday));
    setText(events.detail, state.eventsToday === 1 ? 'call or visit judged' : 'calls and visits judged');
    setText(misses.value, formatCount(state.missesToday));
    setText(misses.detail, 'across all standards');
  };
}
