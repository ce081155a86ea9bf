// Entry point. The extension host connects to the Ringside server in the background (onStartupFinished) with
// the API key from SecretStorage, and feeds the dashboard webview, the Sites view, the status bar and alert
// notifications.
import * as vscode from 'vscode';
import type { RingsideApi } from './api';
import * as commands from './commands';
import { DASHBOARD_VIEW_TYPE, SITES_VIEW_ID } from './commandIds';
import { RingsideConnection } from './connection';
import { DashboardPanel } from './dashboardPanel';
import { LocalServer } from './localServer';
import { AlertNotifications } from './notifications';
import { ApiKeys, secretName } from './secrets';
import { affectsServerUrl, configuredServerUrl } from './settings';
import { describeTree, SiteFiguresSource, SitesTreeProvider } from './sitesTree';
import { RingsideStatusBar } from './statusBar';
import { registerExportHistory } from './exportHistory';

export function activate(context: vscode.ExtensionContext): RingsideApi {
  const connection = new RingsideConnection();
  DashboardPanel.memory = context.workspaceState;
  const keys = new ApiKeys(context.secrets);
  const localServer = new LocalServer();
  const output = vscode.window.createOutputChannel('Ringside');
  const statusBar = new RingsideStatusBar(connection);
  const sites = new SiteFiguresSource(connection);
  const tree = new SitesTreeProvider(sites, connection);
  const treeView = vscode.window.createTreeView(SITES_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const openDashboard = () => DashboardPanel.createOrShow(context.extensionUri, connection);
  const notifications = new AlertNotifications(connection, openDashboard);
  const updateTreeMessage = () => {
    treeView.message = tree.message();
  };
  context.subscriptions.push(
    connection,
    statusBar,
    sites,
    tree,
    treeView,
    notifications,
    localServer,
    output,
    { dispose: () => DashboardPanel.disposeCurrent() },
    connection.onMessage((message) => {
      if (message.type === 'connection') updateTreeMessage();
    }),
    sites.onDidChange(updateTreeMessage),
  );

  const connectTo = async (url: string) => connection.connect(url, await keys.get(url));
  commands.registerCommands({ context, connection, keys, localServer, sites, output, connectTo });
  registerExportHistory(context, connection, keys); // issue #6: Export Compliance History

  const serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel, state) => DashboardPanel.revive(panel, context.extensionUri, connection, state),
  };
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, serializer),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsServerUrl(event)) void connectTo(configuredServerUrl());
    }),
    keys.onDidChange((changed) => {
      // A key set (or removed) for the server we talk to, maybe from another window: reconnect with it.
      const current = connection.serverUrl;
      if (current && changed !== undefined && secretName(current).endsWith(changed)) void connectTo(current);
    }),
  );

  void connectTo(configuredServerUrl());
  updateTreeMessage();

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
    sitesTree: () => describeTree(tree),
    siteFigures: () => sites.current,
    siteFetchCount: () => sites.fetchCount,
    notifications: () => notifications.history(),
    acknowledgeAlerts: (ids) => notifications.acknowledge(ids),
    dashboardSelection: () => DashboardPanel.lastSelection,
    serializer,
    lastRestoredState: () => DashboardPanel.lastRestoredState,
    lastOpenedInBrowser: () => commands.lastOpenedInBrowser,
    localServer: () => localServer.current,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (the local server is stopped with it).
}

export type { RingsideApi } from './api';
