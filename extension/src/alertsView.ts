// The Alerts view beside the Sites view: the server's open incidents (one per standard and site), grouped by level
// (Red, Amber) and then by site, with an inline Acknowledge on each incident and "Acknowledge All" on each group. Its
// badge counts the red incidents nobody has acknowledged; the status bar and the dashboard's banner count the same
// incidents the same way (protocol/pure/incidents.ts). Each row reads its plain summary; the SRE detail (bands, burn
// rates) is in its tooltip. Clicking an incident opens the dashboard filtered to its site and standard.
import * as vscode from 'vscode';
import type { Incident } from '@ringside/server/protocol';
import { countIncidents, isAcknowledged, siteLabel, siteTitle, type IncidentCounts, type IncidentLevel } from '@ringside/server/protocol/pure';
import { SHOW_IN_DASHBOARD_COMMAND } from './commandIds';
import { clockTime } from './clockTime';
import { escapeMarkdown } from './markdown';
import type { RingsideConnection } from './connection';

export type AlertNode =
  | { kind: 'level'; level: IncidentLevel; incidents: Incident[] }
  | { kind: 'site'; level: IncidentLevel; site: string; incidents: Incident[] }
  | { kind: 'incident'; incident: Incident };

const LEVEL_TITLE: Record<IncidentLevel, string> = { red: 'Red', amber: 'Amber' };
const LEVEL_ICON: Record<IncidentLevel, vscode.ThemeIcon> = {
  red: new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red')),
  amber: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
};

/** The incidents "Acknowledge" / "Acknowledge All" acknowledges for a node: every unacknowledged one under it. */
export function incidentIdsOf(node: AlertNode): number[] {
  const incidents = node.kind === 'incident' ? [node.incident] : node.incidents;
  return incidents.filter((i) => !isAcknowledged(i)).map((i) => i.id);
}

/** "84.1 % answered within 2 rings in the last hour — target 90 %": the summary without the place it names. */
function summaryFigure(incident: Incident): string {
  const colon = incident.summary.indexOf(': ');
  return colon < 0 ? incident.summary : incident.summary.slice(colon + 2);
}

export class AlertsTreeProvider implements vscode.TreeDataProvider<AlertNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AlertNode | undefined | void>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  private incidents: Incident[] = [];
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly connection: RingsideConnection) {
    const update = () => {
      // Empty while not connected, like the Sites view: its welcome content then says what to do. While reconnecting
      // after a loss, the last known incidents stay (the Sites view keeps its figures, the status bar counts them).
      this.incidents = connection.showsFigures ? connection.openIncidents() : [];
      this.emitter.fire();
    };
    // Connection messages too: another server clears the incidents at once (connection.ts empties them).
    this.subscriptions = [connection.onIncidents(update), connection.onMessage((m) => m.type === 'connection' && update())];
    update();
  }

  get current(): readonly Incident[] {
    return this.incidents;
  }

  /**
   * Whether its Acknowledge actions show (package.json's `viewItem == ….open`): not while reconnecting, when the
   * incidents are the last known and a request can only fail (problems.ts cannotAcknowledge).
   */
  private get acknowledgeable(): boolean {
    return this.connection.reconnecting === undefined;
  }

  counts(): IncidentCounts {
    return countIncidents(this.incidents);
  }

  getChildren(element?: AlertNode): AlertNode[] {
    if (!element) {
      return (['red', 'amber'] as const)
        .map((level) => ({ kind: 'level' as const, level, incidents: this.incidents.filter((i) => i.severity === level) }))
        .filter((node) => node.incidents.length > 0);
    }
    if (element.kind === 'level') {
      const sites = [...new Set(element.incidents.map((i) => i.site))];
      return sites.map((site) => ({ kind: 'site', level: element.level, site, incidents: element.incidents.filter((i) => i.site === site) }));
    }
    if (element.kind === 'site') return element.incidents.map((incident) => ({ kind: 'incident', incident }));
    return [];
  }

  getTreeItem(node: AlertNode): vscode.TreeItem {
    if (node.kind === 'incident') return incidentItem(node.incident, this.acknowledgeable);
    const open = node.incidents.filter((i) => !isAcknowledged(i)).length;
    // A site group is named as every other view names the site (the connection's names, which its incidents' siteName
    // feed): a site renamed since its incident last changed reads as the Sites view and the dashboard read it.
    const label = node.kind === 'level' ? LEVEL_TITLE[node.level] : siteLabel(node.site, this.connection.siteNames);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.kind === 'level' ? `level:${node.level}` : `site:${node.level}:${node.site}`;
    item.description = `${node.incidents.length}${open < node.incidents.length ? ` (${node.incidents.length - open} acknowledged)` : ''}`;
    item.iconPath = node.kind === 'level' ? LEVEL_ICON[node.level] : new vscode.ThemeIcon('location');
    item.contextValue = open > 0 && this.acknowledgeable ? 'ringside.alertGroup.open' : 'ringside.alertGroup';
    if (node.kind === 'site') {
      item.tooltip = siteTitle(node.site);
      item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [{ kind: 'site', site: node.site }] };
    }
    return item;
  }

  /**
   * An incident's tooltip (its SRE detail, Markdown), made when the pointer rests on it. VS Code parses a Markdown
   * tooltip whenever it is handed one: given with every row, a view of 600 open incidents redrawn on each incident
   * change parsed all 600 each time, most of the extension host's work with a large estate.
   */
  resolveTreeItem(item: vscode.TreeItem, node: AlertNode): vscode.TreeItem {
    if (node.kind === 'incident') item.tooltip = incidentTooltip(node.incident);
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

function incidentItem(incident: Incident, acknowledgeable: boolean): vscode.TreeItem {
  const acknowledged = isAcknowledged(incident);
  const item = new vscode.TreeItem(incident.standardLabel, vscode.TreeItemCollapsibleState.None);
  item.id = `incident:${incident.id}`;
  const since = `since ${clockTime(incident.openedAt, Date.now())}`;
  item.description = [summaryFigure(incident), since, acknowledged ? 'acknowledged' : ''].filter(Boolean).join(' · ');
  item.iconPath = acknowledged ? new vscode.ThemeIcon('bell-slash') : LEVEL_ICON[incident.severity];
  // No tooltip here: resolveTreeItem gives it on hover (incidentTooltip).
  item.contextValue = acknowledged || !acknowledgeable ? 'ringside.incident' : 'ringside.incident.open';
  item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [{ kind: 'standard', site: incident.site, standardId: incident.standardId }] };
  return item;
}

function incidentTooltip(incident: Incident): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString(undefined, true);
  // The site's name comes from the server: escaped as the other tooltips escape it (markdown.ts).
  tooltip.appendMarkdown(`**${LEVEL_TITLE[incident.severity]}** — ${escapeMarkdown(incident.siteName)}\n\n`);
  tooltip.appendText(incident.summary);
  tooltip.appendMarkdown('\n\n---\n\n');
  for (const line of incident.detail.lines) tooltip.appendText(`${line}\n`);
  if (isAcknowledged(incident)) tooltip.appendText(`\nAcknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}.`);
  return tooltip;
}

/** The view's badge: red incidents nobody acknowledged (undefined hides it). */
export function alertsBadge(counts: IncidentCounts): vscode.ViewBadge | undefined {
  const n = counts.unacknowledgedRed;
  return n > 0 ? { value: n, tooltip: `${n} unacknowledged red incident${n === 1 ? '' : 's'}` } : undefined;
}
