// The reception kiosk numbers its visitors from 1 each day of its site, in the site's own zone (which GET /kiosk
// names), not the tablet's: in real Chromium against a real server, both on time the test moves, across the
// midnight of a site at UTC+14 on a tablet set to Los Angeles time, and on through a reload at midday.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serverTimeZone } from '../../../server/src/domain/zonedTime';
import { launchChromium } from '../../vscode/harness/chromium';
import { testClock, type TestClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

/** 23:57 on Thursday 3 December 2026 at Kiritimati (UTC+14); 01:57 that day in Los Angeles, whose midnight is far. */
const T0 = Date.parse('2026-12-03T09:57:00Z');

let clock: TestClock;
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;

async function admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders() }, ...(body ? { body: JSON.stringify(body) } : {}) });
  expect(res.status, path).toBeLessThan(300);
  return res.json();
}

/** Both the page's and the server's time move to `atMs`. */
async function moveTo(atMs: number): Promise<void> {
  const ms = atMs - clock.now();
  await clock.skipTo(atMs);
  await context.clock.fastForward(ms);
}

const names = () => page.locator('.kiosk-name').allTextContents();

async function arrive(): Promise<void> {
  const before = await page.locator('li.kiosk-visitor').count();
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => page.locator('li.kiosk-visitor').count()).toBe(before + 1);
  await expect.poll(() => page.locator('.kiosk-status').textContent()).toBe('Online · everything sent');
}

async function greet(name: string): Promise<void> {
  await page.getByRole('button', { name: `${name} was greeted` }).tap();
  await expect.poll(() => names()).not.toContain(name);
}

beforeAll(async () => {
  clock = testClock(T0);
  server = await startTestServer({ clock });
  await admin('POST', '/sites', { id: 'atoll', name: 'Atoll', timeZone: 'Pacific/Kiritimati' });
  key = ((await admin('POST', '/keys', { name: 'atoll desk', scopes: ['ingest'], sites: ['atoll'] })) as { key: string }).key;
  browser = await launchChromium();
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 1280 }, timezoneId: 'America/Los_Angeles' });
  await context.clock.install({ time: T0 - 60_000 });
  await context.clock.pauseAt(T0);
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

it("GET /kiosk names the site's zone: its own, else the server's default for a site not configured", async () => {
  const res = await fetch(`${server.url}/api/v1/kiosk?site=atoll`, { headers: adminHeaders(key) });
  expect(((await res.json()) as { site: unknown }).site).toEqual({ id: 'atoll', name: 'Atoll', timeZone: 'Pacific/Kiritimati' });
  expect((await admin('GET', '/kiosk?site=elsewhere')).site).toEqual({ id: 'elsewhere', name: 'elsewhere', timeZone: serverTimeZone() });
});

it("starts again at Visitor 1 at the site's midnight; a visitor still waiting from the day before keeps their number", async () => {
  await page.goto(`${server.url}/kiosk?site=atoll#key=${encodeURIComponent(key)}`);
  await expect.poll(() => page.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
  await arrive();
  await arrive();
  expect(await names()).toEqual(['Visitor 1', 'Visitor 2']);
  await greet('Visitor 1');

  await moveTo(Date.parse('2026-12-03T10:01:00Z')); // 00:01 on the 4th at the site, still the 3rd on the tablet
  await arrive();
  expect(await names()).toEqual(['Visitor 2', 'Visitor 1']);
  await greet('Visitor 2');
  await greet('Visitor 1');
});

it('goes on with the day’s count after a reload at midday', async () => {
  await moveTo(Date.parse('2026-12-03T22:00:00Z')); // 12:00 at the site
  await arrive();
  expect(await names()).toEqual(['Visitor 2']);
  await greet('Visitor 2');
  // No one waits, so only the day the desk saved says that today's count is at 2.
  await page.reload();
  await expect.poll(() => page.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
  expect(await names()).toEqual([]);
  await arrive();
  expect(await names()).toEqual(['Visitor 3']);
});

it('a visitor still listed when the server closes their visit (the visit type’s 8 hours, as at the end of a shift) leaves the list, as they leave the dashboard’s open clocks', async () => {
  expect(await names()).toEqual(['Visitor 3']);
  const [waiting] = (await admin('GET', '/clocks?site=atoll')).clocks as Array<{ startedAt: string }>;
  const arrivedAt = Date.parse(waiting!.startedAt);
  await moveTo(arrivedAt + 8 * 3_600_000 - 1000);
  expect(await names()).toEqual(['Visitor 3']);
  await moveTo(arrivedAt + 8 * 3_600_000 + 1000);
  await expect.poll(async () => (await admin('GET', '/clocks?site=atoll')).clocks).toEqual([]);
  await expect.poll(() => names()).toEqual([]);
  // Nothing is sent for them: the server closed the visit itself.
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('ringside-kiosk:desk:atoll')!).outbox)).toEqual([]);
});
