// The commands: Open Dashboard, Connect to Server, Disconnect, Set API Key, Start/Stop Local Server, Open in
// Browser, the status bar's worst items, the Alerts view's Acknowledge, and the trees' item commands. Arguments
// (where a command takes any) skip the prompts: the welcome views' buttons, keybindings, other extensions and the
// integration tests use them.
import * as vscode from 'vscode';
import { isAcknowledged, parseServerAddress } from '@ringside/server/protocol/pure';
import { incidentIdsOf, type AlertNode } from './alertsView';
import type { RingsideConnection } from './connection';
import { reportConnectOutcome } from './connectOutcome';
import {
  ACKNOWLEDGE_ALERT_COMMAND,
  ACKNOWLEDGE_ALERTS_COMMAND,
  CONNECT_COMMAND,
  DISCONNECT_COMMAND,
  LOCAL_SERVER_PORT_SETTING,
  OPEN_DASHBOARD_COMMAND,
  OPEN_IN_BROWSER_COMMAND,
  REFRESH_TREE_COMMAND,
  SET_API_KEY_COMMAND,
  SHOW_IN_DASHBOARD_COMMAND,
  SHOW_STAFFING_COMMAND,
  SHOW_LOCAL_SERVER_LOG_COMMAND,
  SHOW_WORST_COMMAND,
  START_LOCAL_SERVER_COMMAND,
  STOP_LOCAL_SERVER_COMMAND,
  CONFIG_SECTION,
} from './commandIds';
import { DashboardPanel, type Selection } from './dashboardPanel';
import { openReport } from './exportHistory';
import { externalAddress } from './externalLinks';
import { LocalServerError, type LocalServer, type RunningLocalServer } from './localServer';
import type { Messages } from './messages';
import type { AcknowledgeResult, AlertNotifications } from './notifications';
import type { QuickPickTracker } from './quickPicks';
import { validateApiKey, type ApiKeys } from './secrets';
import { configuredNodePath, configuredServerUrl, legacyLocalServerDemo, localServerPort, openInBrowserIncludeKey, storeServerUrl, validateServerUrl } from './settings';
import type { WorstItem } from './worstItems';
import { worstPickView } from './statusText';
import type { SiteFiguresSource } from './sitesSource';
import type { SiteNode } from './sitesTree';

const OPEN_REPORT_COMMAND = 'ringside.openReport';
/** globalState: whether the last local server was started with demo data (offered first next time). */
export const DEMO_CHOICE_KEY = 'ringside.localServer.demoChoice';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  connection: RingsideConnection;
  keys: ApiKeys;
  localServer: LocalServer;
  sites: SiteFiguresSource;
  notifications: AlertNotifications;
  messages: Messages;
  quickPicks: QuickPickTracker;
  output: vscode.OutputChannel;
  /** The worst site × standard items now (the status bar's). */
  worstItems(): readonly WorstItem[];
  /** Connects to `url` with the key stored for it. */
  connectTo(url: string): Promise<void>;
}

export function registerCommands(deps: CommandDeps): void {
  const { context, connection } = deps;
  const open = (selection?: Selection) => DashboardPanel.createOrShow(context.extensionUri, connection, selection);
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_DASHBOARD_COMMAND, (selection?: unknown) => open(asSelection(selection))),
    vscode.commands.registerCommand(CONNECT_COMMAND, (url?: unknown) => connectToServer(deps, url)),
    vscode.commands.registerCommand(DISCONNECT_COMMAND, () => connection.disconnect()),
    vscode.commands.registerCommand(SET_API_KEY_COMMAND, (key?: unknown, serverUrl?: unknown) => setApiKey(deps, key, serverUrl)),
    vscode.commands.registerCommand(START_LOCAL_SERVER_COMMAND, (options?: unknown) => startLocalServer(deps, options)),
    vscode.commands.registerCommand(STOP_LOCAL_SERVER_COMMAND, () => stopLocalServer(deps)),
    vscode.commands.registerCommand(SHOW_LOCAL_SERVER_LOG_COMMAND, () => showLocalServerLog(deps)),
    vscode.commands.registerCommand(OPEN_IN_BROWSER_COMMAND, (node?: unknown, options?: unknown) => openInBrowser(deps, node, options)),
    vscode.commands.registerCommand(SHOW_IN_DASHBOARD_COMMAND, (node?: unknown) => open(selectionOfNode(node) ?? {})),
    vscode.commands.registerCommand(SHOW_STAFFING_COMMAND, (node?: unknown) => open(selectionOfNode(node) ?? {})),
    vscode.commands.registerCommand(REFRESH_TREE_COMMAND, () => deps.sites.refreshNow()),
    vscode.commands.registerCommand(SHOW_WORST_COMMAND, () => showWorst(deps, open)),
    vscode.commands.registerCommand(ACKNOWLEDGE_ALERT_COMMAND, (node?: unknown) => acknowledgeNode(deps, node)),
    vscode.commands.registerCommand(ACKNOWLEDGE_ALERTS_COMMAND, (node?: unknown) => acknowledgeNode(deps, node)),
    vscode.commands.registerCommand(OPEN_REPORT_COMMAND, (file?: unknown) => (file instanceof vscode.Uri ? openReport(context, file) : undefined)),
  );
}

