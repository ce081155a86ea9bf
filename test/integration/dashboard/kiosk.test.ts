// The reception kiosk (/kiosk?site=…) in real Chromium with touch emulation, against a real server: set up from the
// link `keys create --site` prints, timers turning amber and red at the standard's at-risk share and threshold,
// visitors tapped in while the network is off kept on the tablet (across a reload, served by the service worker)
// and stored exactly once when it returns, even when an answer is lost on the way and everything is sent again.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../vscode/harness/chromium';
import { adminHeaders, useTestServer } from '../support/testServer';

const server = useTestServer();
let browser: Browser;
let context: BrowserContext;
let page: Page;
let link: string;
let key: string;
/** What the browser console said: a CSP refusal shows up here. */
const consoleErrors: string[] = [];

async function admin(path: string): Promise<any> {
  const res = await fetch(`${server().url}/api/v1${path}`, { headers: adminHeaders() });
  expect(res.status).toBe(200);
  return res.json();
}

/** The harbour visits stored as events (each case's finished event), oldest first; the range reaches past the page's clock. */
async function harbourVisits(): Promise<Array<{ outcome: string; greetSeconds: number; met: number; caseId: string }>> {
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const res = await fetch(`${server().url}/api/v1/export/events?format=ndjson&site=harbour&proof=none&to=${encodeURIComponent(to)}`, { headers: adminHeaders() });
  const rows = (await res.text()).split('\n').filter((line) => line.trim().startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
  const events = rows.filter((r) => r.type === 'visit' && r.standard_id === 'visit-greet-30s');
  return events.map((r) => ({ outcome: r.outcome, greetSeconds: r.greet_seconds, met: r.met, caseId: String(r.event_id).split(':').at(-1)! }));
}

/** WCAG 2.x relative luminance of an sRGB colour, channels 0–255. */
function luminance([r, g, b]: readonly number[]): number {
  const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
}

/** WCAG 2.x contrast ratio of two opaque colours: 1 to 21. */
function contrast(a: readonly number[], b: readonly number[]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/**
 * The focused element's focus ring as the page computes it: its outline's colour, and the colours it touches. With a
 * positive outline-offset the ring stands apart from the element, so what it touches on both sides is the background
 * behind the element (the ancestors' backgrounds, composited); otherwise also the element's own face.
 */
function focusRing(): { ring: number[]; width: number; style: string; adjacent: number[][]; name: string } {
  const rgba = (css: string) => {
    const parts = /^rgba?\(([^)]+)\)$/.exec(css)?.[1]?.split(/[\s,/]+/).filter(Boolean).map(Number);
    if (!parts || parts.length < 3 || parts.some(Number.isNaN)) throw new Error(`not an rgb() colour: ${css}`);
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  };
  const over = (top: number[], below: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + below[i]! * (1 - top[3]!)).concat(1);
  const backgroundOf = (from: Element | null): number[] => {
    const layers: number[][] = [];
    for (let node = from; node; node = node.parentElement) layers.push(rgba(getComputedStyle(node).backgroundColor));
    return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]); // the canvas under it all
  };
  const focused = document.activeElement as HTMLElement;
  const style = getComputedStyle(focused);
  const behind = backgroundOf(focused.parentElement);
  const adjacent = parseFloat(style.outlineOffset) > 0 ? [behind] : [behind, over(rgba(style.backgroundColor), behind)];
  return { ring: rgba(style.outlineColor), width: parseFloat(style.outlineWidth), style: style.outlineStyle, adjacent: adjacent.map((c) => c.slice(0, 3)), name: focused.getAttribute('aria-label') ?? focused.textContent ?? '' };
}

const openHarbourCases = async (): Promise<string[]> => (await admin('/clocks?site=harbour')).clocks.map((c: { caseId: string }) => c.caseId);
const rows = () => page.locator('li.kiosk-visitor');
const status = () => page.locator('.kiosk-status');

