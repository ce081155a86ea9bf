// Reading and writing the `ringside.*` settings (the API key is never a setting: see secrets.ts).
import * as vscode from 'vscode';
import {
  CONFIG_SECTION,
  DEFAULT_LOCAL_SERVER_PORT,
  DEFAULT_SERVER_URL,
  LOCAL_SERVER_DEMO_SETTING,
  LOCAL_SERVER_PORT_SETTING,
  LOCAL_SERVER_START_AT_ACTIVATION_SETTING,
  NODE_PATH_SETTING,
  NOTIFICATIONS_ENABLED_SETTING,
  NOTIFICATIONS_MIN_SEVERITY_SETTING,
  NOTIFICATIONS_QUIET_MINUTES_SETTING,
  OPEN_IN_BROWSER_TOKEN_SETTING,
  SERVER_URL_SETTING,
} from './commandIds';
import type { NotificationSettings, SeverityLevel } from './alertNotifier';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(CONFIG_SECTION);
}

export function configuredServerUrl(): string {
  const value = config().get<string>(SERVER_URL_SETTING);
  return value?.trim() || DEFAULT_SERVER_URL;
}

/**
 * Stores the URL where it will take effect: if the workspace (folder) overrides the setting, a user-level
 * change would be shadowed, so write to the most specific level that currently defines it.
 */
export async function storeServerUrl(url: string): Promise<void> {
  const inspected = config().inspect<string>(SERVER_URL_SETTING);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config().update(SERVER_URL_SETTING, url, target);
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

const SEVERITIES: readonly SeverityLevel[] = ['amber', 'red'];

export function notificationSettings(): NotificationSettings {
  const c = config();
  const minSeverity = c.get<string>(NOTIFICATIONS_MIN_SEVERITY_SETTING);
  const quiet = c.get<number>(NOTIFICATIONS_QUIET_MINUTES_SETTING);
  return {
    enabled: c.get<boolean>(NOTIFICATIONS_ENABLED_SETTING) ?? true,
    minSeverity: SEVERITIES.includes(minSeverity as SeverityLevel) ? (minSeverity as SeverityLevel) : 'amber',
    quietMs: (typeof quiet === 'number' && Number.isFinite(quiet) && quiet >= 0 ? quiet : 5) * 60_000,
  };
}

/** `node` used to run the bundled server (the extension host's own runtime may be Electron's). */
export function configuredNodePath(): string {
  return config().get<string>(NODE_PATH_SETTING)?.trim() || 'node';
}

/** The local server's port (fixed, so its address survives a reload); 0 = any free port. */
export function localServerPort(): number {
  const port = config().get<number>(LOCAL_SERVER_PORT_SETTING);
  return typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65_535 ? port : DEFAULT_LOCAL_SERVER_PORT;
}

export function localServerStartAtActivation(): boolean {
  return config().get<boolean>(LOCAL_SERVER_START_AT_ACTIVATION_SETTING) ?? false;
}

/**
 * The deprecated `ringside.localServer.demo`, only where the user set it: it now just decides which choice the
 * start quick pick offers first (until a choice has been made there).
 */
export function legacyLocalServerDemo(): boolean | undefined {
  const inspected = config().inspect<boolean>(LOCAL_SERVER_DEMO_SETTING);
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

export type IncludeKey = 'ask' | 'always' | 'never';

export function openInBrowserIncludeKey(): IncludeKey {
  const value = config().get<string>(OPEN_IN_BROWSER_TOKEN_SETTING);
  return value === 'always' || value === 'never' ? value : 'ask';
}