/** A tree node (Sites or Alerts view) → the dashboard selection it stands for. */
function selectionOfNode(node: unknown): Selection | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as Partial<Pick<SiteNode, 'kind' | 'site'>> & { kind?: string; standardId?: string; incident?: { site: string | null; standardId: string } };
  if (n.kind === 'site') return { site: n.site ?? null, standard: null };
  if (n.kind === 'standard') return { site: n.site ?? null, standard: n.standardId ?? null };
  if (n.kind === 'incident' && n.incident) return { site: n.incident.site, standard: n.incident.standardId };
  return undefined;
}

function asSelection(value: unknown): Selection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return selectionOfNode(value) ?? (value);
}

/**
 * Asks for the server address (prefilled with the setting), stores it and reconnects with the key stored for it.
 * A URL passed as argument skips the prompt. When the user asked (no argument) and the server cannot be reached,
 * says so in plain words, with what to do.
 */
async function connectToServer(deps: CommandDeps, argument?: unknown): Promise<void> {
  const asked = typeof argument !== 'string';
  const given = asked ? await askForUrl() : argument;
  if (given === undefined) return;
  // The link the server prints (`…/#token=rs_…`) or the API's base (`…/api/v1`) names the server; its key goes to
  // SecretStorage like "Set API Key"'s, never into the setting with the address.
  const { serverUrl: url, key } = parseServerAddress(given);
  const problem = validateServerUrl(url) ?? (key === null ? undefined : validateApiKey(key));
  if (problem) {
    void deps.messages.error(`Ringside: ${problem}`);
    return;
  }
  if (key !== null) await deps.keys.set(url, key);
  await storeServerUrl(url);
  // The configuration listener reconnects on a changed URL; this also retries an unchanged URL that is offline.
  await deps.connectTo(url);
  if (asked) void reportOutcome(deps);
}

/** The first outcome of a connect the user asked for: nothing when it worked, one plain error with buttons when not. */
function reportOutcome(deps: CommandDeps): Promise<void> {
  return reportConnectOutcome({
    connection: deps.connection,
    showError: (text, ...actions) => deps.messages.error(text, ...actions),
    execute: (command) => vscode.commands.executeCommand(command),
  });
}

async function askForUrl(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'Ringside: Connect to Server',
    prompt: 'Address of the Ringside server (with its path prefix if it is behind a reverse proxy, e.g. https://ops.example/ringside), or the dashboard link it printed',
    value: configuredServerUrl(),
    ignoreFocusOut: true,
    validateInput: validateServerUrl,
  });
  return value?.trim();
}

/** Stores the key in SecretStorage for the server (the current one by default) and reconnects with it. */
async function setApiKey(deps: CommandDeps, argument?: unknown, serverArgument?: unknown): Promise<void> {
  const serverUrl = typeof serverArgument === 'string' ? serverArgument : deps.connection.serverUrl || configuredServerUrl();
  let key: string | undefined;
  if (typeof argument === 'string') {
    key = argument.trim();
  } else {
    key = (
      await vscode.window.showInputBox({
        title: 'Ringside: Set API Key',
        prompt: `API key for ${serverUrl} (stored in VS Code's secret storage, never in settings). Leave empty and press Enter to remove the stored key.`,
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() === '' ? undefined : validateApiKey(value)),
      })
    )?.trim();
  }
  if (key === undefined) return;
  if (key === '') {
    await deps.keys.delete(serverUrl);
    void deps.messages.info(`Ringside: removed the API key for ${serverUrl}.`);
  } else {
    const problem = validateApiKey(key);
    if (problem) {
      void deps.messages.error(`Ringside: ${problem}`);
      return;
    }
    await deps.keys.set(serverUrl, key);
  }
  await deps.connectTo(serverUrl);
  // A key the server refuses (mistyped, expired, revoked, without "read") is said once, with why and "Set API Key".
  if (key !== '') void reportOutcome(deps);
}

