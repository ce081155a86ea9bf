// End to end, as a user gets it: the packaged .vsix installed into code-server, a Ringside server with demo
// traffic that wants an API key, the key given through "Ringside: Set API Key" (typed into the password box),
// "Ringside: Open Dashboard" from the command palette, live figures changing in the webview, the Sites view,
// a tree click filtering the dashboard, a page reload restoring the panel with its filter (the serializer), an
// incident notification acknowledged from its button, light and dark themes, and "Connect to Server".
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Incident } from '../../server/src/protocol';
import { packageExtension } from '../../scripts/package.mjs';
import { runBuild } from '../vscode/harness/build';
import { launchChromium } from '../vscode/harness/chromium';
import { installedCodeServer, installVsix, startCodeServer, type RunningCodeServer } from '../vscode/harness/codeServer';
import { stopLeftoverLocalServer } from '../vscode/harness/localServer';
import { freePort } from '../vscode/harness/processes';
import { startRingsideServer, type RunningRingside } from '../vscode/harness/ringsideServer';
import { createWorkspace } from '../vscode/harness/workspace';
import { dashboardFrame, openRingsideContainer, pane, prepareScreenshots, quickRows, readDashboard, runCommand, screenshot, selectedSiteName } from './support/workbench';

const cleanups: Array<() => Promise<unknown>> = [];
let codeServer: RunningCodeServer;
let browser: Browser;
let workspace: string;
let demoServer: RunningRingside;
let quietServer: RunningRingside;
let localServerPort: number;

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

  // The demo server wants a key (RINGSIDE_API_KEY); the quiet one runs --no-auth.
  [demoServer, quietServer] = await Promise.all([startRingsideServer({ demo: true, apiKey: true, args: ['--open-after', '0'] }), startRingsideServer()]);
  cleanups.push(() => demoServer.close(), () => quietServer.close());
  // quietMinutes 0: demo traffic may have raised an alert on the same standard already; the test's alert must still show.
  localServerPort = await freePort();
  workspace = createWorkspace(demoServer.url, {}, { 'ringside.notifications.quietMinutes': 0, 'ringside.localServer.port': localServerPort });
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

async function serverJson<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, demoServer.url), { headers: { authorization: `Bearer ${demoServer.apiKey}` } });
  if (!response.ok) throw new Error(`GET ${path} → ${response.status}`);
  return (await response.json()) as T;
}

/** Switches the colour theme the way a user's settings.json does; VS Code applies it live. */
function setTheme(theme: string): void {
  writeFileSync(
    join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'ringside.serverUrl': demoServer.url, 'ringside.notifications.quietMinutes': 0, 'ringside.localServer.port': localServerPort, 'workbench.colorTheme': theme }, null, 2),
  );
}

