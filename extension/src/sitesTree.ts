// The "Ringside" activity-bar view: sites → standards, each with its RAG icon and today's figure. Data comes
// over HTTP (`GET /api/v1/compliance?groupBy=site`, with the API key) on every (re)connect and again after live
// compliance updates, at most once a second. Clicking an item opens the dashboard filtered to it.
import * as vscode from 'vscode';
import type { Band } from '@ringside/server/protocol';
import { formatPercent } from '@ringside/server/protocol/pure';
import type { RingsideConnection } from './connection';
import { SHOW_IN_DASHBOARD_COMMAND } from './commandIds';
import { fetchComplianceBySite, fetchComplianceForSite } from './httpApi';
import { Listeners } from './listeners';
import { figureText, sitesFromGroupedReport, sitesFromPerSiteReports, type SiteFigures, type StandardFigure } from './siteModel';

export const REFRESH_INTERVAL_MS = 1_000;

/** What a tree node stands for; also the argument of the item's commands (click, context menu). */
export type SiteNode = { kind: 'site'; site: string | null; figures: SiteFigures } | { kind: 'standard'; site: string | null; standardId: string; figure: StandardFigure };

/** Keeps the per-site figures current: fetch on snapshot, re-fetch (throttled) on compliance updates. */
export class SiteFiguresSource implements vscode.Disposable {
  private figures: SiteFigures[] = [];
  private problem: string | undefined;
  private inFlight = false;
  private dirty = false;
  private lastFetch = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly changes = new Listeners<void>();
  private readonly sitesSeen = new Set<string>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  /** How many fetches were made (tests check the throttle). */
  fetchCount = 0;

  readonly onDidChange = this.changes.event;

  constructor(private readonly connection: RingsideConnection) {
    this.subscriptions = [
      connection.onMessage((message) => {
        if (message.type === 'snapshot') {
          for (const judged of message.snapshot.recent) this.sitesSeen.add(judged.event.site);
          this.refreshNow();
        } else if (message.type === 'compliance') {
          this.schedule();
        } else if (message.type === 'judged') {
          for (const judged of message.events) this.sitesSeen.add(judged.event.site);
        } else if (message.type === 'connection' && message.state !== 'connected') {
          this.changes.fire();
        }
      }),
    ];
  }

  get current(): SiteFigures[] {
    return this.figures;
  }

  get error(): string | undefined {
    return this.problem;
  }

