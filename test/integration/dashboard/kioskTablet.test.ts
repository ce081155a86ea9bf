// The reception kiosk on a real tablet's bad days, in real Chromium against a real server: the kiosk link opened a
// second time on the same tablet (two pages sharing its saved desk), and a tablet whose clock is minutes off reopened
// without the network. In each, every tap reaches the server once, and the tablet lists exactly the visitors the
// server has waiting.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../vscode/harness/chromium';
import { adminHeaders, useTestServer } from '../support/testServer';

const server = useTestServer();
let browser: Browser;
let context: BrowserContext | undefined;
/** The kiosk link of each site's desk: each test its own site, so one's visitors are not in another's counts. */
const links = new Map<string, string>();

async function openCases(site: string): Promise<string[]> {
  const res = await fetch(`${server().url}/api/v1/clocks?site=${site}`, { headers: adminHeaders() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { clocks: Array<{ caseId: string }> }).clocks.map((c) => c.caseId).sort();
}

/** The visits of the site stored as judged events: case id and outcome. */
async function visits(site: string): Promise<Array<{ caseId: string; outcome: string }>> {
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const res = await fetch(`${server().url}/api/v1/export/events?format=ndjson&site=${site}&proof=none&to=${encodeURIComponent(to)}`, { headers: adminHeaders() });
  const rows = (await res.text()).split('\n').filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
  return rows.filter((r) => r.type === 'visit').map((r) => ({ caseId: String(r.event_id).split(':').at(-1)!, outcome: r.outcome }));
}

const listed = (page: Page) => page.locator('li.kiosk-visitor').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.case!).sort());
const names = (page: Page) => page.locator('li.kiosk-visitor .kiosk-name').allTextContents();
const statusOf = (page: Page) => page.locator('.kiosk-status');

async function openKiosk(site: string): Promise<Page> {
  const page = await context!.newPage();
  await page.goto(links.get(site)!);
  await expect.poll(() => statusOf(page).getAttribute('data-state')).toBe('sent');
  return page;
}

beforeAll(async () => {
  for (const site of ['clinic', 'dental', 'optician']) {
    const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: `${site} desk`, scopes: ['ingest'], sites: [site] }) });
    const { key } = (await res.json()) as { key: string };
    links.set(site, `${server().url}/kiosk?site=${site}#key=${encodeURIComponent(key)}`);
  }
  browser = await launchChromium();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await browser?.close();
});

it('two pages of one kiosk link on a tablet share its desk: neither writes the other’s visitors or queued taps out of it', async () => {
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 768, height: 1024 } });
  const first = await openKiosk('clinic');
  const second = await openKiosk('clinic');
  await first.locator('.kiosk-arrived').tap();
  await expect.poll(() => statusOf(first).getAttribute('data-state')).toBe('sent');
  // The second page shows the first page's visitor, and numbers its own after it.
  await expect.poll(() => names(second)).toEqual(['Visitor 1']);
  await second.locator('.kiosk-arrived').tap();
  await expect.poll(() => names(first)).toEqual(['Visitor 1', 'Visitor 2']);

  // Offline, each page takes a visitor: both are kept on the tablet until the network returns.
  await context.setOffline(true);
  await first.locator('.kiosk-arrived').tap();
  await second.locator('.kiosk-arrived').tap();
  await expect.poll(() => statusOf(second).textContent()).toContain('2 saved on this tablet');
  await context.setOffline(false);
  await expect.poll(() => openCases('clinic')).toHaveLength(4);
  await expect.poll(() => statusOf(first).getAttribute('data-state')).toBe('sent');
  await expect.poll(() => statusOf(second).getAttribute('data-state')).toBe('sent');

  // The tablet, reopened, lists every visitor the server has waiting, each once, and each can be greeted.
  const waiting = await openCases('clinic');
  await Promise.all([first.close(), second.close()]);
  const reopened = await openKiosk('clinic');
  expect(await listed(reopened)).toEqual(waiting);
  expect(await names(reopened)).toEqual(['Visitor 1', 'Visitor 2', 'Visitor 3', 'Visitor 4']);
  for (let i = 0; i < 4; i++) await reopened.locator('li.kiosk-visitor .kiosk-greeted').first().tap();
  await expect.poll(() => openCases('clinic')).toEqual([]);
  await expect.poll(async () => (await visits('clinic')).map((v) => v.outcome)).toEqual(['greeted', 'greeted', 'greeted', 'greeted']);
});

