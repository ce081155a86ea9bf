// The ops lead's first day, end to end, as a new user gets it: the packaged .vsix installed into code-server and
// NO server running. Clicking only: the Sites view's welcome button starts the local server with demo data, the
// toast's "Open Dashboard" opens a live dashboard; the Alerts view, the status bar and its worst-items quick pick;
// "Open in Browser" opens a tab that goes live through code-server's /proxy/PORT/ with the query kept; a window
// reload finds the same local server (same process) and comes back live; the export wizard with Back; an HTML
// report opened inside VS Code; light and dark themes and a narrow window; Stop Local Server brings the welcome
// buttons back.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageExtension } from '../../scripts/package.mjs';
import { runBuild } from '../vscode/harness/build';
import { launchChromium } from '../vscode/harness/chromium';
import { installedCodeServer, installVsix, startCodeServer, type RunningCodeServer } from '../vscode/harness/codeServer';
import { localServerDataDir, localServerPid, stopLeftoverLocalServer } from '../vscode/harness/localServer';
import { freePort } from '../vscode/harness/processes';
import { createWorkspace } from '../vscode/harness/workspace';
import { dashboardFrame, openRingsideContainer, pane, prepareScreenshots, quickInput, quickRows, readDashboard, runCommand, screenshot, selectedSiteName, statusItem, toast } from './support/workbench';

const cleanups: Array<() => Promise<unknown>> = [];
let codeServer: RunningCodeServer;
let browser: Browser;
let workspace: string;
let home: string;
let port: number;

beforeAll(async () => {
  const install = installedCodeServer();
  runBuild('server/build.mjs');
  const vsixDir = mkdtempSync(join(tmpdir(), 'ringside-vsix-'));
  const vsix = packageExtension({ out: join(vsixDir, 'ringside.vsix'), quiet: true });
  home = mkdtempSync(join(tmpdir(), 'ringside-first-run-'));
  cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
  expect(installVsix(install, home, vsix)).toMatch(/successfully installed/i);
  rmSync(vsixDir, { recursive: true, force: true });
  // A port nothing listens on, for both the server address and the local server: a machine with no Ringside yet.
  port = await freePort();
  workspace = createWorkspace(`http://127.0.0.1:${port}`, {}, { 'ringside.localServer.port': port });
  const createdWorkspace = workspace;
  cleanups.push(async () => rmSync(createdWorkspace, { recursive: true, force: true }));
  codeServer = await startCodeServer(install, home, workspace);
  cleanups.push(() => codeServer.close());
  // The local server outlives windows by design: stop it once the test is over, whatever happened.
  cleanups.push(() => stopLeftoverLocalServer(home));
  browser = await launchChromium();
  cleanups.push(() => browser.close());
  prepareScreenshots();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup failed:', error));
});

function setSettings(settings: Record<string, unknown>): void {
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'ringside.serverUrl': `http://127.0.0.1:${port}`, 'ringside.localServer.port': port, ...settings }, null, 2));
}