export function localDataDir(context: vscode.ExtensionContext): string {
  return vscode.Uri.joinPath(context.globalStorageUri, 'server').fsPath;
}

/** Demo data or empty: asked each time (the last choice first); an argument `{ demo }` skips the question. */
async function askDemo(deps: CommandDeps, options: unknown): Promise<boolean | undefined> {
  const given = typeof options === 'object' && options !== null ? (options as { demo?: unknown }).demo : undefined;
  if (typeof given === 'boolean') return given;
  const last = deps.context.globalState.get<boolean>(DEMO_CHOICE_KEY) ?? legacyLocalServerDemo() ?? true;
  type Choice = vscode.QuickPickItem & { demo: boolean };
  const demo: Choice = { demo: true, label: '$(beaker) With demo data', description: 'simulated calls and visits at three sites', detail: 'Try the dashboard, alerts and exports without any integration.' };
  const empty: Choice = { demo: false, label: '$(server-process) Empty', description: 'for your own integrations', detail: 'Integrations POST events to /api/v1/events with the admin key (the extension keeps it for you).' };
  const pick = deps.quickPicks.track(vscode.window.createQuickPick<Choice>());
  pick.title = 'Ringside: Start Local Server';
  pick.placeholder = 'Start the local server with demo data, or empty?';
  // Like the wizard's steps: the question stays when focus moves (the dashboard's webview redrawing takes it).
  pick.ignoreFocusOut = true;
  pick.items = last ? [demo, empty] : [empty, demo];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: boolean | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidAccept(() => settle(pick.activeItems[0]?.demo));
    pick.onDidHide(() => settle(undefined));
    pick.show();
  });
}

async function startLocalServer(deps: CommandDeps, options?: unknown): Promise<RunningLocalServer | undefined> {
  const demo = await askDemo(deps, options);
  if (demo === undefined) return undefined;
  await deps.context.globalState.update(DEMO_CHOICE_KEY, demo);
  const port = localServerPort();
  let running: RunningLocalServer;
  try {
    running = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Ringside: starting the local server${demo ? ' with demo data' : ''}…` },
      () =>
        deps.localServer.start({
          extensionPath: deps.context.extensionPath,
          dataDir: localDataDir(deps.context),
          nodePath: configuredNodePath(),
          port,
          demo,
          log: (line) => deps.output.appendLine(line),
        }),
    );
  } catch (error) {
    // Not awaited: the command's result must not wait for the user to answer the message.
    void reportStartFailure(deps, error, port);
    return undefined;
  }
  await useLocalServer(deps, running);
  const how = running.startedHere ? 'running' : 'already running';
  void deps.messages.info(`Ringside: local server ${how} at ${running.url}${running.demo ? ' with demo data' : ''}.`, 'Open Dashboard').then((choice) => {
    if (choice === 'Open Dashboard') void vscode.commands.executeCommand(OPEN_DASHBOARD_COMMAND);
  });
  return running;
}

/** Connects to the local server with its admin key, and makes it the configured server so a reload comes back to it. */
export async function useLocalServer(deps: Pick<CommandDeps, 'keys' | 'connectTo'>, running: RunningLocalServer): Promise<void> {
  if (running.apiKey) await deps.keys.set(running.url, running.apiKey);
  if (configuredServerUrl() !== running.url) await storeServerUrl(running.url);
  await deps.connectTo(running.url);
}

async function reportStartFailure(deps: CommandDeps, error: unknown, port: number): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  deps.output.appendLine(`could not start the local server: ${message}`);
  const changePort = 'Change Port';
  const openSettings = () => vscode.commands.executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.${LOCAL_SERVER_PORT_SETTING}`);
  if (error instanceof LocalServerError && error.problem === 'port-ringside') {
    const choice = await deps.messages.error(
      `Ringside: cannot start the local server on port ${port}: ${message}. Connect to that server, or set ringside.localServer.port to another port (0 picks a free one).`,
      'Connect to It',
      changePort,
    );
    if (choice === 'Connect to It') await vscode.commands.executeCommand(CONNECT_COMMAND, error.url);
    if (choice === changePort) await openSettings();
    return;
  }
  if (error instanceof LocalServerError && error.problem === 'port-taken') {
    const choice = await deps.messages.error(`Ringside: cannot start the local server: ${message}. Set ringside.localServer.port to a free port (0 picks one).`, changePort);
    if (choice === changePort) await openSettings();
    return;
  }
  const choice = await deps.messages.error(`Ringside: could not start the local server: ${message}`, 'Show Log');
  if (choice) deps.output.show();
}

