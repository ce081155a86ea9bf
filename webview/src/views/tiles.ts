// KPI tiles: per visible standard a large RAG tile for the chosen window (figure, numerator / denominator,
// target, error budget left), then events and misses today.
import type { Standard } from '@ringside/server/protocol';
import { bandsOf, countNoun, siteLabel } from '@ringside/server/protocol/pure';
import { notInForceWords, serverDayWords, windowFigure, windowOpen, windowRule, windowWords, visibleStandards, type Sourced, type WindowFigure } from '../derived';
import { formatCount, formatPercent, formatTarget } from '../format';
import type { DashboardState } from '../state';
import { BAND_WORDS, bandFor, errorBudget, formatBudget } from '../status';
import { el, setText } from './dom';
import { createTileNodes, type TileNodes } from './parts';

interface StandardTile extends TileNodes {
  /** The band in words beside the counts ("green"): the figure's colour is not the only sign of it. */
  band: HTMLElement;
  target: HTMLElement;
  /** Another threshold or target judged part of the window: since when the one named holds, and the ones before. */
  change: HTMLElement;
  budget: HTMLElement;
  budgetFill: HTMLElement;
  budgetText: HTMLElement;
}

function createStandardTile(standardId: string): StandardTile {
  const tile = createTileNodes('rs-tile--standard');
  tile.root.dataset['standardId'] = standardId;
  const band = el('span', 'rs-tile-band');
  tile.detail.after(band);
  const target = el('div', 'rs-tile-target');
  const change = el('div', 'rs-tile-change');
  change.hidden = true;
  const budget = el('div', 'rs-tile-budget');
  const meter = el('span', 'rs-budget-meter');
  meter.setAttribute('aria-hidden', 'true');
  const budgetFill = el('span', 'rs-budget-fill');
  meter.append(budgetFill);
  const budgetText = el('span', 'rs-budget-text');
  budget.append(meter, budgetText);
  tile.root.append(target, change, budget);
  return { ...tile, band, target, change, budget, budgetFill, budgetText };
}

function renderStandardTile(tile: StandardTile, standard: Standard, sourced: Sourced<WindowFigure>, state: DashboardState): void {
  const figure = sourced.value;
  const ratio = figure?.ratio ?? null;
  const phrase = windowWords(state, state.queries.report.data);
  const open = windowOpen(state);
  const band = bandFor(ratio, bandsOf(standard));
  tile.root.dataset['band'] = band;
  // While loading the figure reads "…": no word for it either.
  tile.band.hidden = band === 'none' || sourced.status === 'loading';
  setText(tile.band, BAND_WORDS[band]);
  tile.root.dataset['status'] = sourced.status;
  const { rule, change, name } = windowRule(state, standard);
  setText(tile.label, name);
  setText(tile.value, sourced.status === 'loading' ? '…' : formatPercent(ratio));
  const none = sourced.status === 'error' ? `Could not load: ${sourced.error ?? 'unknown error'}` : sourced.status === 'loading' ? 'Loading…' : sourced.status === 'unavailable' ? 'History is not available here' : (notInForceWords(state, standard) ?? (!open ? 'No events in this window' : `No events yet ${state.selection.window === 'today' ? 'today' : 'in this window'}`));
  setText(tile.detail, figure && figure.denominator > 0 ? `${formatCount(figure.numerator)} / ${formatCount(figure.denominator)} met` : none);
  setText(tile.target, `${rule} · ${phrase}${state.selection.site ? ` · ${siteLabel(state.selection.site, state.siteNames)}` : ''}`);
  tile.change.hidden = change === null;
  setText(tile.change, change ?? '');
  const denominator = figure?.denominator ?? 0;
  const budget = errorBudget(standard.target, figure?.numerator ?? 0, denominator);
  // Without a figure while it loads, or when it could not be loaded, nothing is known about the budget: "no events
  // yet" would contradict the "Could not load" above it.
  tile.budget.hidden = figure === null && (sourced.status === 'loading' || sourced.status === 'error' || sourced.status === 'unavailable');
  setText(tile.budgetText, formatBudget(budget, denominator, open));
  tile.budget.dataset['state'] = budget.left === null ? 'none' : budget.left >= 0.5 ? 'good' : budget.left >= 0 ? 'warn' : 'bad';
  tile.budgetFill.style.setProperty('width', `${Math.max(0, Math.min(1, budget.left ?? 0)) * 100}%`);
  tile.budget.title = budget.consumed === null ? '' : `error budget 1 − target = ${formatTarget(budget.budget)}: ${budget.misses} misses of ${budget.allowed.toFixed(1)} allowed`;
}

function createCountTile(kind: string, label: string): TileNodes {
  return createTileNodes(`rs-tile--count rs-tile--${kind}`, label);
}

export function createTilesView(container: HTMLElement): (state: DashboardState) => void {
  const tiles = new Map<string, StandardTile>();
  const events = createCountTile('events', 'Events today');
  const misses = createCountTile('misses', 'Misses today');
  let shown: Standard[] | null = null;

  return (state) => {
    const standards = visibleStandards(state);
    if (!shown || standards.length !== shown.length || standards.some((s, i) => s !== shown![i])) {
      shown = standards;
      for (const id of tiles.keys()) if (!standards.some((s) => s.id === id)) tiles.delete(id);
      for (const s of standards) if (!tiles.has(s.id)) tiles.set(s.id, createStandardTile(s.id));
      container.replaceChildren(...standards.map((s) => tiles.get(s.id)!.root), events.root, misses.root);
    }
    for (const s of standards) renderStandardTile(tiles.get(s.id)!, s, windowFigure(state, s), state);
    // Both count the server's day over all sites: where the tiles beside them count another day, they say whose.
    const day = serverDayWords(state);
    const site = state.selection.site !== null;
    const judged = countNoun(state.eventsToday, 'event judged', 'events judged');
    setText(events.detail, day ? `${judged} ${day}${site ? ' · all sites' : ''}` : `${judged}${site ? ' (all sites)' : ''}`);
    setText(events.value, formatCount(state.eventsToday));
    setText(misses.value, formatCount(state.missesToday));
    const across = site ? 'all sites, all standards' : 'across all standards';
    setText(misses.detail, day ? `${day} · ${across}` : across);
  };
}
