// Status bar item: connection state, and live compliance of the call standard; a click opens the dashboard.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { OPEN_DASHBOARD_COMMAND } from './commandIds';
import { statusView, type StatusView } from './statusText';

export class RingsideStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ringside.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private view: StatusView | undefined;

  constructor(private readonly connection: RingsideConnection) {
    this.item.name = 'Ringside';
    this.item.command = OPEN_DASHBOARD_COMMAND;
    // Every dashboard message can change the figure or the state, so redraw on each (cheap: a few strings).
    this.subscription = connection.onMessage(() => this.update());
    this.update();
    this.item.show();
  }

  /** What the item shows now (read by the integration tests: VS Code has no API to read status bar items). */
  get current(): StatusView | undefined {
    return this.view;
  }

  private update(): void {
    const { state, serverUrl, error, snapshot } = this.connection;
    const view = statusView(state, serverUrl, snapshot?.today, error);
    this.view = view;
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.belowTarget ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
