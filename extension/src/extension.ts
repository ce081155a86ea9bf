// Entry point. The extension host connects to the Ringside server in the background (onStartupFinished) with
// the API key from SecretStorage, and feeds the dashboard webview, the Sites and Alerts views, the status bar and
// alert notifications. A local server left running by an earlier window (or before a reload) is found again; with
// ringside.localServer.startAtActivation one is started.
import * as vscode from 'vscode';
import * as commands from './commands';
import { alertsBadge, AlertsTreeProvider } from './alertsView';
import {
  ALERTS_VIEW_ID,
  CONTEXT_CONNECTED,
  CONTEXT_CONNECTION,
  CONTEXT_KEY_PROBLEM,
  CONTEXT_LOCAL_SERVER_RUNNING,
  CONTEXT_NEEDS_KEY,
  CONTEXT_UNACKNOWLEDGED,
  DASHBOARD_VIEW_TYPE,
  SHOW_IN_DASHBOARD_COMMAND,
  SHOW_SELECTED_SITE_COMMAND,
  SITES_VIEW_ID,
} from './commandIds';
import { RingsideConnection } from './connection';
import { DashboardPanel } from './dashboardPanel';
import { registerExportHistory } from './exportHistory';
import { findLocalServer, LocalServer } from './localServer';
import { Messages } from './messages';
import { alertsViewDescription, keyProblemOf, sitesViewDescription } from './problems';
import { AlertNotifications } from './notifications';
import { QuickPickTracker } from './quickPicks';
import { ApiKeys, secretName } from './secrets';
import { affectsServerUrl, configuredNodePath, configuredServerUrl, localServerPort, localServerStartAtActivation } from './settings';
import { SiteFiguresSource } from './sitesSource';
import { describeTree, SitesTreeProvider } from './sitesTree';
import { RingsideStatusBar } from './statusBar';
import type { RingsideTestApi, RingsideView } from './testApi';

/** Returns the test API (testApi.ts) only when VS Code runs the extension under test; nothing otherwise. */
export function activate(context: vscode.ExtensionContext): RingsideTestApi | undefined {
  const parts = createParts(context);
  const updateViews = () => updateViewsOf(parts);
  subscribeParts(parts, updateViews);
  const serializer = registerHandlers(parts);
  void parts.connectTo(configuredServerUrl());
  updateViews();
  const dataDir = commands.localDataDir(context);
  const { localServer } = parts;
  const updateLocalServerContext = () => void vscode.commands.executeCommand('setContext', CONTEXT_LOCAL_SERVER_RUNNING, localServer.current !== undefined);
  context.subscriptions.push(localServer.onDidChange(updateLocalServerContext));
  updateLocalServerContext();
  const localServerReady = prepareLocalServer({ ...parts, dataDir });

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return testApi(parts, { serializer, dataDir, localServerReady });
}

/** Everything the extension is made of, built once at activation. */
interface Parts {
  context: vscode.ExtensionContext;
  connection: RingsideConnection;
  keys: ApiKeys;
  localServer: LocalServer;
  output: vscode.OutputChannel;
  messages: Messages;
  quickPicks: QuickPickTracker;
  sites: SiteFiguresSource;
  statusBar: RingsideStatusBar;
  tree: SitesTreeProvider;
  treeView: vscode.TreeView<unknown>;
  alerts: AlertsTreeProvider;
  alertsView: vscode.TreeView<unknown>;
  notifications: AlertNotifications;
  connectTo: (url: string) => Promise<void>;
}