beforeAll(async () => {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'] }) });
  key = ((await res.json()) as { key: string }).key;
  link = `${server().url}/kiosk?site=harbour#key=${encodeURIComponent(key)}`;
  browser = await launchChromium();
  context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 1280 } });
  page = await context.newPage();
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  // The page's time is the test's to move (timers, retries) and stands still otherwise, so what a step reads does not
  // depend on how long the machine took to get there; the server keeps real time, and the page stays within the
  // minutes ahead of it that the server accepts (it stamps taps on the server's time, learned from GET /kiosk).
  const start = Date.now();
  await page.clock.install({ time: start });
  await page.clock.pauseAt(start + 1000);
});
afterAll(async () => {
  await browser?.close();
});

it('opens from the kiosk link, keeps the key off the address bar, and installs its service worker', async () => {
  await page.goto(link);
  await expect.poll(() => status().getAttribute('data-state')).toBe('sent');
  expect(page.url()).toBe(`${server().url}/kiosk?site=harbour`);
  await expect.poll(() => page.locator('.kiosk-target').textContent()).toBe('Greet within 0:30');
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).toBe(`${server().url}/kiosk-sw.js`);
  const manifest = await (await fetch(`${server().url}/kiosk.webmanifest`)).json();
  expect(manifest).toMatchObject({ start_url: 'kiosk', display: 'standalone' });
  // Chromium's own verdict on "Install app" / "Add to Home screen": nothing missing but a profile that keeps it
  // (a test's browser context is an incognito one).
  const cdp = await context.newCDPSession(page);
  const installable = async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito');
  await expect.poll(installable).toEqual([]);
  await cdp.detach();
  expect(consoleErrors).toEqual([]);
});

it('times a waiting visitor: amber from 80 % of the threshold, red past it; Greeted stores the visit', async () => {
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => rows().count()).toBe(1);
  const row = rows().first();
  // Touch targets a finger hits: at least 48 × 48 CSS pixels.
  for (const button of [page.locator('.kiosk-arrived'), row.locator('.kiosk-greeted'), row.locator('.kiosk-left')]) {
    const box = (await button.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(48);
  }
  await page.clock.fastForward(1000);
  expect(await row.getAttribute('data-state')).toBe('running');
  await page.clock.fastForward(23_500); // 24.5 s: past 24 s, 80 % of the 30-second standard
  expect(await row.getAttribute('data-state')).toBe('at-risk');
  expect(await row.locator('.kiosk-state-word').textContent()).toBe('due soon');
  await page.clock.fastForward(6_000); // 30.5 s
  expect(await row.getAttribute('data-state')).toBe('breached');
  expect(await row.locator('.kiosk-timer').textContent()).toBe('0:30');
  expect(await row.locator('.kiosk-state-word').textContent()).toBe('breached'); // the word every view uses
  await row.locator('.kiosk-greeted').tap();
  await expect.poll(() => harbourVisits()).toEqual([expect.objectContaining({ outcome: 'greeted' })]);
  expect((await harbourVisits())[0]).toMatchObject({ met: 0, greetSeconds: expect.any(Number) });
  expect((await harbourVisits())[0]!.greetSeconds).toBeGreaterThan(30);
  expect(await rows().count()).toBe(0);
});

it('works with the keyboard: Tab to the button, Enter adds a visitor, Space greets them', async () => {
  await page.locator('.kiosk-arrived').focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => rows().count()).toBe(1);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Greeted');
  await page.keyboard.press('Space');
  await expect.poll(() => rows().count()).toBe(0);
  await expect.poll(async () => (await harbourVisits()).length).toBe(2);
});

it('offline: visitors are kept on the tablet (across a reload) and stored exactly once when the network returns', async () => {
  await context.setOffline(true);
  await page.locator('.kiosk-arrived').tap();
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => rows().count()).toBe(2);
  await rows().first().locator('.kiosk-greeted').tap();
  await expect.poll(() => status().getAttribute('data-state')).toBe('offline');
  await expect.poll(() => status().textContent()).toContain('3 saved on this tablet');
  expect(await openHarbourCases()).toEqual([]);

  // The tablet restarts the page with no network: the service worker serves it, the desk is as it was.
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect.poll(() => rows().count()).toBe(1);
  expect(await page.locator('.kiosk-name').textContent()).toBe('Visitor 4');
  const waiting = await rows().first().getAttribute('data-case');

  // The first answer after the network returns is lost (the server stored the request): the kiosk sends it all again.
  let lost = 0;
  await page.route('**/api/v1/milestones', async (route) => {
    if (lost++ > 0) return route.continue();
    await route.fetch(); // reaches the server
    await route.abort('connectionreset'); // its answer never reaches the tablet
  });
  await context.setOffline(false);
  await expect.poll(() => lost).toBeGreaterThan(0);
  await expect.poll(async () => {
    await page.clock.fastForward(2_000); // the retry after the lost answer
    return status().getAttribute('data-state');
  }).toBe('sent');
  expect(lost).toBe(2);
  expect(await openHarbourCases()).toEqual([waiting]);
  const visits = await harbourVisits();
  expect(visits.map((v) => v.outcome)).toEqual(['greeted', 'greeted', 'greeted']);
  expect(new Set(visits.map((v) => v.caseId)).size).toBe(3);
});

