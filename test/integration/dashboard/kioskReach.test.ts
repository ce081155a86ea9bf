// The reception kiosk's status line follows the server, not only its own sends: in real Chromium against a real
// server, a server stopped while the desk is quiet turns the line Offline within one reach check (the page holds no
// connection open that could drop), counting the taps kept on the tablet, and the server started again on the same
// address turns it Online once those taps are stored. The same check reads the setup with the desk's key, so a
// standard changed or the key revoked while the desk is quiet shows within it too. The page's time is the test's to
// move.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../vscode/harness/chromium';
import { startOnPort } from '../support/samePort';
import { adminHeaders, removeDir, startTestServer, tempDataDir, type TestServer } from '../support/testServer';

/** How often the kiosk checks the server is there, and how long it waits for an answer (webview/src/kiosk/main.ts). */
const REACH_CHECK_MS = 30_000;
const REACH_TIMEOUT_MS = 10_000;

const dataDir = tempDataDir();
let server: TestServer | null = null;
let browser: Browser;
let page: Page;
let link: string;

const status = () => page.locator('.kiosk-status');

async function openHarbourCases(running: TestServer): Promise<number> {
  const res = await fetch(`${running.url}/api/v1/clocks?site=harbour`, { headers: adminHeaders() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { clocks: unknown[] }).clocks.length;
}

beforeAll(async () => {
  server = await startTestServer({ dataDir });
  const res = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ name: 'harbour desk', scopes: ['ingest'], sites: ['harbour'] }) });
  const { key } = (await res.json()) as { key: string };
  link = `${server.url}/kiosk?site=harbour#key=${encodeURIComponent(key)}`;
  browser = await launchChromium();
  const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 800, height: 1280 } });
  page = await context.newPage();
  const start = Date.now();
  await page.clock.install({ time: start });
  await page.clock.pauseAt(start + 1000);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  removeDir(dataDir);
});

/** Stops the server; the page learns it at its next reach check, with no tap to fail. */
async function stopServer(): Promise<number> {
  const { port } = server!;
  await server!.close();
  server = null;
  await page.clock.fastForward(REACH_CHECK_MS);
  await expect.poll(() => status().getAttribute('data-state')).toBe('offline');
  return port;
}

/** Starts the server again on the same address and data; the page says Online within a reach check or two. */
async function restartServer(port: number): Promise<TestServer> {
  server = await startOnPort(port, (p) => startTestServer({ dataDir, port: p }));
  await expect
    .poll(async () => {
      await page.clock.fastForward(REACH_CHECK_MS);
      return status().textContent();
    })
    .toBe('Online · everything sent');
  return server;
}

it('says Offline once the server stops, before any tap fails, and Online again once it is back', async () => {
  await page.goto(link);
  await expect.poll(() => status().textContent()).toBe('Online · everything sent');
  const port = await stopServer();
  expect(await status().textContent()).toBe('Offline · 0 saved on this tablet, sent when the network returns');
  await restartServer(port);
});

it('counts the taps kept while the server is away, and stores them once it is back', async () => {
  const port = await stopServer();
  await page.locator('.kiosk-arrived').tap();
  await expect.poll(() => status().textContent()).toBe('Offline · 1 saved on this tablet, sent when the network returns');
  expect(await openHarbourCases(await restartServer(port))).toBe(1);
});

it('says Offline when the server stops answering without refusing the connection (its check times out), and Online once it answers again', async () => {
  await expect.poll(() => status().textContent()).toBe('Online · everything sent');
  // A server switched off behind a network that drops packets: the request neither fails nor is answered.
  const hanging = /\/api\/v1\/kiosk\?/;
  await page.route(hanging, () => undefined);
  await page.clock.fastForward(REACH_CHECK_MS);
  await page.clock.fastForward(REACH_TIMEOUT_MS);
  await expect.poll(() => status().getAttribute('data-state')).toBe('offline');
  await page.unroute(hanging);
  await expect
    .poll(async () => {
      await page.clock.fastForward(REACH_CHECK_MS);
      return status().textContent();
    })
    .toBe('Online · everything sent');
});

it('opened without its key, says where the kiosk link comes from, and asks the server nothing it would refuse', async () => {
  const fresh = await browser.newContext();
  try {
    const bare = await fresh.newPage();
    const asked: string[] = [];
    bare.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await bare.goto(link.replace(/#.*$/, ''));
    await bare.waitForLoadState('networkidle');
    expect(await bare.locator('.kiosk-status').textContent()).toBe('This kiosk has no key: open the kiosk link printed by "keys create --scope ingest --site SITE".');
    expect(asked.filter((p) => p.startsWith('/api/v1/kiosk'))).toEqual([]);
  } finally {
    await fresh.close();
  }
});

it('a standard changed while the desk is quiet: the kiosk times against the new threshold within one reach check, as the dashboard does', async () => {
  await expect.poll(() => status().textContent()).toBe('Online · everything sent');
  const target = page.locator('.kiosk-target');
  expect(await target.textContent()).toBe('Greet within 0:30');
  const res = await fetch(`${server!.url}/api/v1/standards/visit-greet-30s`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...adminHeaders() }, body: JSON.stringify({ threshold: 45 }) });
  expect(res.status).toBe(200);
  await page.clock.fastForward(REACH_CHECK_MS);
  await expect.poll(() => target.textContent()).toBe('Greet within 0:45');
});

it('a key revoked while the desk is quiet: the line says so within one reach check, before a visitor’s tap is refused', async () => {
  const listed = ((await (await fetch(`${server!.url}/api/v1/keys`, { headers: adminHeaders() })).json()) as { keys: Array<{ id: string; name: string }> }).keys;
  const desk = listed.find((k) => k.name === 'harbour desk')!;
  expect((await fetch(`${server!.url}/api/v1/keys/${desk.id}`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(200);
  await page.clock.fastForward(REACH_CHECK_MS);
  await expect.poll(() => status().getAttribute('data-state')).toBe('refused');
  expect(await status().textContent()).toBe("The server refused this kiosk's key: the API key has been revoked. Ask an administrator for a new kiosk link and open it on this tablet.");
});
