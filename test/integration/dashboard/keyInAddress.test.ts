// The dashboard's key in its address, in real Chromium against a real server. The link the server prints carries it
// after '#' (`/#token=…`), which a browser never sends: the page goes live with it, and no request it makes (its
// document, its files, its queries, its WebSocket) carries the key in its URL or its Referer, so no reverse proxy's
// access log gets it. An old `?token=` link still goes live, and the page takes the key out of its address at once
// (the request for the page itself carried it: that is why the form is deprecated); nothing it requests afterwards
// carries it. A reload keeps either page live (the key is kept for the tab). The #token= page asks for its first
// paint over HTTP (the key in a header) and draws its charts from that answer, its socket not needed for them.
// Long-polling: socketTransports.test.ts.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useChromium } from '../../support/chromium';
import { call, useTestServer } from '../support/testServer';

const chromium = useChromium();

interface Sent {
  /** What goes on the wire: the URL without its fragment, which a browser never sends. */
  url: string;
  referer: string | null;
  navigation: boolean;
}

/** A page that records every request it sends (WebSockets included) and everything its console says. */
async function openPage(): Promise<{ page: Page; sent: Sent[]; console: string[] }> {
  const context = await chromium.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const sent: Sent[] = [];
  const console: string[] = [];
  const wire = (url: string) => url.replace(/#.*$/, '');
  page.on('request', (request) => {
    sent.push({ url: wire(request.url()), referer: request.headers()['referer'] ?? null, navigation: request.isNavigationRequest() });
  });
  page.on('websocket', (socket) => sent.push({ url: wire(socket.url()), referer: null, navigation: false }));
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  return { page, sent, console };
}

const live = (page: Page) => expect.poll(() => page.locator('.rs-connection-label').textContent(), { timeout: 15_000 }).toBe('Live');

describe('the dashboard’s key in its address', () => {
  const server = useTestServer();

  it('a #token= link goes live, and nothing the page sends carries the key, in its URL or its Referer', async () => {
    const key = server().apiKey;
    const { page, sent, console } = await openPage();
    await page.goto(`${server().url}/?window=7d#token=${key}`);
    await live(page);
    // Live indeed: an event posted now reaches the page through its socket.
    expect((await server().postEvents({ events: [call({ id: 'fragment-live' })] })).status).toBe(201);
    await page.locator('.rs-feed-row[data-event-id="fragment-live"]').waitFor();
    // The key left the address bar; the selection stayed.
    expect(page.url()).toBe(`${server().url}/?window=7d`);

    // The page's queries and its WebSocket were made (with the key in their headers and handshake, not their URLs).
    expect(sent.some((s) => new URL(s.url).pathname.startsWith('/api/v1/'))).toBe(true);
    expect(sent.some((s) => s.url.startsWith('ws:') && s.url.includes('/socket.io/'))).toBe(true);
    expect(sent.filter((s) => s.url.includes(key) || s.referer?.includes(key))).toEqual([]);

    // A reload (F5, a wallboard's timed one) stays live without the key in the address.
    await page.reload();
    await live(page);
    expect(page.url()).toBe(`${server().url}/?window=7d`);
    expect(sent.filter((s) => s.url.includes(key) || s.referer?.includes(key))).toEqual([]);
    expect(console.filter((line) => /^(error|warning)/.test(line))).toEqual([]);
  });

  it('a #token= link draws its charts from the first paint it asks over HTTP, with its socket held unopened, the key in a header only', async () => {
    const key = server().apiKey;
    expect((await server().postEvents({ events: [call({ id: 'painted-1', rings: 1 }), call({ id: 'painted-2', rings: 4 })] })).status).toBe(201);
    const { page, sent } = await openPage();
    // The live feed never opens: its WebSocket is held by a stand-in that never answers, its long-polling requests
    // are held unanswered. Whatever the page draws comes over plain HTTP.
    const heldSockets: string[] = [];
    await page.routeWebSocket(/\/socket\.io\//, (socket) => void heldSockets.push(socket.url()));
    await page.route(/\/socket\.io\//, () => {});
    const authorizations: Array<string | null> = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/first-paint') authorizations.push(request.headers()['authorization'] ?? null);
    });
    await page.goto(`${server().url}/?window=7d#token=${key}`);
    // Every standard's chart has its 7-day series in; the calls' chart is plotted (its note hidden) and its table
    // lists the hour of the events posted above.
    await page.waitForFunction(
      () => {
        const panels = [...document.querySelectorAll<HTMLElement>('.rs-chart-panel')];
        const plotted = panels.filter((p) => p.querySelector<HTMLElement>('.rs-chart-note')?.hidden && p.querySelectorAll('tbody tr').length > 0);
        return panels.length > 0 && panels.every((p) => p.dataset['status'] === 'ok') && plotted.length > 0;
      },
      null,
      { timeout: 15_000 },
    );
    expect(heldSockets.length).toBeGreaterThan(0);
    expect(await page.locator('.rs-connection-label').textContent()).not.toBe('Live');
    // One request for the first paint, its key in the Authorization header; nothing carries it in a URL or Referer.
    expect(authorizations).toEqual([`Bearer ${key}`]);
    expect(sent.filter((s) => s.url.includes(key) || s.referer?.includes(key))).toEqual([]);
    expect(page.url()).toBe(`${server().url}/?window=7d`);
  });

  it("a #token= page asks for its first paint from its head, before the dashboard's script has arrived, and only once", async () => {
    const key = server().apiKey;
    const { page } = await openPage();
    const firstPaints: string[] = [];
    let askedForFirstPaint!: () => void;
    const asked = new Promise<void>((resolve) => (askedForFirstPaint = resolve));
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/first-paint') return;
      firstPaints.push(request.headers()['authorization'] ?? '');
      askedForFirstPaint();
    });
    // The dashboard's script is held until the first paint has been asked for: only a script that runs before it
    // (the page's head) can ask, so without one the page never draws.
    await page.route(/\/dashboard\.js$/, async (route) => {
      await asked;
      await route.continue();
    });
    await page.goto(`${server().url}/?window=7d#token=${key}`);
    await live(page);
    await page.locator('.rs-chart-panel[data-status="ok"]').first().waitFor();
    expect(firstPaints).toEqual([`Bearer ${key}`]);
    // Reloaded, the page asks with the key its tab kept, again from the head and once.
    firstPaints.length = 0;
    await page.reload();
    await live(page);
    expect(firstPaints).toEqual([`Bearer ${key}`]);
  });

  it("asks for the dashboard's script at once, while the head's script and the stylesheet are still on their way", async () => {
    const key = server().apiKey;
    const { page } = await openPage();
    let scriptAsked = false;
    let askedForScript!: () => void;
    const asked = new Promise<void>((resolve) => (askedForScript = resolve));
    await page.route(/\/dashboard\.js$/, async (route) => {
      scriptAsked = true;
      askedForScript();
      await route.continue();
    });
    // The head's script and the stylesheet are held until the dashboard's script has been asked for. Chromium asks
    // a deferred script at low priority by default, and holds such requests while the parser is still in the head
    // behind them: the script would then be asked only once they had arrived and run.
    await page.route(/\/(dashboard-prefetch\.js|dashboard\.css)$/, async (route) => {
      await asked;
      await route.continue();
    });
    await page.goto(`${server().url}/?window=7d#token=${key}`, { waitUntil: 'commit' });
    await expect.poll(() => scriptAsked, { timeout: 5_000 }).toBe(true);
    await page.locator('.rs-chart-panel[data-status="ok"]').first().waitFor();
  });

  it('a link with both ?token= and #token= uses the key after #, and asks for its first paint once, with no key in its URL', async () => {
    const key = server().apiKey;
    const wrong = 'rs_not-a-key-0123456789abcdef';
    const firstPaints = (sent: Sent[]) => sent.filter((s) => new URL(s.url).pathname === '/first-paint').map((s) => s.url);
    const authorizations: string[] = [];
    // The key after '#' may read, the query's not: the page goes live with the first, asked for once.
    const { page, sent } = await openPage();
    page.on('request', (request) => void (new URL(request.url()).pathname === '/first-paint' && authorizations.push(request.headers()['authorization'] ?? '')));
    await page.goto(`${server().url}/?token=${wrong}&window=7d#token=${key}`);
    await live(page);
    await page.locator('.rs-chart-panel[data-status="ok"]').first().waitFor();
    expect(firstPaints(sent)).toEqual([`${server().url}/first-paint?window=7d`]);
    expect(authorizations).toEqual([`Bearer ${key}`]);
    expect(page.url()).toBe(`${server().url}/?window=7d`);

    // The query's key may read, the one after '#' not: the page uses the '#' one all the same (asked for once; what
    // the server wrote into the page for the other is not about it), says why, and opens no socket with it.
    const other = await openPage();
    await other.page.goto(`${server().url}/?token=${key}&window=7d#token=${wrong}`);
    await expect.poll(() => other.page.locator('.rs-key-detail').textContent()).toBe(`The Ringside server at ${server().url} refused the API key (it is not recognised).`);
    expect(firstPaints(other.sent)).toEqual([`${server().url}/first-paint?window=7d`]);
    expect(other.sent.filter((s) => s.url.includes('/socket.io/'))).toEqual([]);
  });

  it('an old ?token= link still goes live, the key leaves the address at once, and nothing sent afterwards carries it', async () => {
    const key = server().apiKey;
    const { page, sent } = await openPage();
    await page.goto(`${server().url}/?token=${key}&window=7d`);
    // The page at / was asked for with the key (what a proxy's access log holds of an old link); the first paint it
    // carried was read with it.
    expect(sent.filter((s) => s.url.includes(key)).map((s) => s.navigation)).toEqual([true]);
    expect(page.url()).toBe(`${server().url}/?window=7d`);
    await live(page);
    expect((await server().postEvents({ events: [call({ id: 'query-live' })] })).status).toBe(201);
    await page.locator('.rs-feed-row[data-event-id="query-live"]').waitFor();
    expect(page.url()).toBe(`${server().url}/?window=7d`);
    // Nothing else: the page's files, queries and WebSocket carry it neither in their URLs nor as a Referer.
    expect(sent.filter((s) => !s.navigation).some((s) => s.url.includes('/socket.io/'))).toBe(true);
    expect(sent.filter((s) => !s.navigation && (s.url.includes(key) || s.referer?.includes(key)))).toEqual([]);

    // A reload, as a wallboard's: still live, and now nothing at all carries the key.
    const before = sent.length;
    await page.reload();
    await live(page);
    expect(sent.slice(before).filter((s) => s.url.includes(key) || s.referer?.includes(key))).toEqual([]);
  });
});
