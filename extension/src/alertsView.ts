// The Alerts view beside the Sites view: open incidents (one per standard and site, protocol/pure/incidents.ts,
// the mapping the status bar and the dashboard's banner count with), grouped by level (Red, Amber) and then by
// site, with an inline Acknowledge on each incident and "Acknowledge All" on each group. Its badge counts the red
// incidents nobody has acknowledged. Clicking an incident opens the dashboard filtered to its site and standard.
import * as vscode from 'vscode';
import type { Standard } from '@ringside/server/protocol';
import { countIncidents, formatPercent, incidentsOf, shortLabelOf, siteName, type Incident, type IncidentCounts, type IncidentLevel } from '@ringside/server/protocol/pure';
import { SHOW_IN_DASHBOARD_COMMAND } from './commandIds';
import type { RingsideConnection } from './connection';

export type AlertNode =
  | { kind: 'level'; level: IncidentLevel; incidents: Incident[] }
  | { kind: 'site'; level: IncidentLevel; site: string | null; incidents: Incident[] }
  | { kind: 'incident'; incident: Incident };

const LEVEL_TITLE: Record<IncidentLevel, string> = { red: 'Red', amber: 'Amber' };
const LEVEL_ICON: Record<IncidentLevel, vscode.ThemeIcon> = {
  red: new vscode.ThemeIcon('error', new vscode.ThemeColor('charts.red')),
  amber: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
};

/** The alert ids "Acknowledge" / "Acknowledge All" acknowledges for a node: every unacknowledged record under it. */
export function alertIdsOf(node: AlertNode): number[] {
  const incidents = node.kind === 'incident' ? [node.incident] : node.incidents;
  return incidents.flatMap((incident) => incident.unacknowledgedIds);
}

export class AlertsTreeProvider implements vscode.TreeDataProvider<AlertNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AlertNode | undefined | void>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  private incidents: Incident[] = [];
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly connection: RingsideConnection) {
    const update = () => {
      // Empty while not connected, like the Sites view: its welcome content then says what to do.
      this.incidents = connection.state === 'connected' ? incidentsOf(connection.activeAlerts()) : [];
      this.emitter.fire();
    };
    // Connection messages too: another server clears the alerts at once (connection.ts empties them).
    this.subscriptions = [connection.onAlerts(update), connection.onMessage((m) => m.type !== 'judged' && m.type !== 'compliance' && update())];
    update();
  }

  get current(): readonly Incident[] {
    return this.incidents;
  }

  counts(): IncidentCounts {
    return countIncidents(this.incidents);
  }

  getChildren(element?: AlertNode): AlertNode[] {
    if (!element) {
      return (['red', 'amber'] as const)
        .map((level) => ({ kind: 'level' as const, level, incidents: this.incidents.filter((i) => i.level === level) }))
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
    if (node.kind === 'incident') return incidentItem(node.incident, this.connection.snapshot?.standards ?? []);
    const open = node.incidents.filter((i) => !i.acknowledged).length;
    const label = node.kind === 'level' ? LEVEL_TITLE[node.level] : siteName(node.site);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.kind === 'level' ? `level:${node.level}` : `site:${node.level}:${node.site ?? '*'}`;
    item.description = `${node.incidents.length}${open < node.incidents.length ? ` (${node.incidents.length - open} acknowledged)` : ''}`;
    item.iconPath = node.kind === 'level' ? LEVEL_ICON[node.level] : new vscode.ThemeIcon('location');
    item.contextValue = open > 0 ? 'ringside.alertGroup.open' : 'ringside.alertGroup';
    if (node.kind === 'site') item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [{ kind: 'site', site: node.site }] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

function incidentItem(incident: Incident, standards: readonly Standard[]): vscode.TreeItem {
  const label = shortLabelOf(incident.standardId, standards, incident.standardId);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `incident:${incident.key}`;
  const figure = incident.figure ? `${formatPercent(incident.figure.ratio)} over ${incident.figure.window}` : '';
  const since = `since ${new Date(incident.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  item.description = [figure, since, incident.acknowledged ? 'acknowledged' : ''].filter(Boolean).join(' · ');
  item.iconPath = incident.acknowledged ? new vscode.ThemeIcon('bell-slash') : LEVEL_ICON[incident.level];
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${LEVEL_TITLE[incident.level]}** — ${siteName(incident.site)}\n\n`);
  tooltip.appendText(incident.line);
  if (incident.details.length > 0) {
    tooltip.appendMarkdown('\n\n---\n\n');
    for (const detail of incident.details) tooltip.appendText(`${detail}\n`);
  }
  if (incident.acknowledged) tooltip.appendText(`\nAcknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}.`);
  item.tooltip = tooltip;
  item.contextValue = incident.acknowledged ? 'ringside.incident' : 'ringside.incident.open';
  item.command = { command: SHOW_IN_DASHBOARD_COMMAND, title: 'Show in Dashboard', arguments: [{ kind: 'standard', site: incident.site, standardId: incident.standardId }] };
  return item;
}

/** The view's badge: red incidents nobody acknowledged (undefined hides it). */
export function alertsBadge(counts: IncidentCounts): vscode.ViewBadge | undefined {
  const n = counts.unacknowledgedRed;
  return n > 0 ? { value: n, tooltip: `${n} unacknowledged red alert${n === 1 ? '' : 's'}` } : undefined;
}
