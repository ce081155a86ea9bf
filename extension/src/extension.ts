// Entry point. The extension host connects to the Ringside server in the background (onStartupFinished)
// and relays live data to the dashboard webview and the status bar.
import * as vscode from 'vscode';
import type { RingsideApi } from './api';
import { registerCommands } from './commands';
import { DASHBOARD_VIEW_TYPE } from './commandIds';
import { RingsideConnection } from './connection';
import { DashboardPanel } from './dashboardPanel';
import { affectsServerUrl, configuredServerUrl } from './settings';
import { RingsideStatusBar } from './statusBar';

export function activate(context: vscode.ExtensionContext): RingsideApi {
  const connection = new RingsideConnection();
  const statusBar = new RingsideStatusBar(connection);
  context.subscriptions.push(connection, statusBar, { dispose: () => DashboardPanel.disposeCurrent() });

  registerCommands(context, connection);
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => DashboardPanel.revive(panel, context.extensionUri, connection),
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsServerUrl(event)) connection.connect(configuredServerUrl());
    }),
  );

  connection.connect(configuredServerUrl());

  return {
    connection,
    lastRenderedSummary: () => DashboardPanel.lastRenderedSummary,
    onDidRender: (listener, thisArgs?, disposables?) => {
      const subscription = DashboardPanel.onDidRender(thisArgs ? listener.bind(thisArgs) : listener);
      disposables?.push(subscription);
      return subscription;
    },
    isDashboardOpen: () => DashboardPanel.isOpen,
    statusBar: () => statusBar.current,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it.
}

export type { RingsideApi } from './api';
