// Status bar item: the worst site × standard, the open incidents and the open cases past a deadline (statusText.ts); a Markdown tooltip lists the
// worst items; clicking it opens a quick pick of them (ringside.showWorst), each opening the dashboard filtered to it.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { SHOW_WORST_COMMAND } from './commandIds';
import type { SiteFiguresSource } from './sitesSource';
import { StatusModel } from './statusModel';
import type { StatusView } from './statusText';
import type { WorstItem } from './worstItems';

export class RingsideStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ringside.status', vscode.StatusBarAlignment.Left, 50);
  private readonly model: StatusModel;
  private readonly subscription: { dispose(): void };

  constructor(connection: RingsideConnection, sites: SiteFiguresSource) {
    this.item.name = 'Ringside';
    this.item.command = SHOW_WORST_COMMAND;
    // The model says when what it shows changed: the item is set only then (VS Code parses a tooltip set anew).
    this.model = new StatusModel(connection, sites);
    this.subscription = this.model.onDidChange(() => this.draw());
    this.draw();
    this.item.show();
  }

  /** What the item shows now (read by the integration tests: VS Code has no API to read status bar items). */
  get current(): StatusView | undefined {
    return this.model.current;
  }

  /** The worst items now, worst first (the quick pick lists them). */
  worst(): readonly WorstItem[] {
    return this.model.worst();
  }

  private draw(): void {
    const view = this.model.current;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    tooltip.isTrusted = false;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: view.ariaLabel };
    this.item.backgroundColor =
      view.band === 'red' ? new vscode.ThemeColor('statusBarItem.errorBackground') : view.band === 'amber' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.model.dispose();
    this.item.dispose();
  }
}
