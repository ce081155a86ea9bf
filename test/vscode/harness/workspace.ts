// A throw-away VS Code workspace whose settings point the extension at a test server.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Read by the suite (test/vscode/suite/testConfig.ts): values the runner knows and the suite needs. */
export const TEST_CONFIG_FILE = 'ringside-test.json';

export interface SuiteConfig {
  /** The admin key of the first server (RINGSIDE_API_KEY); the suite gives it to the extension with "Set API Key". */
  apiKey?: string;
  /** A second real server (--no-auth), for "Connect to Server" with a new URL. */
  secondServerUrl?: string;
  /** Where the suite writes its mocha report, so the runner can print it. */
  outputFile?: string;
}

export function createWorkspace(serverUrl: string, suiteConfig: SuiteConfig = {}, settings: Record<string, unknown> = {}): string {
  const workspace = mkdtempSync(join(tmpdir(), 'ringside-ws-'));
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'ringside.serverUrl': serverUrl, ...settings }, null, 2));
  if (Object.keys(suiteConfig).length > 0) writeFileSync(join(workspace, TEST_CONFIG_FILE), JSON.stringify(suiteConfig, null, 2));
  return workspace;
}