async function liveDashboard(page: Page): Promise<void> {
  const dashboard = dashboardFrame(page);
  await expect.poll(() => dashboard.locator('.rs-connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
  const before = await readDashboard(dashboard);
  // A new newest event proves the page is live. Cases start about twice a second, but one becomes an event only when
  // it ends (a call answered, a visitor greeted), and the first to end after a start or reload can take a while on
  // a loaded machine.
  await expect.poll(async () => (await readDashboard(dashboard)).newestEventId !== before.newestEventId, { timeout: 60_000 }).toBe(true);
}

it('a new user reaches a live demo dashboard by clicking only, and the local server survives a window reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  // Nothing listens: the status bar says so plainly, the Sites view shows its welcome buttons (not a message).
  await statusItem(page, 'Ringside offline').waitFor({ timeout: 60_000 });
  await openRingsideContainer(page);
  const sites = pane(page, 'Sites');
  const demoButton = sites.locator('.welcome-view-content .monaco-button', { hasText: 'Start Local Server with Demo Data' });
  await demoButton.waitFor({ timeout: 30_000 });
  await expect.poll(() => sites.locator('.welcome-view-content .monaco-button').allTextContents()).toEqual(['Start Local Server with Demo Data', 'Connect to a Server', 'Set API Key']);
  expect(await sites.locator('.pane-header').textContent()).toContain(`cannot reach 127.0.0.1:${port}`);
  expect(await page.locator('body').textContent()).not.toMatch(/xhr poll error|websocket error/);
  await screenshot(page, 'first-run-1-welcome.png');

  // Click 1: the welcome button. Click 2: "Open Dashboard" on the toast that says where the server runs.
  await demoButton.click();
  const started = toast(page, `local server running at http://127.0.0.1:${port} with demo data`);
  await started.waitFor({ timeout: 60_000 });
  await screenshot(page, 'first-run-2-started.png');
  await started.locator('.monaco-button', { hasText: 'Open Dashboard' }).click();
  await liveDashboard(page);
  const pid = localServerPid(home);
  expect(pid).toBeGreaterThan(0);
  expect(readFileSync(join(localServerDataDir(home), 'admin.key'), 'utf8').trim()).not.toBe('');

  // The Sites view: figure first; the status bar: the worst site and standard with its figure.
  await expect.poll(() => sites.locator('.monaco-list-row[aria-level="1"]').count(), { timeout: 20_000 }).toBeGreaterThan(1);
  await expect.poll(() => sites.locator('.monaco-list-row[aria-level="2"] .label-name').first().textContent(), { timeout: 20_000 }).toMatch(/^(\d+\.\d %|—) · (Calls ≤ 2 rings|Visits ≤ 30 s)$/);
  const status = statusItem(page, /: (Calls ≤ 2 rings|Visits ≤ 30 s) \d+\.\d %/);
  await status.waitFor({ timeout: 30_000 });
  await pane(page, 'Alerts').waitFor();
  await screenshot(page, 'first-run-3-live-dashboard-and-views.png');

  // The status bar's quick pick: the worst items; Enter opens the dashboard filtered to the first.
  await status.click();
  await expect.poll(() => quickRows(page).count(), { timeout: 10_000 }).toBeGreaterThan(1);
  const first = (await quickRows(page).first().locator('.label-name').textContent())!.trim();
  const [site] = first.split(' · ');
  await screenshot(page, 'first-run-4-worst-items.png');
  await page.keyboard.press('Enter');
  // The pick names the site as the dashboard's filter does (the demo's sites have display names: "Harbour").
  await expect.poll(() => selectedSiteName(dashboardFrame(page)), { timeout: 20_000 }).toBe(site);

  // Open in Browser: a tab the browser can reach (code-server's /proxy/PORT/), query kept, the key after '#', live.
  const popup = page.waitForEvent('popup', { timeout: 30_000 });
  await runCommand(page, 'Ringside: Open in Browser');
  await toast(page, 'Open the dashboard with your API key').locator('.monaco-button', { hasText: 'Include Key' }).click();
  const tab = await popup;
  await tab.waitForLoadState();
  const opened = new URL(tab.url());
  expect(opened.pathname).toBe(`/proxy/${port}/`);
  // The key came after '#' (never sent through code-server's proxy) and the page took it out of its address: it goes
  // live with it all the same.
  const key = readFileSync(join(localServerDataDir(home), 'admin.key'), 'utf8').trim();
  expect(opened.href).not.toContain(key);
  await expect.poll(() => tab.locator('.rs-connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
  await tab.setViewportSize({ width: 1280, height: 860 });
  await screenshot(tab, 'first-run-5-browser-tab-via-proxy.png');
  await tab.close();

  // A window reload: the same server process is still there, found again, and the dashboard comes back live.
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await statusItem(page, /: (Calls ≤ 2 rings|Visits ≤ 30 s) \d+\.\d %/).waitFor({ timeout: 60_000 });
  expect(localServerPid(home)).toBe(pid);
  await liveDashboard(page);
  await screenshot(page, 'first-run-6-after-reload.png');

  // The export wizard: one quick input, numbered steps, days spelled out, Back.
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Ringside: Export Compliance History');
  const title = page.locator('.quick-input-widget .quick-input-title');
  await expect.poll(() => title.textContent(), { timeout: 15_000 }).toMatch(/Export Compliance History/);
  await expect.poll(() => quickRows(page).first().textContent()).toMatch(/This month\s*\d+–\d+ [A-Z][a-z]{2} \d{4}/);
  expect(await quickInput(page).textContent()).toMatch(/1\s*\/\s*4/);
  await screenshot(page, 'first-run-7-export-step-1.png');
  await page.keyboard.press('Enter');
  await expect.poll(() => quickInput(page).textContent()).toMatch(/2\s*\/\s*4/);
  await page.locator('.quick-input-widget .codicon-quick-input-back').click();
  await expect.poll(() => quickInput(page).textContent()).toMatch(/1\s*\/\s*4/);
  await page.keyboard.press('Enter');
  await expect.poll(() => quickInput(page).textContent()).toMatch(/2\s*\/\s*4/);
  await page.keyboard.type('Audit report');
  await quickRows(page).filter({ hasText: 'Audit report — HTML' }).first().waitFor();
  await page.keyboard.press('Enter');
  await expect.poll(() => quickInput(page).textContent()).toMatch(/3\s*\/\s*4/);
  await screenshot(page, 'first-run-8-export-step-3.png');
  await page.keyboard.press('Enter');
  await expect.poll(() => quickInput(page).textContent()).toMatch(/4\s*\/\s*4/);
  await page.keyboard.press('Enter');
  // code-server's save dialog (a quick input with the path); the suggested name spells out the days.
  const saveInput = page.locator('.quick-input-widget input');
  await expect.poll(() => saveInput.inputValue(), { timeout: 15_000 }).toMatch(/ringside-report-\d{4}-\d{2}-01_to_\d{4}-\d{2}-\d{2}\.html$/);
  await page.keyboard.press('Enter');
  const exported = toast(page, 'Ringside: exported to');
  await exported.waitFor({ timeout: 60_000 });
  await exported.locator('.monaco-button', { hasText: /^Open$/ }).click();
  // In this (web, remote) window the report opens in a panel inside VS Code.
  await page.locator('.tabs-container .tab', { hasText: /^Report: ringside-report-/ }).waitFor({ timeout: 20_000 });
  await expect.poll(() => dashboardFrame(page).locator('h1').first().textContent(), { timeout: 20_000 }).toBe('Service standards audit report');
  await screenshot(page, 'first-run-9-report-inside-vscode.png');
  expect(readdirSync(workspace).some((f) => /^ringside-report-.*\.html$/.test(f))).toBe(true);
  await runCommand(page, 'View: Close All Editors');

  // Themes and a narrow window: the dashboard and the views stay readable.
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'Ringside: Open Dashboard');
  for (const [theme, kind] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']] as const) {
    setSettings({ 'workbench.colorTheme': theme });
    await expect.poll(() => dashboardFrame(page).locator('body').getAttribute('class'), { timeout: 30_000 }).toMatch(new RegExp(`vscode-${kind}`));
    await expect.poll(() => dashboardFrame(page).locator(`#app[data-theme="${kind}"]`).count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page, `first-run-10-${kind}.png`);
  }
  await page.setViewportSize({ width: 760, height: 900 });
  await expect.poll(() => dashboardFrame(page).locator('html').evaluate((html) => html.scrollWidth <= html.clientWidth), { timeout: 10_000 }).toBe(true);
  await screenshot(page, 'first-run-11-narrow-dark.png');
  await page.setViewportSize({ width: 1440, height: 900 });

  // Stop Local Server: offline again, and the welcome buttons are back.
  await runCommand(page, 'Ringside: Stop Local Server');
  await statusItem(page, 'Ringside offline').waitFor({ timeout: 30_000 });
  await openRingsideContainer(page);
  await demoButton.waitFor({ timeout: 20_000 });
  await screenshot(page, 'first-run-12-stopped.png');
  expect(localServerPid(home)).toBeUndefined();

  // ringside.localServer.startAtActivation: the next window starts it (with the last choice: demo data).
  setSettings({ 'ringside.localServer.startAtActivation': true });
  // The dashboard's tab behind another editor: after the reload VS Code restores it only once it is shown.
  await runCommand(page, 'Preferences: Open Workspace Settings (JSON)');
  await page.locator('.tabs-container .tab.active', { hasText: 'settings.json' }).waitFor({ timeout: 20_000 });
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await statusItem(page, /: (Calls ≤ 2 rings|Visits ≤ 30 s) \d+\.\d %/).waitFor({ timeout: 60_000 });
  const startedAtActivation = localServerPid(home);
  expect(startedAtActivation).toBeGreaterThan(0);
  expect(startedAtActivation).not.toBe(pid);
  // "Open Dashboard" then shows one dashboard, live, not a second beside the restored tab.
  await runCommand(page, 'Ringside: Open Dashboard');
  await liveDashboard(page);
  expect(await page.locator('.tabs-container .tab', { hasText: /^\s*Ringside\s*$/ }).count()).toBe(1);
  await runCommand(page, 'Ringside: Stop Local Server');
  await statusItem(page, 'Ringside offline').waitFor({ timeout: 30_000 });
  await page.close();
});