it("refuses a key limited to another site: the page says so, naming the site, and sends nothing", async () => {
  const other = await context.newPage();
  await other.goto(`${server().url}/kiosk?site=airport#key=${encodeURIComponent(key)}`);
  await expect.poll(() => other.locator('.kiosk-status').getAttribute('data-state')).toBe('refused');
  expect(await other.locator('.kiosk-status').textContent()).toBe('The server refused this kiosk\'s key: this key may write only "harbour", not "airport". Ask an administrator for a new kiosk link and open it on this tablet.');
  await other.locator('.kiosk-arrived').tap();
  expect(await other.locator('.kiosk-status').getAttribute('data-state')).toBe('refused');
  expect((await admin('/clocks')).clocks.filter((c: { site: string }) => c.site === 'airport')).toEqual([]);
  await other.close();
});

it('opened for a case twin of a stored site ("Harbour" beside "harbour"), refuses it on the page, saying which site was meant, and sends no tap', async () => {
  // A key for every site: nothing stops the address's site before GET /kiosk, which must refuse it itself.
  const made = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'any desk', scopes: ['ingest'] }) });
  const anyKey = ((await made.json()) as { key: string }).key;
  const setup = await fetch(`${server().url}/api/v1/kiosk?site=Harbour`, { headers: { authorization: `Bearer ${anyKey}` } });
  const twin = 'new site "Harbour" differs from another site only in letter case: site ids are case-sensitive, so it would be a second site (did you mean "harbour"?); a kiosk for it could record no visit';
  expect([setup.status, await setup.json()]).toEqual([400, expect.objectContaining({ type: 'https://ringside.dev/problems/invalid-query', errors: [{ path: 'site', message: twin }] })]);
  expect((await fetch(`${server().url}/api/v1/kiosk?site=harbour`, { headers: { authorization: `Bearer ${anyKey}` } })).status).toBe(200);

  const other = await context.newPage();
  const requests: string[] = [];
  other.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
  await other.goto(`${server().url}/kiosk?site=Harbour#key=${encodeURIComponent(anyKey)}`);
  const line = other.locator('.kiosk-status');
  await expect.poll(() => line.getAttribute('data-state')).toBe('refused');
  expect(await line.textContent()).toBe(`The server refused this kiosk's site "Harbour": ${twin}. Ask an administrator for a kiosk link with the right site and open it on this tablet.`);
  await other.locator('.kiosk-arrived').tap();
  await expect.poll(() => other.locator('li.kiosk-visitor').count()).toBe(1);
  // A request the page makes after the tap: once it is seen, a POST the tap made would have been seen before it.
  await other.evaluate(() => fetch('api/v1/health?after-tap').then((r) => r.status));
  await expect.poll(() => requests.includes('GET /api/v1/health')).toBe(true);
  expect(requests.filter((r) => r.startsWith('POST '))).toEqual([]);
  expect(await line.textContent()).toMatch(/^The server refused this kiosk's site "Harbour"/);
  expect((await admin('/clocks')).clocks.filter((c: { site: string }) => c.site.toLowerCase() === 'harbour' && c.site !== 'harbour')).toEqual([]);
  await other.close();
});