  /** Fetch as soon as the throttle allows. */
  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFetch + REFRESH_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow();
    }, wait);
  }

  refreshNow(): void {
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    if (this.connection.state !== 'connected') return;
    this.inFlight = true;
    this.lastFetch = Date.now();
    this.fetchCount += 1;
    void this.load()
      .then(
        (figures) => {
          this.figures = figures;
          this.problem = undefined;
        },
        (error: unknown) => {
          this.problem = (error as Error).message;
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.changes.fire();
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  private async load(): Promise<SiteFigures[]> {
    const { serverUrl, apiKey } = this.connection;
    const standards = this.connection.snapshot?.standards ?? [];
    const report = await fetchComplianceBySite(serverUrl, apiKey);
    if (report.groupBy === 'site' || report.standards.some((s) => s.groups !== undefined)) return sitesFromGroupedReport(report, standards);
    // An older server without groupBy: one request per site seen in the live data.
    const perSite = new Map(await Promise.all([...this.sitesSeen].map(async (site) => [site, await fetchComplianceForSite(serverUrl, apiKey, site)] as const)));
    return sitesFromPerSiteReports(report, perSite, standards);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changes.clear();
  }
}

const BAND_COLOUR: Record<Band, string> = { green: 'charts.green', amber: 'charts.yellow', red: 'charts.red' };
/**
 * A different shape per band, not only a colour: readable without colour vision, and VS Code re-renders a tree
 * row's icon when its id changes (a refresh that only changes a ThemeIcon's colour can leave the old colour).
 */
const BAND_SHAPE: Record<Band, string> = { green: 'pass-filled', amber: 'warning', red: 'error' };

export function bandIcon(band: Band | null): vscode.ThemeIcon {
  return band ? new vscode.ThemeIcon(BAND_SHAPE[band], new vscode.ThemeColor(BAND_COLOUR[band])) : new vscode.ThemeIcon('circle-outline');
}

export class SitesTreeProvider implements vscode.TreeDataProvider<SiteNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SiteNode | undefined | void>();
  private readonly subscription: { dispose(): void };
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly source: SiteFiguresSource,
    private readonly connection: RingsideConnection,
  ) {
    this.subscription = source.onDidChange(() => this.emitter.fire());
  }

  /** Shown above the tree when there is nothing to list (offline, no key, no data). */
  message(): string | undefined {
    const { state, error } = this.connection;
    if (state === 'disconnected') {
      return error && /unauthori[sz]ed|forbidden/i.test(error)
        ? 'The server needs an API key: run "Ringside: Set API Key" (or "Ringside: Start Local Server").'
        : `Not connected${error ? ` (${error})` : ''}. Run "Ringside: Connect to Server" or "Ringside: Start Local Server".`;
    }
    if (state === 'connecting') return 'Connecting…';
    if (this.source.error) return `Could not load the figures: ${this.source.error}`;
    return undefined;
  }

  getChildren(element?: SiteNode): SiteNode[] {
    if (this.connection.state !== 'connected') return [];
    if (!element) return this.source.current.map((figures) => ({ kind: 'site', site: figures.site, figures }));
    if (element.kind === 'site') {
      return element.figures.standards.map((figure) => ({ kind: 'standard', site: element.site, standardId: figure.standardId, figure }));
    }
    return [];
  }

  getTreeItem(node: SiteNode): vscode.TreeItem {
    if (node.kind === 'site') {
      const label = node.site ?? 'All sites';
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `site:${node.site ?? '*'}`;
      item.iconPath = bandIcon(node.figures.band);
      const counted = node.figures.standards.filter((f) => f.ratio !== null);
      const worst = [...counted].sort((a, b) => (a.ratio! - a.target) - (b.ratio! - b.target))[0];
      item.description = worst ? `worst ${formatPercent(worst.ratio)}` : 'nothing counted today';
      item.tooltip = new vscode.MarkdownString(
        [`**${label}** — today`, '', ...node.figures.standards.map((f) => `- ${f.standardName}: ${figureText(f)}, target ${formatPercent(f.target)}`)].join('\n'),
      );
      item.contextValue = 'ringside.site';
      item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [node] };
      return item;
    }
    const { figure } = node;
    const item = new vscode.TreeItem(figure.standardName, vscode.TreeItemCollapsibleState.None);
    item.id = `standard:${node.site ?? '*'}:${figure.standardId}`;
    item.iconPath = bandIcon(figure.band);
    item.description = figureText(figure);
    item.tooltip = new vscode.MarkdownString(
      `**${figure.standardName}** at ${node.site ?? 'all sites'} — today\n\n${figureText(figure)}, target ${formatPercent(figure.target)}${figure.band ? `, ${figure.band}` : ''}`,
    );
    item.contextValue = 'ringside.standard';
    item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [node] };
    return item;
  }

  refresh(): void {
    this.emitter.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** Plain data of what the tree shows, for tests and diagnostics. */
export interface TreeRow {
  label: string;
  description: string;
  icon: string;
  colour: string | null;
  children: TreeRow[];
}

export function describeTree(provider: SitesTreeProvider): TreeRow[] {
  const row = (node: SiteNode): TreeRow => {
    const item = provider.getTreeItem(node);
    const icon = item.iconPath as vscode.ThemeIcon;
    return {
      label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      description: typeof item.description === 'string' ? item.description : '',
      icon: icon.id,
      colour: icon.color?.id ?? null,
      children: provider.getChildren(node).map(row),
    };
  };
  return provider.getChildren().map(row);
}
