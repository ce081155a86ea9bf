// Reading and writing `ringside.serverUrl`.
import * as vscode from 'vscode';
import { CONFIG_SECTION, DEFAULT_SERVER_URL, SERVER_URL_SETTING } from './commandIds';

export function configuredServerUrl(): string {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>(SERVER_URL_SETTING);
  return value?.trim() || DEFAULT_SERVER_URL;
}

/**
 * Stores the URL where it will take effect: if the workspace (folder) overrides the setting, a user-level
 * change would be shadowed, so write to the most specific level that currently defines it.
 */
export async function storeServerUrl(url: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const inspected = config.inspect<string>(SERVER_URL_SETTING);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update(SERVER_URL_SETTING, url, target);
}

/** An error message for the input box, or undefined when the URL is usable. */
export function validateServerUrl(value: string): string | undefined {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'Use an http:// or https:// address';
  } catch {
    return 'Not a valid URL, e.g. http://127.0.0.1:4870';
  }
}

export function affectsServerUrl(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${CONFIG_SECTION}.${SERVER_URL_SETTING}`);
}
