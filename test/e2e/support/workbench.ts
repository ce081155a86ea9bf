// Driving code-server's workbench the way a user does (F1, clicks, the keyboard), for the end-to-end tests: what
// a user would look at is located by its text or role, and waited for with Playwright's auto-waiting locators.
import { copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { testResultsDir } from '../../vscode/harness/paths';

/** Screenshots also go here, outside the repository, for the closing note. */
const SCREENSHOT_COPY_DIR = process.env.RINGSIDE_SCREENSHOT_DIR ?? join(tmpdir(), 'rs5');

export function prepareScreenshots(): void {
  mkdirSync(testResultsDir, { recursive: true });
  mkdirSync(SCREENSHOT_COPY_DIR, { recursive: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(testResultsDir, name);
  // Transitions (a toast fading, a view sliding in) are run to their end rather than waited for.
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(SCREENSHOT_COPY_DIR, name));
}

export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // The palette closes when focus moves on: a webview revealed a moment ago can take focus just after the palette
  // opened (seen in CI after the worst-items pick opened the dashboard), sometimes before it was ever seen open.
  // Then it is opened again.
  for (let attempt = 1; ; attempt += 1) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      // Set the whole query at once: keystrokes typed while the workbench is still moving focus can be lost.
      await input.fill(`>${title}`, { timeout: 10_000 });
      break;
    } catch (error) {
      if (attempt === 3 || (await input.isVisible())) throw error;
    }
  }
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The webview on screen (the dashboard, or a report panel): hidden editors keep their iframes too. */
export function dashboardFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/**
 * What the dashboard's site filter shows as selected ("All sites", or a site's display name, its id when it has
 * none): the name the extension's views give that site too, while the filter's value is the id.
 */
export function selectedSiteName(dashboard: FrameLocator): Promise<string> {
  return dashboard.locator('.rs-select-site').evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? '');
}

/** A view pane of the Ringside container ("Sites", "Alerts") by its header. */
export function pane(page: Page, name: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${name}`, 'i') }) });
}

export function statusItem(page: Page, text: string | RegExp): Locator {
  return page.locator('.statusbar-item', { hasText: text }).first();
}

export function toast(page: Page, text: string | RegExp): Locator {
  return page.locator('.notification-toast', { hasText: text }).last();
}

export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** The visible rows of the open quick input. */
export function quickRows(page: Page): Locator {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
}

export async function openRingsideContainer(page: Page): Promise<void> {
  // The whole activity-bar item, not its link: the badge (unacknowledged red incidents) lies over the link.
  const icon = page.locator('.activitybar .action-item:has(a[aria-label^="Ringside"])').first();
  await icon.waitFor({ timeout: 60_000 });
  // Clicking an active container's icon would close the side bar: open it only when the Sites view is not shown.
  if (!(await pane(page, 'Sites').isVisible())) await icon.click();
  await pane(page, 'Sites').waitFor();
}

/** What a user reads off the dashboard: the newest feed row, the events today and the tile figures. */
export async function readDashboard(dashboard: FrameLocator) {
  return {
    newestEventId: await dashboard.locator('.rs-feed-row').first().getAttribute('data-event-id'),
    eventsToday: (await dashboard.locator('.rs-tile--events .rs-tile-value').textContent())?.trim(),
    tiles: await dashboard.locator('.rs-tile--standard .rs-tile-value').allTextContents(),
  };
}
