// End to end, as a user gets it: the packaged .vsix installed into code-server, a Ringside server with demo
// traffic, "Ringside: Open Dashboard" from the command palette, and live figures changing in the webview.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageExtension } from '../../scripts/package.mjs';
import { runBuild } from '../vscode/harness/build';
import { launchChromium } from '../vscode/harness/chromium';
import { installedCodeServer, installVsix, startCodeServer, type RunningCodeServer } from '../vscode/harness/codeServer';
import { testResultsDir } from '../vscode/harness/paths';
import { startRingsideServer, type RunningRingside } from '../vscode/harness/ringsideServer';
import { createWorkspace } from '../vscode/harness/workspace';

const cleanups: Array<() => Promise<unknown>> = [];
let codeServer: RunningCodeServer;
let browser: Browser;
let workspace: string;
let demoServer: RunningRingside;
let quietServer: RunningRingside;

beforeAll(async () => {
  const install = installedCodeServer();
  runBuild('server/build.mjs');
  const vsixDir = mkdtempSync(join(tmpdir(), 'ringside-vsix-'));
  const vsix = packageExtension({ out: join(vsixDir, 'ringside.vsix'), quiet: true });
  const home = mkdtempSync(join(tmpdir(), 'ringside-e2e-'));
  // Registered first, so it runs last: after every process using these folders has stopped.
  cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
  expect(installVsix(install, home, vsix)).toMatch(/successfully installed/i);
  expect(readdirSync(join(home, 'extensions'))).toContainEqual(expect.stringMatching(/^ringside\.ringside-\d/));
  rmSync(vsixDir, { recursive: true, force: true });

  [demoServer, quietServer] = await Promise.all([startRingsideServer({ demo: true }), startRingsideServer()]);
  cleanups.push(() => demoServer.close(), () => quietServer.close());
  workspace = createWorkspace(demoServer.url);
  const createdWorkspace = workspace;
  cleanups.push(async () => rmSync(createdWorkspace, { recursive: true, force: true }));
  codeServer = await startCodeServer(install, home, workspace);
  cleanups.push(() => codeServer.close());
  browser = await launchChromium();
  cleanups.push(() => browser.close());
  mkdirSync(testResultsDir, { recursive: true });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup failed:', error));
});

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** What a user reads off the dashboard: the newest feed row and the tile figures. */
async function readDashboard(dashboard: FrameLocator) {
  return {
    newestEventId: await dashboard.locator('.rs-feed-row').first().getAttribute('data-event-id'),
    eventsToday: (await dashboard.locator('.rs-tile--events .rs-tile-value').textContent())?.trim(),
    tiles: await dashboard.locator('.rs-tile--standard .rs-tile-value').allTextContents(),
  };
}

it('the packaged extension shows a live, changing dashboard in code-server', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  // The status bar connects in the background (onStartupFinished) and shows the call standard's figure.
  const status = page.locator('.statusbar-item', { hasText: /Calls \d+\.\d %/ });
  await status.first().waitFor({ timeout: 60_000 });

  await runCommand(page, 'Ringside: Open Dashboard');
  const dashboard = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await dashboard.locator('.rs-feed-row').first().waitFor({ timeout: 30_000 });
  await expect.poll(() => dashboard.locator('.rs-connection').textContent(), { timeout: 15_000 }).toMatch(/connected|live/i);
  expect(await dashboard.locator('canvas').count()).toBeGreaterThan(0);
  expect(await dashboard.locator('body').getAttribute('class')).toMatch(/vscode-(dark|light|high-contrast)/);

  const before = await readDashboard(dashboard);
  await page.screenshot({ path: join(testResultsDir, 'vsix-dashboard-1.png') });

  // Demo traffic is about two events a second: within a few seconds there is a new newest event and more events today.
  await expect
    .poll(async () => {
      const now = await readDashboard(dashboard);
      return now.newestEventId !== before.newestEventId && now.eventsToday !== before.eventsToday;
    }, { timeout: 20_000, interval: 500 })
    .toBe(true);
  const after = await readDashboard(dashboard);
  await page.screenshot({ path: join(testResultsDir, 'vsix-dashboard-2.png') });
  console.log('dashboard before:', before, '\ndashboard after:', after);
  expect(after.tiles.length).toBeGreaterThanOrEqual(2);

  // "Connect to Server" asks for the address (prefilled with the setting) and switches to the other server,
  // which has no events yet: the dashboard and the status bar follow.
  await runCommand(page, 'Ringside: Connect to Server');
  const input = page.locator('.quick-input-widget input');
  await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe(demoServer.url);
  await input.fill(quietServer.url);
  await page.keyboard.press('Enter');
  await expect.poll(() => dashboard.locator('.rs-tile--events .rs-tile-value').textContent(), { timeout: 20_000 }).toBe('0');
  await page.locator('.statusbar-item', { hasText: 'Calls —' }).first().waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(testResultsDir, 'vsix-dashboard-3-other-server.png') });
  await page.close();
});