function createParts(context: vscode.ExtensionContext): Parts {
  const localServer = new LocalServer();
  const connection = new RingsideConnection((url) => localServer.ran(url));
  DashboardPanel.memory = context.workspaceState;
  const keys = new ApiKeys(context.secrets);
  const messages = new Messages();
  const sites = new SiteFiguresSource(connection);
  const tree = new SitesTreeProvider(sites, {
    openClocks: () => connection.openClocks(),
    onDidChange: (listener) => connection.onMessage((m) => (m.type === 'clocks' || m.type === 'snapshot' ? listener() : undefined)),
  });
  const alerts = new AlertsTreeProvider(connection);
  const openDashboard = (selection?: { site?: string | null; standard?: string | null }) => DashboardPanel.createOrShow(context.extensionUri, connection, selection);
  return {
    context,
    connection,
    keys,
    localServer,
    output: vscode.window.createOutputChannel('Ringside'),
    messages,
    quickPicks: new QuickPickTracker(),
    sites,
    statusBar: new RingsideStatusBar(connection, sites),
    tree,
    treeView: vscode.window.createTreeView(SITES_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true }),
    alerts,
    alertsView: vscode.window.createTreeView(ALERTS_VIEW_ID, { treeDataProvider: alerts, showCollapseAll: true }),
    notifications: new AlertNotifications(connection, openDashboard, messages),
    connectTo: async (url: string) => connection.connect(url, await keys.get(url)),
  };
}

/** The views' messages, descriptions and badge, and the context keys the menus and welcome content read. */
function updateViewsOf({ connection, tree, treeView, alerts, alertsView }: Parts): void {
  // An empty tree with no message is what lets the welcome content (with its buttons) show.
  treeView.message = tree.message();
  const problem = connection.problem;
  const now = Date.now();
  treeView.description = sitesViewDescription(connection.state, connection.serverUrl, problem, connection.reconnecting, now);
  const counts = alerts.counts();
  alertsView.badge = alertsBadge(counts);
  alertsView.description = alertsViewDescription(counts.open, connection.reconnecting, now);
  void vscode.commands.executeCommand('setContext', CONTEXT_CONNECTION, connection.state);
  void vscode.commands.executeCommand('setContext', CONTEXT_CONNECTED, connection.state === 'connected');
  const keyProblem = keyProblemOf(connection.state, problem);
  void vscode.commands.executeCommand('setContext', CONTEXT_NEEDS_KEY, keyProblem !== '');
  void vscode.commands.executeCommand('setContext', CONTEXT_KEY_PROBLEM, keyProblem);
  // No Acknowledge All while reconnecting: the incidents kept are the last known, and a request can only fail.
  void vscode.commands.executeCommand('setContext', CONTEXT_UNACKNOWLEDGED, connection.reconnecting === undefined && counts.unacknowledged > 0);
}

/** Disposes every part with the extension, and updates the views whenever what they show changes. */
function subscribeParts(parts: Parts, updateViews: () => void): void {
  const { connection, sites } = parts;
  parts.context.subscriptions.push(
    { dispose: () => connection.dispose() },
    parts.statusBar,
    { dispose: () => sites.dispose() },
    parts.tree,
    parts.treeView,
    parts.alerts,
    parts.alertsView,
    parts.notifications,
    parts.messages,
    parts.output,
    { dispose: () => DashboardPanel.disposeCurrent() },
    connection.onMessage((message) => {
      if (message.type === 'connection' || message.type === 'snapshot') updateViews();
    }),
    connection.onIncidents(updateViews),
    sites.onDidChange(updateViews),
  );
}

/** Commands, the dashboard's restore after a reload, and reconnecting when the server or its key changes. */
function registerHandlers(parts: Parts): vscode.WebviewPanelSerializer {
  const { context, connection, keys, connectTo } = parts;
  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_SELECTED_SITE_COMMAND, () => {
      const node = parts.treeView.selection[0];
      if (node) void vscode.commands.executeCommand(SHOW_IN_DASHBOARD_COMMAND, node);
    }),
  );
  const worstItems = () => parts.statusBar.worst();
  commands.registerCommands({ ...parts, worstItems });
  registerExportHistory(parts);
  const serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: (panel, state) => Promise.resolve(DashboardPanel.revive(panel, context.extensionUri, connection, state)),
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
  return serializer;
}