it('fits a phone: at 320 and 390 px each visitor’s Greeted and Left are whole, inside the row, side by side', async () => {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'lobby phone', scopes: ['ingest'], sites: ['lobby'] }) });
  const phoneKey = ((await res.json()) as { key: string }).key;
  for (const width of [320, 390]) {
    const phone = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width, height: 844 } });
    const tab = await phone.newPage();
    await tab.goto(`${server().url}/kiosk?site=lobby#key=${encodeURIComponent(phoneKey)}`);
    await expect.poll(() => tab.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
    for (let i = 0; i < 10; i += 1) await tab.locator('.kiosk-arrived').tap();
    await expect.poll(() => tab.locator('li.kiosk-visitor').count()).toBe(10);
    const layout = await tab.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      rows: [...document.querySelectorAll<HTMLElement>('li.kiosk-visitor')].map((row) => {
        const inner = (selector: string) => {
          const node = row.querySelector<HTMLElement>(selector)!;
          const r = node.getBoundingClientRect();
          return { left: r.left, right: r.right, cut: node.scrollWidth > node.clientWidth };
        };
        const r = row.getBoundingClientRect();
        return { row: { left: r.left, right: r.right }, greeted: inner('.kiosk-greeted'), left: inner('.kiosk-left'), timer: inner('.kiosk-timer'), name: inner('.kiosk-name') };
      }),
    }));
    expect(layout.scrollWidth, `the page scrolls sideways at ${width} px`).toBeLessThanOrEqual(width);
    for (const row of layout.rows) {
      for (const part of [row.greeted, row.left, row.timer, row.name]) {
        expect(part.cut, `a label is cut at ${width} px`).toBe(false);
        expect(part.left).toBeGreaterThanOrEqual(row.row.left);
        expect(part.right).toBeLessThanOrEqual(row.row.right);
      }
      expect(row.greeted.right, `Greeted runs into Left at ${width} px`).toBeLessThanOrEqual(row.left.left);
    }
    await phone.close();
  }
});

it('fits a phone with a long site name: one long word wraps inside the page, which does not scroll sideways', async () => {
  // A branch named after its village: one word of 58 letters, wider than a phone held upright.
  const name = 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch Branch';
  const headers = { 'content-type': 'application/json', ...adminHeaders() };
  expect((await fetch(`${server().url}/api/v1/sites`, { method: 'POST', headers, body: JSON.stringify({ id: 'llanfair', name }) })).status).toBe(201);
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'llanfair desk', scopes: ['ingest'], sites: ['llanfair'] }) });
  const deskKey = ((await res.json()) as { key: string }).key;
  const phone = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });
  try {
    const tab = await phone.newPage();
    await tab.goto(`${server().url}/kiosk?site=llanfair#key=${encodeURIComponent(deskKey)}`);
    await expect.poll(() => tab.locator('.kiosk-title').textContent()).toBe(name);
    const layout = await tab.evaluate(() => {
      const title = document.querySelector<HTMLElement>('.kiosk-title')!;
      return { scrollWidth: document.documentElement.scrollWidth, right: title.getBoundingClientRect().right, cut: title.scrollWidth > title.clientWidth };
    });
    expect(layout.scrollWidth, 'the page scrolls sideways').toBeLessThanOrEqual(390);
    expect(layout.right).toBeLessThanOrEqual(390);
    expect(layout.cut).toBe(false);
  } finally {
    await phone.close();
  }
});

it('reads from across the room on a 1080p wall screen (large text, most of the width) and keeps its tablet size on a tablet', async () => {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'lobby screen', scopes: ['ingest'], sites: ['lobby'] }) });
  const screenKey = ((await res.json()) as { key: string }).key;
  const measure = async (width: number, height: number) => {
    const screen = await browser.newContext({ viewport: { width, height } });
    const tab = await screen.newPage();
    await tab.goto(`${server().url}/kiosk?site=lobby#key=${encodeURIComponent(screenKey)}`);
    await expect.poll(() => tab.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
    await tab.locator('.kiosk-arrived').click();
    await tab.locator('li.kiosk-visitor').first().waitFor();
    const sizes = await tab.evaluate(() => {
      const px = (selector: string) => parseFloat(getComputedStyle(document.querySelector(selector)!).fontSize);
      return { status: px('.kiosk-status'), word: px('.kiosk-state-word'), timer: px('.kiosk-timer'), width: document.querySelector('.kiosk')!.getBoundingClientRect().width, scrollWidth: document.documentElement.scrollWidth };
    });
    await screen.close();
    return sizes;
  };
  const wall = await measure(1920, 1080);
  expect(wall.status).toBeGreaterThanOrEqual(24);
  expect(wall.word).toBeGreaterThanOrEqual(24);
  expect(wall.timer).toBeGreaterThanOrEqual(44);
  expect(wall.width).toBeGreaterThan(1920 * 0.6);
  expect(wall.scrollWidth).toBeLessThanOrEqual(1920);
  const tablet = await measure(800, 1280);
  expect(tablet).toMatchObject({ status: 18, word: 18, timer: 32 });
  expect(tablet.scrollWidth).toBeLessThanOrEqual(800);
});

