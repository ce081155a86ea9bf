// Status bar item: the worst site × standard, the open incidents and the open cases past a deadline (statusText.ts); a Markdown tooltip lists the
// worst items; clicking it opens a quick pick of them (ringside.showWorst), each opening the dashboard filtered to it.
import * as vscode from 'vscode';
import { countIncidents, countOpenClocks } from '@ringside/server/protocol/pure';
import type { RingsideConnection } from './connection';
import { SHOW_WORST_COMMAND } from './commandIds';
import type { SiteFiguresSource } from './sitesSource';
import { statusView, type StatusView } from './statusText';
import { worstItems, type WorstItem } from './worstItems';

export class RingsideStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ringside.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: Array<{ dispose(): void }>;
  private view: StatusView | undefined;
  private items: WorstItem[] = [];

  constructor(
    private readonly connection: RingsideConnection,
    private readonly sites: SiteFiguresSource,
  ) {
    this.item.name = 'Ringside';
    this.item.command = SHOW_WORST_COMMAND;
    // Every dashboard message can change a figure or the state, so redraw on each (cheap: a few strings).
    this.subscriptions = [connection.onMessage(() => this.update()), connection.onIncidents(() => this.update()), sites.onDidChange(() => this.update())];
    this.update();
    this.item.show();
  }

  /** What the item shows now (read by the integration tests: VS Code has no API to read status bar items). */
  get current(): StatusView | undefined {
    return this.view;
  }

  /** The worst items now, worst first (the quick pick lists them). */
  worst(): readonly WorstItem[] {
    return this.items;
  }

  private update(): void {
    const { state, serverUrl, snapshot } = this.connection;
    const connected = state === 'connected';
    // While reconnecting the last figures and incidents stay (the quick pick lists them; the views show them too).
    const shown = this.connection.showsFigures;
    const incidents = shown ? this.connection.openIncidents() : [];
    const { problem, reconnecting, siteNames } = this.connection;
    this.items = shown ? worstItems(this.sites.current, incidents, snapshot?.standards ?? [], siteNames) : [];
    const breached = connected ? countOpenClocks(this.connection.openClocks(), Date.now()).breached : 0;
    const view = statusView({ state, serverUrl, problem, items: this.items, counts: countIncidents(incidents), breached, siteNames, reconnecting });
    this.view = view;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: view.ariaLabel };
    this.item.backgroundColor =
      view.band === 'red' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.band === 'amber' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