async function stopLocalServer(deps: CommandDeps): Promise<void> {
  const stopped = await deps.localServer.stop(localDataDir(deps.context));
  if (stopped && deps.connection.serverUrl === stopped.url) deps.connection.disconnect();
  void deps.messages.info(stopped ? `Ringside: stopped the local server at ${stopped.url}.` : 'Ringside: no local server is running.');
}

async function showLocalServerLog(deps: CommandDeps): Promise<void> {
  const file = vscode.Uri.joinPath(vscode.Uri.file(localDataDir(deps.context)), 'server.log');
  await vscode.window.showTextDocument(file, { preview: true });
}

/**
 * Opens the server's dashboard page (filtered like the tree item it was invoked on). The address goes through
 * `asExternalUri`, so in a remote window (code-server, SSH, Codespaces) it is one the user's browser can reach
 * (e.g. code-server's /proxy/4870/); the page works under such a prefix. The rewrite can drop the query, so
 * `site` and `standard` are put back. The key goes into the URL (`#token=`, which the browser never sends to a
 * server and the page takes out of its address bar, keeping it for that tab) only if the user agrees or set
 * ringside.openInBrowser.includeKey to "always": the URL opened ends up in the browser's history. Returns the address
 * it opened (the command's result).
 */
async function openInBrowser(deps: CommandDeps, node?: unknown, options?: unknown): Promise<string | undefined> {
  const { connection } = deps;
  const serverUrl = connection.serverUrl || configuredServerUrl();
  const query = new URLSearchParams();
  const selection = selectionOfNode(node);
  if (selection?.site) query.set('site', selection.site);
  if (selection?.standard) query.set('standard', selection.standard);
  const key = connection.apiKey;
  let include = false;
  const forced = typeof options === 'object' && options !== null ? (options as { includeKey?: unknown }).includeKey : undefined;
  if (key && typeof forced === 'boolean') include = forced;
  else if (key) {
    const mode = openInBrowserIncludeKey();
    if (mode === 'always') include = true;
    else if (mode === 'ask') {
      const choice = await deps.messages.info(
        'Open the dashboard with your API key in the address? The page needs a key to show live data, but the address (with the key) stays in the browser history.',
        'Include Key',
        'Without Key',
      );
      if (choice === undefined) return undefined;
      include = choice === 'Include Key';
    }
  }
  const page = vscode.Uri.parse(serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  const external = await vscode.env.asExternalUri(page);
  const address = externalAddress(external.toString(true), query, include ? key : null);
  await vscode.env.openExternal(vscode.Uri.parse(address, true));
  return address;
}

/** The status bar's click: the worst site × standard items (sites by name), each opening the dashboard filtered to it (by id). */
async function showWorst(deps: CommandDeps, open: (selection: Selection) => void): Promise<Selection | undefined> {
  type Item = vscode.QuickPickItem & { selection?: Selection };
  const { connection } = deps;
  const view = worstPickView(deps.worstItems(), connection.siteNames, connection.state, connection.reconnecting, Date.now());
  const all: Item = { label: '$(pulse) Open the dashboard for all sites', selection: { site: null, standard: null } };
  const pick = deps.quickPicks.track(vscode.window.createQuickPick<Item>());
  pick.title = view.title;
  pick.placeholder = view.placeholder;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = [...view.items, { label: '', kind: vscode.QuickPickItemKind.Separator }, all];
  return new Promise((resolve) => {
    let settled = false;
    const settle = (selection: Selection | undefined) => {
      if (settled) return;
      settled = true;
      pick.dispose();
      if (selection) open(selection);
      resolve(selection);
    };
    pick.onDidAccept(() => settle(pick.activeItems[0]?.selection));
    pick.onDidHide(() => settle(undefined));
    pick.show();
  });
}

/** The Alerts view's Acknowledge (an incident) and Acknowledge All (a group, or the whole view without a node). */
async function acknowledgeNode(deps: CommandDeps, node: unknown): Promise<AcknowledgeResult | undefined> {
  const ids = isAlertNode(node) ? incidentIdsOf(node) : deps.connection.openIncidents().filter((i) => !isAcknowledged(i)).map((i) => i.id);
  if (ids.length === 0) return undefined;
  return deps.notifications.acknowledge(ids);
}

function isAlertNode(node: unknown): node is AlertNode {
  const kind = typeof node === 'object' && node !== null ? (node as { kind?: unknown }).kind : undefined;
  return kind === 'incident' || ((kind === 'level' || kind === 'site') && Array.isArray((node as { incidents?: unknown }).incidents));
}
