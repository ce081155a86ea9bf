// The extension integration suite (written for @vscode/test-electron) run inside a real VS Code: code-server
// 4.100.3 in Debian's Chromium, against a real Ringside server started through its CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildForVsCodeTests } from './harness/build';
import { launchChromium } from './harness/chromium';
import { installedCodeServer, startCodeServer, type RunningCodeServer } from './harness/codeServer';
import { startRingsideServer, type RunningRingside } from './harness/ringsideServer';
import { stopLeftoverLocalServer } from './harness/localServer';
import { freePort } from './harness/processes';
import { runSuiteInCodeServer, suiteUrl } from './harness/suiteInCodeServer';
import { createWorkspace } from './harness/workspace';

const cleanups: Array<() => Promise<unknown>> = [];
let servers: RunningRingside[] = [];
let codeServer: RunningCodeServer;
let browser: Browser;
let workspace: string;
let outputFile: string;

beforeAll(async () => {
  const install = installedCodeServer();
  buildForVsCodeTests();
  // The first server wants a key (the suite gives it to the extension through "Set API Key"); the second runs --no-auth.
  // Incidents open on the first evaluation that wants them: the suite runs on the wall clock (no 2-minute hold).
  servers = await Promise.all([startRingsideServer({ apiKey: true, args: ['--open-after', '0'] }), startRingsideServer({ args: ['--open-after', '0'] })]);
  for (const server of servers) cleanups.push(() => server.close());
  const [first, second] = servers;
  const home = mkdtempSync(join(tmpdir(), 'ringside-code-server-'));
  // Registered first, so it runs last: after every process using these folders has stopped.
  cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
  outputFile = join(home, 'suite-report.txt');
  // The local server's port: free now, and not the default 4870 another program on this machine may hold.
  const localServerPort = await freePort();
  workspace = createWorkspace(first!.url, { apiKey: first!.apiKey!, secondServerUrl: second!.url, outputFile }, { 'ringside.notifications.quietMinutes': 0, 'ringside.localServer.port': localServerPort });
  const createdWorkspace = workspace;
  cleanups.push(async () => rmSync(createdWorkspace, { recursive: true, force: true }));
  codeServer = await startCodeServer(install, home, workspace);
  cleanups.push(() => codeServer.close());
  // The extension's local server outlives the window by design; a suite that failed half-way may leave it running.
  cleanups.push(() => stopLeftoverLocalServer(home));
  browser = await launchChromium();
  cleanups.push(() => browser.close());
});

afterAll(async () => {
  // Newest first: the browser before code-server, code-server before the servers it talks to.
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup failed:', error));
});

it('passes the extension integration suite inside code-server', async () => {
  const run = await runSuiteInCodeServer(browser, suiteUrl(codeServer.url, codeServer.port, workspace), 240_000);
  const report = readReport(outputFile);
  console.log(`--- Ringside integration suite (code-server) ---\n${report}`);
  if (run.exitCode !== 0) {
    console.log(`--- browser console ---\n${run.consoleLines.join('\n')}\n--- code-server output ---\n${codeServer.process.output()}`);
  }
  expect(run.exitCode, run.exitCode === -1 ? 'the suite never finished (timeout)' : report).toBe(0);
  expect(report).toMatch(/passing/);
  expect(report).not.toMatch(/failing/);
});

function readReport(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(the suite wrote no report)';
  }
}