/** What the extension's own tests read and do (testApi.ts); returned only in VS Code's test mode. */
function testApi(parts: Parts, extra: { serializer: vscode.WebviewPanelSerializer; dataDir: string; localServerReady: Promise<void> }): RingsideTestApi {
  const { context, connection, sites, notifications, messages, quickPicks, localServer } = parts;
  return {
    view: () => testView(parts),
    onDidChange: changesOf(context, [
      connection.onMessage,
      connection.onEvents,
      connection.onIncidents,
      connection.onClocks,
      connection.onCatchUp,
      sites.onDidChange,
      DashboardPanel.onDidChange,
      messages.onDidShow,
      quickPicks.onDidChange,
      localServer.onDidChange,
    ]),
    acknowledgeIncidents: async (ids) => {
      await notifications.acknowledge(ids);
    },
    respondToNotification: (id, action) => notifications.respond(id, action),
    restoreDashboard: async (panel, state) => extra.serializer.deserializeWebviewPanel(panel, state),
    dropConnection: () => connection.simulateNetworkDrop(),
    findLocalServer: () => findLocalServer(extra.dataDir),
    localServerReady: () => extra.localServerReady,
  };
}

function testView({ connection, statusBar, tree, treeView, alerts, alertsView, sites, notifications, messages, quickPicks, localServer }: Parts): RingsideView {
  return {
    connection: {
      state: connection.state,
      serverUrl: connection.serverUrl,
      error: connection.error,
      problem: connection.problem,
      reconnecting: connection.reconnecting,
      apiKey: connection.apiKey,
      lastSeq: connection.lastSeq,
      receivedSeqs: connection.receivedSeqs(),
      lastCatchUp: connection.lastCatchUpResult,
      openIncidents: connection.openIncidents(),
    },
    statusBar: statusBar.current,
    dashboard: { open: DashboardPanel.isOpen, summary: DashboardPanel.lastRenderedSummary, selection: DashboardPanel.lastSelection },
    sites: describeTree(tree),
    sitesView: { message: treeView.message, description: treeView.description },
    alerts: { rows: describeTree(alerts), counts: alerts.counts(), badge: alertsView.badge?.value ?? 0, incidents: alerts.current },
    siteFetches: sites.fetchCount,
    notifications: notifications.history(),
    messages: messages.history(),
    quickPick: quickPicks.view(),
    localServer: localServer.current,
  };
}

/**
 * At activation: a local server already running on this machine's data folder (an earlier window started it, or
 * this window before a reload) is used again, so Stop works and its key is known; with startAtActivation one is
 * started when none runs, with the last demo choice.
 */
async function prepareLocalServer(deps: {
  context: vscode.ExtensionContext;
  localServer: LocalServer;
  keys: ApiKeys;
  connectTo(url: string): Promise<void>;
  dataDir: string;
  output: vscode.OutputChannel;
  messages: Messages;
}): Promise<void> {
  const { context, localServer, dataDir, output } = deps;
  try {
    const found = await localServer.adopt(dataDir);
    if (found) {
      output.appendLine(`found the local server at ${found.url} (pid ${found.pid}) still running`);
      if (found.apiKey) await deps.keys.set(found.url, found.apiKey);
      return;
    }
    if (!localServerStartAtActivation()) return;
    const demo = context.globalState.get<boolean>(commands.DEMO_CHOICE_KEY) ?? false;
    const running = await localServer.start({ extensionPath: context.extensionPath, dataDir, nodePath: configuredNodePath(), port: localServerPort(), demo, log: (line) => output.appendLine(line) });
    await commands.useLocalServer(deps, running);
  } catch (error) {
    output.appendLine(`local server at activation: ${(error as Error).message}`);
    void deps.messages.error(`Ringside: could not start the local server at activation: ${(error as Error).message}`, 'Show Log').then((choice) => choice && output.show());
  }
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
  // Everything is in context.subscriptions; VS Code disposes it. The local server keeps running (localServer.ts).
}

export type { RingsideTestApi, RingsideView } from './testApi';
