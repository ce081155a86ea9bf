// Runs the mocha suite (test/vscode/suite) inside code-server: VS Code loads the extension from its folder
// and the suite from extensionTestsPath (the `payload` query, honoured by code-server 4.100.3), then calls
// window.codeAutomationExit(code). Returns that exit code and what the suite and the page printed.
import type { Browser } from 'playwright-core';
import { extensionDir, suiteBundle } from './paths';

export interface SuiteRun {
  exitCode: number;
  /** Browser console lines (the extension host forwards its console there), for diagnosis. */
  consoleLines: string[];
}

export function suiteUrl(codeServerUrl: string, port: number, workspace: string): string {
  const remote = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(suiteBundle)],
  ];
  return `${codeServerUrl}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function runSuiteInCodeServer(browser: Browser, url: string, timeoutMs: number): Promise<SuiteRun> {
  const page = await browser.newPage();
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
  let settle: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (settle = resolve));
  // Must exist before the workbench loads: VS Code looks for it when the tests finish.
  await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
  await page.goto(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
  const exitCode = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  await page.close().catch(() => undefined);
  return { exitCode, consoleLines };
}
