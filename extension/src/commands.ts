// The two commands: open the dashboard, and connect to a (different) server.
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { CONNECT_COMMAND, OPEN_DASHBOARD_COMMAND } from './commandIds';
import { DashboardPanel } from './dashboardPanel';
import { configuredServerUrl, storeServerUrl, validateServerUrl } from './settings';

export function registerCommands(context: vscode.ExtensionContext, connection: RingsideConnection): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_DASHBOARD_COMMAND, () => DashboardPanel.createOrShow(context.extensionUri, connection)),
    vscode.commands.registerCommand(CONNECT_COMMAND, (url?: unknown) => connectToServer(connection, url)),
  );
}

/**
 * Asks for the server address (prefilled with the setting), stores it and reconnects.
 * A URL passed as argument skips the prompt (keybindings, other extensions, tests).
 */
async function connectToServer(connection: RingsideConnection, argument?: unknown): Promise<void> {
  const url = typeof argument === 'string' ? argument.trim() : await askForUrl();
  if (url === undefined) return;
  const problem = validateServerUrl(url);
  if (problem) {
    void vscode.window.showErrorMessage(`Ringside: ${problem}`);
    return;
  }
  await storeServerUrl(url);
  // The configuration listener reconnects on a changed URL; this also retries an unchanged URL that is offline.
  connection.connect(url);
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
