// The Sites view in the Ringside activity-bar container: sites → standards, figure first ("85.7 % · Calls ≤ 2
// rings", the full name in the tooltip), each with a band icon that differs in shape as well as colour. Data from
// SiteFiguresSource (live "All sites", per-site fetches on live messages). Empty while not connected and with no
// `message`, so the view's welcome content (package.json viewsWelcome: buttons to start the local server with demo
// data, connect, set a key) shows. Clicking an item opens the dashboard filtered to it. A site with open cases says
// how many ("3 open · 1 at risk · 1 breached") after its worst figure. A site is named as the dashboard names it:
// its display name, or its id when it has none (siteLabel), with the id in the tooltip (filters and exports use it).
import * as vscode from 'vscode';
import type { Band, OpenClock } from '@ringside/server/protocol';
import type { SiteNames } from '@ringside/server/protocol/pure';
import { SHOW_SELECTED_SITE_COMMAND } from './commandIds';
import { countsText, margin, openCasesText, openClocksAt, opensShowingStandards, percentText, siteRowName, siteTooltipMarkdown, standardTooltipMarkdown, type SiteFigures, type StandardFigure } from './siteModel';
import type { SiteFiguresSource } from './sitesSource';

/** What a tree node stands for; also the argument of the item's commands (click, context menu). */
export type SiteNode = { kind: 'site'; site: string | null; figures: SiteFigures } | { kind: 'standard'; site: string | null; standardId: string; figure: StandardFigure };

const BAND_COLOUR: Record<Band, string> = { green: 'charts.green', amber: 'charts.yellow', red: 'charts.red' };
/**
 * A different shape per band, not only a colour: readable without colour vision, and VS Code re-renders a tree
 * row's icon when its id changes (a refresh that only changes a ThemeIcon's colour can leave the old colour).
 */
const BAND_SHAPE: Record<Band, string> = { green: 'pass-filled', amber: 'warning', red: 'error' };

function bandIcon(band: Band | null): vscode.ThemeIcon {
  return band ? new vscode.ThemeIcon(BAND_SHAPE[band], new vscode.ThemeColor(BAND_COLOUR[band])) : new vscode.ThemeIcon('circle-outline');
}

/** "85.7 % · Calls ≤ 2 rings": the figure first, so a narrow view still shows it. */
function standardRowLabel(figure: StandardFigure): string {
  return `${percentText(figure)} · ${figure.label}`;
}

/** The standard furthest below (or least above) its target at a site. */
function worstOf(figures: SiteFigures): StandardFigure | undefined {
  return figures.standards.filter((f) => f.ratio !== null).sort((a, b) => margin(a)! - margin(b)!)[0];
}

/**
 * The tree is redrawn at most this often. A live demo changes "All sites" several times a second; redrawing every
 * row that often makes the rows flicker and can swallow a click that lands while a row is being replaced.
 */
const TREE_REDRAW_INTERVAL_MS = 1_000;

export class SitesTreeProvider implements vscode.TreeDataProvider<SiteNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SiteNode | undefined | void>();
  private readonly subscription: { dispose(): void };
  /** What the tree last drew, so a change that alters nothing visible redraws nothing. */
  private drawn = '';
  private lastRedraw = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly onDidChangeTreeData = this.emitter.event;

  private readonly clockSubscription: { dispose(): void } | undefined;

  constructor(
    private readonly source: SiteFiguresSource,
    private readonly clocks?: OpenClocksSource,
  ) {
    this.subscription = source.onDidChange(() => this.scheduleRedraw());
    this.clockSubscription = clocks?.onDidChange(() => this.scheduleRedraw());
  }

  /** Leading and trailing: the first change draws at once, later ones within the interval draw once at its end. */
  private scheduleRedraw(): void {
    if (this.timer || this.visibleState() === this.drawn) return;
    const wait = Math.max(0, this.lastRedraw + TREE_REDRAW_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.redrawIfChanged();
    }, wait);
  }

  private redrawIfChanged(): void {
    const state = this.visibleState();
    if (state === this.drawn) return;
    this.drawn = state;
    this.lastRedraw = Date.now();
    this.emitter.fire();
  }

  private visibleState(): string {
    // The names too: a site renamed on the server changes its row's label, not its figures.
    return JSON.stringify([this.source.current, this.source.error ?? null, this.clocks?.openClocks() ?? [], [...this.source.siteNames]]);
  }

  /**
   * Shown above the tree only when it has rows to show it with (connected, the per-site figures failed): an empty
   * tree with a message would hide the welcome buttons.
   */
  message(): string | undefined {
    if (this.source.current.length === 0) return undefined;
    return this.source.error ? `Could not load the per-site figures: ${this.source.error}` : undefined;
  }

  getChildren(element?: SiteNode): SiteNode[] {
    if (!element) return this.source.current.map((figures) => ({ kind: 'site', site: figures.site, figures }));
    if (element.kind === 'site') {
      return element.figures.standards.map((figure) => ({ kind: 'standard', site: element.site, standardId: figure.standardId, figure }));
    }
    return [];
  }

  getTreeItem(node: SiteNode): vscode.TreeItem {
    const names = this.source.siteNames;
    if (node.kind === 'standard') return standardItem(node.site, node.figure, names);
    const open = opensShowingStandards(node.site, this.source.perSite.length);
    return siteItem(node, openClocksAt(this.clocks?.openClocks() ?? [], node.site), names, open);
  }

  refresh(): void {
    this.drawn = this.visibleState();
    this.emitter.fire();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.clockSubscription?.dispose();
    this.emitter.dispose();
  }
}