it('the packaged extension, with an API key, shows a live, changing dashboard, the Sites view, alerts and survives a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  // Without a key the server refuses the live feed: the status bar says what is missing.
  await page.locator('.statusbar-item', { hasText: 'Ringside: API key needed' }).first().waitFor({ timeout: 60_000 });
  await runCommand(page, 'Ringside: Set API Key');
  const keyInput = page.locator('.quick-input-widget input');
  await expect.poll(() => keyInput.getAttribute('type'), { timeout: 10_000 }).toBe('password');
  await keyInput.fill(demoServer.apiKey!);
  await page.keyboard.press('Enter');

  // Connected: the status bar names the worst site and standard with its figure.
  const status = page.locator('.statusbar-item', { hasText: /: (Calls ≤ 2 rings|Visits ≤ 30 s) \d+\.\d %/ });
  await status.first().waitFor({ timeout: 60_000 });

  await runCommand(page, 'Ringside: Open Dashboard');
  const dashboard = dashboardFrame(page);
  await dashboard.locator('.rs-feed-row').first().waitFor({ timeout: 30_000 });
  await expect.poll(() => dashboard.locator('.rs-connection').textContent(), { timeout: 15_000 }).toMatch(/connected|live/i);
  expect(await dashboard.locator('canvas').count()).toBeGreaterThan(0);
  expect(await dashboard.locator('body').getAttribute('class')).toMatch(/vscode-(dark|light|high-contrast)/);

  const before = await readDashboard(dashboard);
  await screenshot(page, 'vsix-dashboard-1.png');

  // Demo traffic is about two events a second, but a loaded machine can hold the demo and the webview back for many
  // seconds: the same allowance as the first-run test's wait for the demo's next event.
  await expect
    .poll(async () => {
      const now = await readDashboard(dashboard);
      return now.newestEventId !== before.newestEventId && now.eventsToday !== before.eventsToday;
    }, { timeout: 60_000, interval: 500 })
    .toBe(true);
  const after = await readDashboard(dashboard);
  await screenshot(page, 'vsix-dashboard-2.png');
  console.log('dashboard before:', before, '\ndashboard after:', after);
  expect(after.tiles.length).toBeGreaterThanOrEqual(2);

  // The Sites view in the activity bar: "All sites" and the demo's sites, each figure first.
  await openRingsideContainer(page);
  const sitesPane = pane(page, 'Sites');
  const allSites = sitesPane.locator('.monaco-list-row', { hasText: 'All sites' });
  await allSites.first().waitFor({ timeout: 30_000 });
  const siteRows = sitesPane.locator('.monaco-list-row[aria-level="1"]');
  await expect.poll(() => siteRows.count(), { timeout: 20_000 }).toBeGreaterThan(1);
  const firstSite = siteRows.nth(1);
  const siteName = (await firstSite.locator('.label-name').first().textContent())!.trim();
  expect(await firstSite.locator('.label-description').first().textContent()).toMatch(/^\d+\.\d % · (Calls ≤ 2 rings|Visits ≤ 30 s)( · \d+ open( · \d+ at risk)?( · \d+ breached)?)?$|nothing counted/);
  const standardRow = sitesPane.locator('.monaco-list-row[aria-level="2"]').first();
  expect(await standardRow.locator('.label-name').textContent()).toMatch(/^(\d+\.\d %|—) · (Calls ≤ 2 rings|Visits ≤ 30 s)$/);
  expect(await standardRow.locator('.label-description').textContent()).toMatch(/^\d+\/\d+$|nothing counted/);

  // Clicking a site opens the dashboard filtered to it; both name it the same way (the demo's sites have display
  // names, "Airport", while the filter's value is the id).
  // A click that lands while the tree redraws its rows (at most once a second with the demo live) can be swallowed
  // by the workbench, as a user's would be: clicked again, on the row with that name (the rows sort worst first).
  const siteRow = sitesPane.locator('.monaco-list-row[aria-level="1"]', { hasText: siteName }).first();
  await firstSite.click();
  let looks = 0;
  await expect
    .poll(
      async () => {
        const selected = await selectedSiteName(dashboard);
        looks += 1;
        if (selected !== siteName && looks % 5 === 0) await siteRow.click();
        return selected;
      },
      { timeout: 45_000, interval: 1_000 },
    )
    .toBe(siteName);
  await screenshot(page, 'vsix-sites-view-filtered.png');

  // A reload brings the dashboard back through the serializer, still filtered, live again (key from SecretStorage).
  // "Developer: Reload Window" is how a user reloads, and it lets the workbench save its editor state first;
  // a raw browser reload can race that save and come back with no editors at all.
  await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const restored = dashboardFrame(page);
  try {
    await expect.poll(() => selectedSiteName(restored).catch(() => ''), { timeout: 60_000 }).toBe(siteName);
  } catch (error) {
    await screenshot(page, 'debug-after-reload.png');
    console.log('tabs after reload:', await page.locator('.tabs-container .tab').allTextContents(), 'webviews:', await page.locator('iframe.webview').count());
    throw error;
  }
  await expect.poll(() => restored.locator('.rs-connection').textContent(), { timeout: 30_000 }).toMatch(/connected|live/i);
  await screenshot(page, 'vsix-restored-after-reload.png');

  // Back to all sites for the rest.
  await restored.locator('.rs-select-site').selectOption({ index: 0 });

  // A degrading stream at one site opens an incident: a notification with its plain summary, "Open Dashboard" and "Acknowledge".
  const alarmEvents = Array.from({ length: 12 }, (_, i) => ({ id: `e2e-alarm-${Date.now()}-${i}`, type: 'visit', site: 'e2e-alarm', occurredAt: new Date().toISOString(), outcome: 'greeted', greetSeconds: 95 }));
  const posted = await fetch(new URL('/api/v1/events', demoServer.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${demoServer.apiKey}` },
    body: JSON.stringify({ events: alarmEvents }),
  });
  expect(posted.status).toBe(201);
  const toast = page.locator('.notification-toast', { hasText: /e2e-alarm visits: \d+\.\d % greeted within 30 s in the last hour/ }).last();
  await toast.waitFor({ timeout: 30_000 });
  await expect.poll(() => toast.locator('.monaco-button', { hasText: 'Open Dashboard' }).count()).toBeGreaterThan(0);
  // The Sites view shows the new site, red (the error shape, not only a colour), at 0 % of 12.
  const alarmRow = sitesPane.locator('.monaco-list-row[aria-level="1"]', { hasText: 'e2e-alarm' });
  await expect.poll(() => alarmRow.locator('.codicon-error').count(), { timeout: 20_000 }).toBeGreaterThan(0);
  await screenshot(page, 'vsix-alert-notification.png');
  // "Acknowledge" for one incident, "Acknowledge All" when the toast stands for several.
  await toast.locator('.monaco-button', { hasText: /^Acknowledge( All)?$/ }).first().click();
  await expect
    .poll(async () => (await serverJson<{ incidents: Incident[] }>('/api/v1/incidents?state=open&site=e2e-alarm')).incidents.some((i) => i.acknowledgedAt !== null), { timeout: 20_000 })
    .toBe(true);

  // An escalation: amber calls at another site (17 of 20), then red (10 more misses): the same incident, and a toast
  // that says it got worse, in plain words; the Alerts view lists it under Red beside the acknowledged one.
  const postCalls = async (good: number, bad: number) => {
    const events = [...Array.from({ length: good }, () => 1), ...Array.from({ length: bad }, () => 6)].map((rings, i) => ({ id: `e2e-esc-${Date.now()}-${good}-${i}`, type: 'call', site: 'e2e-harbour', occurredAt: new Date().toISOString(), outcome: 'answered', rings }));
    const res = await fetch(new URL('/api/v1/events', demoServer.url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${demoServer.apiKey}` }, body: JSON.stringify({ events }) });
    expect(res.status).toBe(201);
  };
  await postCalls(17, 3);
  await page.locator('.notification-toast', { hasText: /Ringside Amber: e2e-harbour calls: 85\.0 % answered within 2 rings in the last hour — target 90 %/ }).last().waitFor({ timeout: 30_000 });
  await postCalls(0, 10);
  const worse = page.locator('.notification-toast', { hasText: /Ringside Red, now worse: e2e-harbour calls: \d+\.\d % answered within 2 rings/ }).last();
  await worse.waitFor({ timeout: 30_000 });
  const alertsPane = pane(page, 'Alerts');
  await expect.poll(() => alertsPane.locator('.monaco-list-row', { hasText: 'e2e-harbour' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
  await screenshot(page, 'vsix-escalation-notification.png');
  const [escalated] = (await serverJson<{ incidents: Incident[] }>('/api/v1/incidents?state=open&site=e2e-harbour')).incidents;
  expect(escalated).toMatchObject({ severity: 'red', peakSeverity: 'red', acknowledgedAt: null });
  await worse.locator('.monaco-button', { hasText: /^Acknowledge$/ }).click();
  await expect
    .poll(async () => (await serverJson<{ incidents: Incident[] }>('/api/v1/incidents?state=open&site=e2e-harbour')).incidents[0]?.acknowledgedSeverity, { timeout: 20_000 })
    .toBe('red');

  // Light and dark: the webview follows VS Code's theme live (toasts cleared, so the dashboard is in view).
  await runCommand(page, 'Notifications: Clear All Notifications');
  await expect.poll(() => page.locator('.notification-toast').count(), { timeout: 10_000 }).toBe(0);
  for (const [theme, kind] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']] as const) {
    setTheme(theme);
    await expect.poll(() => restored.locator('body').getAttribute('class'), { timeout: 30_000 }).toMatch(new RegExp(`vscode-${kind}`));
    // The dashboard has re-read the theme (its root carries the kind once the colours and charts are redrawn).
    await expect.poll(() => restored.locator(`#app[data-theme="${kind}"]`).count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page, `vsix-dashboard-${kind}.png`);
  }

  // "Connect to Server" asks for the address (prefilled with the setting) and switches to the other server,
  // which has no events yet: the dashboard and the status bar follow.
  await runCommand(page, 'Ringside: Connect to Server');
  const input = page.locator('.quick-input-widget input');
  await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe(demoServer.url);
  await input.fill(quietServer.url);
  await page.keyboard.press('Enter');
  await expect.poll(() => restored.locator('.rs-tile--events .rs-tile-value').textContent(), { timeout: 20_000 }).toBe('0');
  await page.locator('.statusbar-item', { hasText: 'Ringside —' }).first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'vsix-dashboard-3-other-server.png');

  // "Start Local Server" from the installed .vsix: its bundled server and SQLite addon (nothing from this repository),
  // run with `node` from the PATH, on a fresh data folder whose admin.key the extension reads: live, no key typed.
  await runCommand(page, 'Ringside: Start Local Server');
  // Demo data or empty: a choice when starting, not a setting.
  // Chosen by typing into the quick pick (it filters to the one row) and Enter: a click waits for the row to be laid
  // out, which a loaded machine can hold back past any timeout while the row is already there to pick.
  await quickRows(page).filter({ hasText: 'Empty' }).first().waitFor({ state: 'attached' });
  await page.locator('.quick-input-widget input').fill('Empty');
  await page.keyboard.press('Enter');
  const started = page.locator('.notification-toast', { hasText: new RegExp(`local server running at http://127\\.0\\.0\\.1:${localServerPort}\\.`) });
  await started.first().waitFor({ timeout: 60_000 });
  const localUrl = /http:\/\/127\.0\.0\.1:\d+/.exec((await started.first().textContent()) ?? '')![0];
  expect(localUrl).not.toBe(quietServer.url);
  await expect.poll(() => restored.locator('.rs-connection').textContent(), { timeout: 30_000 }).toMatch(/connected|live/i);
  await expect.poll(() => restored.locator('.rs-tile--events .rs-tile-value').textContent(), { timeout: 20_000 }).toBe('0');
  // It wants a key (a fresh loopback server writes admin.key): without one the API refuses.
  expect((await fetch(new URL('/api/v1/compliance', localUrl))).status).toBe(401);
  await runCommand(page, 'Ringside: Stop Local Server');
  await page.locator('.statusbar-item', { hasText: 'Ringside offline' }).first().waitFor({ timeout: 20_000 });
  await page.close();
});
