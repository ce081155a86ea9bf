// Entry point. The extension host connects to the Ringside server in the background (onStartupFinished) with
// the API key from SecretStorage, and feeds the dashboard webview, the Sites view, the status bar and alert
// notifications.
import * as vscode from 'vscode';
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
import type { RingsideTestApi } from './testApi';

/** Returns the test API (testApi.ts) only when VS Code runs the extension under test; nothing otherwise. */
export function activate(context: vscode.ExtensionContext): RingsideTestApi | undefined {
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
  registerExportHistory(context, connection, keys);

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

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return {
    view: () => ({
      connection: {
        state: connection.state,
        serverUrl: connection.serverUrl,
        error: connection.error,
        apiKey: connection.apiKey,
        lastSeq: connection.lastSeq,
        receivedSeqs: connection.receivedSeqs(),
        lastCatchUp: connection.lastCatchUpResult,
        activeAlerts: connection.activeAlerts(),
      },
      statusBar: statusBar.current,
      dashboard: { open: DashboardPanel.isOpen, summary: DashboardPanel.lastRenderedSummary, selection: DashboardPanel.lastSelection },
      sites: describeTree(tree),
      siteFetches: sites.fetchCount,
      notifications: notifications.history(),
    }),
    onDidChange: changesOf(context, [connection.onMessage, connection.onEvents, connection.onAlerts, connection.onCatchUp, sites.onDidChange, DashboardPanel.onDidChange]),
    acknowledgeAlerts: (ids) => notifications.acknowledge(ids),
    restoreDashboard: async (panel, state) => serializer.deserializeWebviewPanel(panel, state),
    dropConnection: () => connection.simulateNetworkDrop(),
  };
}

/**
 * One event for many sources, fired once after each burst: a microtask later, so every listener the extension
 * itself registered on the same source (status bar, notifications, tree) has run before a test looks.
 */
function changesOf(context: vscode.ExtensionContext, sources: ReadonlyArray<(listener: () => void) => { dispose(): void }>): vscode.Event<void> {
  const emitter = new vscode.EventEmitter<void>();
  let queued = false;
  const fire = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      emitter.fire();
    });
  };
  context.subscriptions.push(emitter, ...sources.map((source) => source(fire)));
  return emitter.event;
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (the local server is stopped with it).
}

export type { RingsideTestApi, RingsideView } from './testApi';
