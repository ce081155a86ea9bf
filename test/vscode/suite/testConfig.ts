// Values the runner wrote into the test workspace (see harness/workspace.ts), read inside the extension host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export interface SuiteConfig {
  apiKey?: string;
  secondServerUrl?: string;
  outputFile?: string;
}

export function workspacePath(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite must run with the test workspace open');
  return folder.uri.fsPath;
}

export function suiteConfig(): SuiteConfig {
  try {
    return JSON.parse(readFileSync(join(workspacePath(), 'ringside-test.json'), 'utf8')) as SuiteConfig;
  } catch {
    return {};
  }
}
