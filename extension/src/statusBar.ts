// Status bar item: the worst standard right now (icon + %), a Markdown tooltip listing all; click opens the dashboard.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { OPEN_DASHBOARD_COMMAND } from './commandIds';
import { statusView, type StatusView } from './statusText';

export class RingsideStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ringside.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];
  private view: StatusView | undefined;

  constructor(private readonly connection: RingsideConnection) {
    this.item.name = 'Ringside';
    this.item.command = OPEN_DASHBOARD_COMMAND;
    // Every dashboard message can change the figure or the state, so redraw on each (cheap: a few strings).
    this.subscriptions = [connection.onMessage(() => this.update()), connection.onAlerts(() => this.update())];
    this.update();
    this.item.show();
  }

  /** What the item shows now (read by the integration tests: VS Code has no API to read status bar items). */
  get current(): StatusView | undefined {
    return this.view;
  }

  private update(): void {
    const { state, serverUrl, error, snapshot } = this.connection;
    const view = statusView({
      state,
      serverUrl,
      today: snapshot?.today,
      standards: snapshot?.standards ?? [],
      activeAlerts: this.connection.activeAlerts().length,
      ...(error !== undefined ? { error } : {}),
    });
    this.view = view;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.band === 'red' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.band === 'amber' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
