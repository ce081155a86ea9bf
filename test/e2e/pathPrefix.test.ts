// The dashboard page served under a path prefix behind a real nginx reverse proxy, in real Chromium: the page at
// http://127.0.0.1:NGINX/ringside/#token=… goes live, shows an event posted through the proxy, and every request
// it makes (Socket.IO included) goes through /ringside/, none to the bare origin; nginx's access log never holds
// the key (it is after '#', which the browser does not send, and goes in headers and the socket's handshake).
import { copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBuild } from '../vscode/harness/build';
import { launchChromium } from '../vscode/harness/chromium';
import { startNginx, type RunningNginx } from '../vscode/harness/nginx';
import { testResultsDir } from '../vscode/harness/paths';
import { startRingsideServer, type RunningRingside } from '../vscode/harness/ringsideServer';

const SCREENSHOT_COPY_DIR = process.env.RINGSIDE_SCREENSHOT_DIR ?? join(tmpdir(), 'rs5');
const cleanups: Array<() => Promise<unknown>> = [];
let server: RunningRingside;
let nginx: RunningNginx;
let browser: Browser;

beforeAll(async () => {
  runBuild('webview/build.mjs');
  runBuild('server/build.mjs');
  server = await startRingsideServer({ apiKey: true });
  cleanups.push(() => server.close());
  nginx = await startNginx(server.url, '/ringside/');
  cleanups.push(() => nginx.close());
  browser = await launchChromium();
  cleanups.push(() => browser.close());
  mkdirSync(testResultsDir, { recursive: true });
  mkdirSync(SCREENSHOT_COPY_DIR, { recursive: true });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup failed:', error));
});

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(testResultsDir, name);
  await page.screenshot({ path, animations: 'disabled' });
  copyFileSync(path, join(SCREENSHOT_COPY_DIR, name));
}

it('works under /ringside/ behind nginx: live over /ringside/socket.io/, events posted through the proxy appear', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const requested: string[] = [];
  const sockets: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('websocket', (socket) => sockets.push(socket.url()));

  await page.goto(`${nginx.url}#token=${encodeURIComponent(server.apiKey!)}`);
  const connection = page.locator('.rs-connection');
  await expect.poll(() => connection.getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
  await expect.poll(() => page.locator('.rs-connection-label').textContent()).toBe('Live');

  // An integration posting through the same proxy, with the key: the event reaches the page live.
  const id = `nginx-${Date.now()}`;
  const posted = await fetch(new URL('api/v1/events', nginx.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` },
    body: JSON.stringify({ events: [{ id, type: 'call', site: 'harbour', occurredAt: new Date().toISOString(), outcome: 'answered', rings: 1 }] }),
  });
  expect(posted.status).toBe(201);
  await page.locator(`.rs-feed-row[data-event-id="${id}"]`).waitFor({ timeout: 20_000 });
  await screenshot(page, 'path-prefix-nginx.png');

  // The live feed came over a WebSocket below the prefix, opened first: nginx passes the upgrade, so no long-polling.
  expect(sockets.some((url) => new URL(url).pathname === '/ringside/socket.io/')).toBe(true);
  const origin = new URL(nginx.url).origin;
  const own = requested.filter((url) => url.startsWith(origin));
  expect(own.filter((url) => url.includes('transport=polling'))).toEqual([]);
  expect(own.some((url) => new URL(url).pathname.startsWith('/ringside/api/v1/'))).toBe(true);
  // Nothing went to the bare origin: every request of the page is below /ringside/.
  expect(own.filter((url) => !new URL(url).pathname.startsWith('/ringside/'))).toEqual([]);
  expect(nginx.accessLog()).toMatch(/"GET \/ringside\/api\/v1\/compliance\?/);
  await page.close();
  // nginx's own account of the WebSocket, logged once it closes.
  await expect.poll(() => nginx.accessLog()).toMatch(/"GET \/ringside\/socket\.io\/\?EIO=4&transport=websocket/);
  expect(nginx.accessLog()).not.toContain(server.apiKey!);
});