it('a tablet 3 minutes slow, reopened without the network, stamps its taps on the server’s time as last learned: the greeting is stored', async () => {
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 768, height: 1024 } });
  // The tablet's clock: 3 minutes behind the server's (new Date() and Date.now(); dates built from a time are as given).
  await context.addInitScript(() => {
    const Real = Date;
    const skew = -180_000;
    class Slow extends Real {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(Real.now() + skew);
        else super(...(args as [number]));
      }
      static override now(): number {
        return Real.now() + skew;
      }
    }
    globalThis.Date = Slow as DateConstructor;
  });
  const page = await openKiosk('dental');
  await page.evaluate(async () => navigator.serviceWorker.ready);
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => openCases('dental')).toHaveLength(1);
  const [caseId] = await openCases('dental');

  await context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect.poll(() => listed(page)).toEqual([caseId]);
  await page.locator('.kiosk-greeted').tap();
  await expect.poll(() => statusOf(page).getAttribute('data-state')).toBe('offline');
  await context.setOffline(false);
  await expect.poll(() => visits('dental')).toEqual([{ caseId, outcome: 'greeted' }]);
  await expect.poll(() => statusOf(page).textContent()).toBe('Online · everything sent');
  expect(await openCases('dental')).toEqual([]);
});

it('a double tap on a visitor’s Greeted greets that visitor once: the row keeps its place for a moment, so the second tap does not land on the next visitor', async () => {
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 768, height: 1024 } });
  const page = await openKiosk('clinic');
  for (let i = 0; i < 3; i++) await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => names(page)).toEqual(['Visitor 1', 'Visitor 2', 'Visitor 3']);
  await expect.poll(() => openCases('clinic')).toHaveLength(3);
  const [first, second, third] = await page.locator('li.kiosk-visitor').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.case!));
  const box = (await page.locator('li.kiosk-visitor .kiosk-greeted').first().boundingBox())!;
  // Two taps on the same spot, as a finger's double tap (or two receptionists reaching for the same visitor) lands.
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
  await expect.poll(() => openCases('clinic')).toEqual([second!, third!].sort());
  expect(await names(page)).toEqual(['Visitor 2', 'Visitor 3']);
  expect(await page.locator('.kiosk-gone').textContent()).toBe('Visitor 1 · greeted');
  // The place is given up after a moment: the list closes up, and a tap there then is for the visitor now in it.
  await expect.poll(() => page.locator('.kiosk-gone').count()).toBe(0);
  await page.locator('li.kiosk-visitor .kiosk-greeted').first().tap();
  await expect.poll(() => openCases('clinic')).toEqual([third!]);
  expect((await visits('clinic')).filter((v) => v.caseId === first || v.caseId === second).map((v) => v.outcome)).toEqual(['greeted', 'greeted']);
});

it('Enter pressed twice on a visitor’s Greeted greets that visitor once: the focus waits on the row’s place, then goes to the next visitor', async () => {
  context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await openKiosk('optician');
  for (let i = 0; i < 2; i++) await page.locator('.kiosk-arrived').click();
  await expect.poll(() => openCases('optician')).toHaveLength(2);
  const [first, second] = await page.locator('li.kiosk-visitor').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.case!));
  await page.locator('li.kiosk-visitor .kiosk-greeted').first().focus();
  // A key pressed twice (a repeat, a switch's double press): the second press must not reach the next visitor.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect.poll(() => openCases('optician')).toEqual([second!]);
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Visitor 1 · greeted');
  // Once the place is given up, the focus is on the visitor now first, not lost to the page.
  await expect.poll(() => page.locator('.kiosk-gone').count()).toBe(0);
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Visitor 2 was greeted');
  expect(await openCases('optician')).toEqual([second!]);
  expect((await visits('optician')).map((v) => v.caseId)).toEqual([first]);
});
