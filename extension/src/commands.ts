// The commands: Open Dashboard, Connect to Server, Disconnect, Set API Key, Start/Stop Local Server, Open in
// Browser, and the tree's item commands. Arguments (where a command takes any) skip the prompts: keybindings,
// other extensions and the integration tests use them.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import {
  CONNECT_COMMAND,
  DISCONNECT_COMMAND,
  OPEN_DASHBOARD_COMMAND,
  OPEN_IN_BROWSER_COMMAND,
  REFRESH_TREE_COMMAND,
  SET_API_KEY_COMMAND,
  SHOW_IN_DASHBOARD_COMMAND,
  START_LOCAL_SERVER_COMMAND,
  STOP_LOCAL_SERVER_COMMAND,
} from './commandIds';
import { DashboardPanel, type Selection } from './dashboardPanel';
import { LocalServer, LocalServerError, type RunningLocalServer } from './localServer';
import { validateApiKey, type ApiKeys } from './secrets';
import {
  configuredNodePath,
  configuredServerUrl,
  localServerDemo,
  localServerPort,
  openInBrowserIncludeKey,
  storeServerUrl,
  validateServerUrl,
} from './settings';
import type { SiteFiguresSource, SiteNode } from './sitesTree';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  connection: RingsideConnection;
  keys: ApiKeys;
  localServer: LocalServer;
  sites: SiteFiguresSource;
  output: vscode.OutputChannel;
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
    vscode.commands.registerCommand(START_LOCAL_SERVER_COMMAND, () => startLocalServer(deps)),
    vscode.commands.registerCommand(STOP_LOCAL_SERVER_COMMAND, () => stopLocalServer(deps)),
    vscode.commands.registerCommand(OPEN_IN_BROWSER_COMMAND, (node?: unknown, options?: unknown) => openInBrowser(deps, node, options)),
    vscode.commands.registerCommand(SHOW_IN_DASHBOARD_COMMAND, (node?: unknown) => open(selectionOfNode(node) ?? {})),
    vscode.commands.registerCommand(REFRESH_TREE_COMMAND, () => deps.sites.refreshNow()),
  );
}

/** A tree node → the dashboard selection it stands for. */
export function selectionOfNode(node: unknown): Selection | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as Partial<SiteNode> & { standardId?: string };
  if (n.kind === 'site') return { site: n.site ?? null, standard: null };
  if (n.kind === 'standard') return { site: n.site ?? null, standard: n.standardId ?? null };
  return undefined;
}

function asSelection(value: unknown): Selection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return selectionOfNode(value) ?? (value as Selection);
}

/**
 * Asks for the server address (prefilled with the setting), stores it and reconnects with the key stored for it.
 * A URL passed as argument skips the prompt.
 */
async function connectToServer(deps: CommandDeps, argument?: unknown): Promise<void> {
  const url = typeof argument === 'string' ? argument.trim() : await askForUrl();
  if (url === undefined) return;
  const problem = validateServerUrl(url);
  if (problem) {
    void vscode.window.showErrorMessage(`Ringside: ${problem}`);
    return;
  }
  await storeServerUrl(url);
  // The configuration listener reconnects on a changed URL; this also retries an unchanged URL that is offline.
  await deps.connectTo(url);
}

async function askForUrl(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'Ringside: Connect to Server',
    prompt: 'Address of the Ringside server',
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
    void vscode.window.showInformationMessage(`Ringside: removed the API key for ${serverUrl}.`);
  } else {
    const problem = validateApiKey(key);
    if (problem) {
      void vscode.window.showErrorMessage(`Ringside: ${problem}`);
      return;
    }
    await deps.keys.set(serverUrl, key);
  }
  await deps.connectTo(serverUrl);
}

async function startLocalServer(deps: CommandDeps): Promise<RunningLocalServer | undefined> {
  const dataDir = vscode.Uri.joinPath(deps.context.globalStorageUri, 'server').fsPath;
  try {
    const running = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Ringside: starting the local server…' },
      () =>
        deps.localServer.start({
          extensionPath: deps.context.extensionPath,
          dataDir,
          nodePath: configuredNodePath(),
          port: localServerPort(),
          demo: localServerDemo(),
          log: (line) => deps.output.appendLine(line),
        }),
    );
    if (running.apiKey) await deps.keys.set(running.url, running.apiKey);
    await deps.connectTo(running.url);
    void vscode.window.showInformationMessage(`Ringside: local server running at ${running.url} (data in ${running.dataDir}).`);
    return running;
  } catch (error) {
    const message = error instanceof LocalServerError ? error.message : String(error);
    deps.output.appendLine(`could not start the local server: ${message}`);
    void vscode.window.showErrorMessage(`Ringside: could not start the local server: ${message}`, 'Show Log').then((choice) => {
      if (choice) deps.output.show();
    });
    return undefined;
  }
}

async function stopLocalServer(deps: CommandDeps): Promise<void> {
  const running = deps.localServer.current;
  await deps.localServer.stop();
  if (running && deps.connection.serverUrl === running.url) deps.connection.disconnect();
}

/**
 * Opens the server's dashboard page (filtered like the tree item it was invoked on). The key goes into the URL
 * (`?token=`, which the page reads and never stores) only if the user agrees or set ringside.openInBrowser.includeKey
 * to "always": a URL ends up in the browser's history. Returns the URL it opened (the command's result).
 */
async function openInBrowser(deps: CommandDeps, node?: unknown, options?: unknown): Promise<string | undefined> {
  const { connection } = deps;
  const serverUrl = connection.serverUrl || configuredServerUrl();
  const url = new URL(serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  const selection = selectionOfNode(node);
  if (selection?.site) url.searchParams.set('site', selection.site);
  if (selection?.standard) url.searchParams.set('standard', selection.standard);
  const key = connection.apiKey;
  let include = false;
  const forced = typeof options === 'object' && options !== null ? (options as { includeKey?: unknown }).includeKey : undefined;
  if (key && typeof forced === 'boolean') include = forced;
  else if (key) {
    const mode = openInBrowserIncludeKey();
    if (mode === 'always') include = true;
    else if (mode === 'ask') {
      const choice = await vscode.window.showInformationMessage(
        'Open the dashboard with your API key in the address? The page needs a key to show live data, but the address (with the key) stays in the browser history.',
        'Include Key',
        'Without Key',
      );
      if (choice === undefined) return undefined;
      include = choice === 'Include Key';
    }
  }
  if (include && key) url.searchParams.set('token', key);
  await vscode.env.openExternal(vscode.Uri.parse(url.toString(), true));
  return url.toString();
}
