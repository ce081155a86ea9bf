// The reception kiosk and the site's hours, in real Chromium against a real server, both on time the test moves: a
// visitor who arrives while the site is closed is shown as not counted (grey, with words) and never turns amber or
// red, as the server's open clock says (notCounted, no deadline), while one at an open site turns red past the
// threshold; and every visitor's state on the kiosk is the one the dashboard derives from the server's clocks.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clockStateAt, countedByNone, countOpenClocks } from '../../../server/src/protocol/pure';
import type { OpenClock } from '../../../server/src/protocol';
import { launchChromium } from '../../vscode/harness/chromium';
import { testClock, type TestClock } from '../support/testClock';
import { adminHeaders, removeDir, startTestServer, type TestServer } from '../support/testServer';

/** Monday 1 June 2026, noon UTC: the harbour desk is open (08:00–18:00), the lobby opens at 13:00. */
const T0 = Date.parse('2026-06-01T12:00:00Z');
const weekdays = (interval: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [interval]]));

let clock: TestClock;
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
const pages: Record<'harbour' | 'lobby', Page> = {} as never;
let link: (site: string) => string;

async function admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', ...adminHeaders() }, ...(body ? { body: JSON.stringify(body) } : {}) });
  expect(res.status, path).toBeLessThan(300);
  return res.json();
}

/** Both the page's and the server's time move by `ms`. */
async function advance(ms: number): Promise<void> {
  await clock.advance(ms);
  await context.clock.fastForward(ms);
}

const row = (site: 'harbour' | 'lobby') => pages[site].locator('li.kiosk-visitor').first();

beforeAll(async () => {
  clock = testClock(T0);
  server = await startTestServer({ clock });
  await admin('POST', '/sites', { id: 'harbour', name: 'Harbour', timeZone: 'UTC', hours: weekdays('08:00-18:00') });
  await admin('POST', '/sites', { id: 'lobby', name: 'Lobby', timeZone: 'UTC', hours: weekdays('13:00-17:00') });
  const { key } = (await admin('POST', '/keys', { name: 'two desks', scopes: ['ingest'], sites: ['harbour', 'lobby'] })) as { key: string };
  browser = await launchChromium();
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 1280 } });
  // The page's time stands still at the server's until the test moves both.
  await context.clock.install({ time: T0 - 60_000 });
  await context.clock.pauseAt(T0);
  link = (site) => `${server.url}/kiosk?site=${site}#key=${encodeURIComponent(key)}`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (server) removeDir(server.dataDir);
});

it('a visitor at a closed site is not counted and never turns amber or red; one at an open site does', async () => {
  for (const site of ['harbour', 'lobby'] as const) {
    const page = (pages[site] = await context.newPage());
    await page.goto(link(site));
    await expect.poll(() => page.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
    await expect.poll(() => page.locator('.kiosk-target').textContent()).toBe('Greet within 0:30');
  }
  for (const site of ['harbour', 'lobby'] as const) {
    await pages[site].locator('.kiosk-arrived').tap();
    await expect.poll(() => pages[site].locator('li.kiosk-visitor').count()).toBe(1);
    await expect.poll(() => pages[site].locator('.kiosk-status').textContent()).toBe('Online · everything sent');
  }
  expect(await row('lobby').getAttribute('data-state')).toBe('not-counted');
  expect(await row('lobby').locator('.kiosk-state-word').textContent()).toBe('not counted · arrived while closed');
  expect(await row('harbour').getAttribute('data-state')).toBe('running');

  await advance(24_500); // past 80 % of the 30-second standard
  expect(await row('harbour').getAttribute('data-state')).toBe('at-risk');
  expect(await row('lobby').getAttribute('data-state')).toBe('not-counted');

  await advance(6_000); // 30.5 s: past the threshold
  expect(await row('harbour').getAttribute('data-state')).toBe('breached');
  expect(await row('harbour').locator('.kiosk-state-word').textContent()).toBe('breached');
  expect(await row('lobby').getAttribute('data-state')).toBe('not-counted');
  expect(await row('lobby').locator('.kiosk-timer').textContent()).toBe('0:30'); // its wait still shows
  // Not red: the lobby's row keeps a neutral edge and timer, the harbour's is red.
  const colours = async (site: 'harbour' | 'lobby') =>
    row(site).evaluate((li) => ({ edge: getComputedStyle(li).borderLeftColor, timer: getComputedStyle(li.querySelector('.kiosk-timer')!).color }));
  const [harbour, lobby] = [await colours('harbour'), await colours('lobby')];
  expect(lobby.edge).not.toBe(harbour.edge);
  expect(lobby.timer).not.toBe(harbour.timer);
  expect(await pages.lobby.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--kiosk-muted').trim())).not.toBe('');
});

it("each visitor's state on the kiosk is the one the dashboard derives from the server's open clocks", async () => {
  const { clocks } = (await admin('GET', '/clocks')) as { clocks: OpenClock[] };
  const now = clock.now();
  const lobby = clocks.find((c) => c.site === 'lobby')!;
  expect(lobby.standards).toEqual([expect.objectContaining({ standardId: 'visit-greet-30s', deadline: null, atRiskAt: null, state: 'running', notCounted: 'outside-hours' })]);
  // The dashboard's "Open now" and "At risk now" counts: two waiting, the harbour visitor breached, the lobby's not.
  expect(countOpenClocks(clocks, now)).toEqual({ open: 2, atRisk: 0, breached: 1 });
  for (const c of clocks) {
    const shown = await pages[c.site as 'harbour' | 'lobby'].locator(`li[data-case="${c.caseId}"]`).getAttribute('data-state');
    expect(shown, c.site).toBe(countedByNone(c) ? 'not-counted' : clockStateAt(c, now));
  }
});

it('a kiosk that keeps running asks for its setup again: new hours at the site apply to the next arrivals', async () => {
  await row('lobby').locator('.kiosk-greeted').tap();
  await expect.poll(() => pages.lobby.locator('li.kiosk-visitor').count()).toBe(0);
  const res = await fetch(`${server.url}/api/v1/sites/lobby`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ hours: weekdays('08:00-18:00') }) });
  expect(res.status).toBe(200);
  const asked = pages.lobby.waitForResponse((r) => r.url().includes('/api/v1/kiosk?site=lobby'));
  await advance(10 * 60_000); // the kiosk's next look at its setup
  await asked;
  await pages.lobby.locator('.kiosk-arrived').tap();
  await expect.poll(() => pages.lobby.locator('li.kiosk-visitor').count()).toBe(1);
  expect(await row('lobby').getAttribute('data-state')).toBe('running');
  await advance(30_500);
  expect(await row('lobby').getAttribute('data-state')).toBe('breached');
});