/** Where the tree reads the open cases from (the live connection), and when they change. */
export interface OpenClocksSource {
  openClocks(): OpenClock[];
  onDidChange(listener: () => void): { dispose(): void };
}

function siteItem(node: Extract<SiteNode, { kind: 'site' }>, clocks: readonly OpenClock[], names: SiteNames, showStandards: boolean): vscode.TreeItem {
  const label = siteRowName(node.site, names);
  const item = new vscode.TreeItem(label, showStandards ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `site:${node.site ?? '*'}`;
  item.iconPath = bandIcon(node.figures.band);
  const worst = worstOf(node.figures);
  const open = openCasesText(clocks, Date.now());
  item.description = `${worst ? `${percentText(worst)} · ${worst.label}` : 'nothing counted today'}${open ? ` · ${open}` : ''}`;
  // Names come from the server: escaped, so a `*` or `[` in one shows as typed (siteModel.ts).
  // Given with the row, not on hover (resolveTreeItem): this view redraws every second while live, and a tooltip
  // resolved on hover did not show over a row redrawn meanwhile (code-server 4.100.3).
  item.tooltip = new vscode.MarkdownString(siteTooltipMarkdown(node.site, label, node.figures, open));
  item.contextValue = 'ringside.site';
  item.command = { command: SHOW_SELECTED_SITE_COMMAND, title: 'Show in Dashboard' };
  return item;
}

function standardItem(site: string | null, figure: StandardFigure, names: SiteNames): vscode.TreeItem {
  const item = new vscode.TreeItem(standardRowLabel(figure), vscode.TreeItemCollapsibleState.None);
  item.id = `standard:${site ?? '*'}:${figure.standardId}`;
  item.iconPath = bandIcon(figure.band);
  item.description = countsText(figure);
  const where = site === null ? 'all sites' : siteRowName(site, names);
  item.tooltip = new vscode.MarkdownString(standardTooltipMarkdown(site, where, figure));
  item.contextValue = 'ringside.standard';
  item.command = { command: SHOW_SELECTED_SITE_COMMAND, title: 'Show in Dashboard' };
  return item;
}

/** Plain data of what a tree shows, for tests and diagnostics. */
export interface TreeRow {
  label: string;
  description: string;
  /** The tooltip's text (Markdown source for a MarkdownString), when the item has one (after hovering). */
  tooltip?: string;
  /** Set when the row hands VS Code a Markdown tooltip on every redraw rather than on hover. */
  markdownOnRedraw?: true;
  icon: string;
  colour: string | null;
  contextValue?: string;
  /** Whether the row opens showing its children (true), closed (false); absent for a row without children. */
  expanded?: boolean;
  children: TreeRow[];
}

/** A tree provider that answers synchronously (both of ours do), its tooltips given on hover. */
export interface SyncTreeProvider<T> {
  getTreeItem(element: T): vscode.TreeItem;
  getChildren(element?: T): T[];
  resolveTreeItem?(item: vscode.TreeItem, element: T): vscode.TreeItem;
}

export function describeTree<T>(provider: SyncTreeProvider<T>): TreeRow[] {
  const row = (node: T): TreeRow => {
    const drawn = provider.getTreeItem(node);
    // What a redraw hands VS Code has no Markdown tooltip (it would be parsed on every redraw); hovering gives it.
    const markdownOnRedraw = drawn.tooltip !== undefined && typeof drawn.tooltip !== 'string';
    const item = provider.resolveTreeItem?.(drawn, node) ?? drawn;
    const icon = item.iconPath as vscode.ThemeIcon | undefined;
    const tooltip = typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value;
    return {
      label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      description: typeof item.description === 'string' ? item.description : '',
      ...(tooltip !== undefined ? { tooltip } : {}),
      ...(markdownOnRedraw ? { markdownOnRedraw } : {}),
      icon: icon?.id ?? '',
      colour: icon?.color?.id ?? null,
      ...(item.contextValue ? { contextValue: item.contextValue } : {}),
      ...(item.collapsibleState === vscode.TreeItemCollapsibleState.None || item.collapsibleState === undefined
        ? {}
        : { expanded: item.collapsibleState === vscode.TreeItemCollapsibleState.Expanded }),
      children: provider.getChildren(node).map(row),
    };
  };
  return provider.getChildren().map(row);
}