it('shows a keyboard focus ring of at least 3:1 against the colours next to it, light and dark, on every kind of row', async () => {
  const res = await fetch(`${server().url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'foyer desk', scopes: ['ingest'], sites: ['foyer'] }) });
  const foyerKey = ((await res.json()) as { key: string }).key;
  for (const colorScheme of ['light', 'dark'] as const) {
    const scheme = await browser.newContext({ colorScheme, viewport: { width: 800, height: 1280 } });
    const start = Date.now();
    await scheme.clock.install({ time: start });
    await scheme.clock.pauseAt(start + 1000);
    const tab = await scheme.newPage();
    await tab.goto(`${server().url}/kiosk?site=foyer#key=${encodeURIComponent(foyerKey)}`);
    await expect.poll(() => tab.locator('.kiosk-status').getAttribute('data-state')).toBe('sent');
    // Three visitors: one breached (red row), one due soon (amber row), one just arrived (plain row).
    await tab.locator('.kiosk-arrived').click();
    await tab.clock.fastForward(6_000);
    await tab.locator('.kiosk-arrived').click();
    await tab.clock.fastForward(25_000);
    await tab.locator('.kiosk-arrived').click();
    expect(await tab.locator('li.kiosk-visitor').evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.state))).toEqual(['breached', 'at-risk', 'running']);
    // Tab through every button, as a keyboard user does, so each is focused as :focus-visible shows it.
    await tab.keyboard.press('Tab');
    await tab.keyboard.press('Shift+Tab');
    const rings = [await tab.evaluate(focusRing)];
    for (let i = 0; i < 6; i++) {
      await tab.keyboard.press('Tab');
      rings.push(await tab.evaluate(focusRing));
    }
    expect(rings.map((r) => r.name)).toEqual(['Visitor arrived', ...[1, 2, 3].flatMap((n) => [`Visitor ${n} was greeted`, `Visitor ${n} left without being greeted`])]);
    for (const ring of rings) {
      expect([ring.style, ring.width >= 2], `${colorScheme}: ${ring.name} has no visible ring`).toEqual(['solid', true]);
      for (const next of ring.adjacent) {
        const ratio = contrast(ring.ring, next);
        expect.soft(ratio, `${colorScheme}: the ring of "${ring.name}" (rgb ${ring.ring.slice(0, 3).join(', ')}) against rgb ${next.join(', ')}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(3);
      }
    }
    await scheme.close();
  }
});

it('a key revoked while the desk works: the line says whom to ask for a new link and that the taps are kept', async () => {
  const listed = (await admin('/keys')).keys as Array<{ id: string; name: string }>;
  const desk = listed.find((k) => k.name === 'harbour desk')!;
  const revoked = await fetch(`${server().url}/api/v1/keys/${desk.id}`, { method: 'DELETE', headers: adminHeaders() });
  expect(revoked.status).toBe(200);
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => status().getAttribute('data-state')).toBe('refused');
  expect(await status().textContent()).toBe(
    "The server refused this kiosk's key: the API key has been revoked. Ask an administrator for a new kiosk link and open it on this tablet. 1 tap is saved on this tablet until then.",
  );
  // Nothing is sent any more, so nothing answers to say it again: the next tap's count is on the line at once, not at
  // the next reach check, 30 s later.
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => status().textContent()).toMatch(/ 2 taps are saved on this tablet until then\.$/);
});
