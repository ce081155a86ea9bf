// The dashboard page at / without a key, or with one the server refuses, in real Chromium against a real server: it
// sends nothing that must be refused (no socket, no query; a key after '#', which the server never sees, is tried by
// the page's request for its first paint alone, refused there with a 401, the one line in the console), so the console
// stays clean; it asks for a key on the page, and the key typed there connects it
// (in memory only: the address keeps no key). A key the live feed's
// handshake refuses (typed wrong, or revoked while the page is live) is told in the page's words alone: the console
// stays clean then too. A --no-auth server's page needs none and connects at once.
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useChromium } from '../../support/chromium';
import { adminHeaders, call, useTestServer } from '../support/testServer';

const chromium = useChromium();

/**
 * A page that records every request it makes (bar its own files) and everything its console says; `quiet()` is
 * true once no request and no WebSocket of its live feed is still open (what the browser logs of them is in).
 */
async function openPage(url: string): Promise<{ page: Page; requests: string[]; console: string[]; quiet: () => boolean }> {
  const context = await chromium.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const console: string[] = [];
  let open = 0;
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (!/\.(js|css)$/.test(pathname) && pathname !== '/') requests.push(pathname);
    if (pathname.startsWith('/socket.io/')) open += 1;
  });
  const settled = (request: { url(): string }) => void (new URL(request.url()).pathname.startsWith('/socket.io/') && (open -= 1));
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  page.on('websocket', (socket) => {
    requests.push(new URL(socket.url()).pathname);
    open += 1;
    socket.on('close', () => (open -= 1));
  });
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on('dialog', (dialog) => void dialog.dismiss());
  await page.goto(url);
  return { page, requests, console, quiet: () => open === 0 };
}

const warnings = (console: string[]) => console.filter((line) => /^(error|warning)/.test(line));

describe('the dashboard page without a key it may use', () => {
  const server = useTestServer();
  afterAll(() => chromium.closeContexts());

  it('without a key in its address sends nothing, asks for a key on the page, and connects with the key typed', async () => {
    const { page, requests, console } = await openPage(`${server().url}/?window=7d`);
    const field = page.getByRole('textbox', { name: 'API key' });
    await field.waitFor();
    await expect(page.locator('.rs-key-detail').textContent()).resolves.toBe(`The Ringside server at ${server().url} needs an API key.`);
    // What would act on nothing is not offered.
    expect(await page.locator('.rs-controls').isVisible()).toBe(false);
    expect(await page.getByText('Export…').isVisible()).toBe(false);
    // The page's script has run to the end (the field has the focus) and has sent nothing.
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('rs-key-input'))).toBe(true);
    expect(requests).toEqual([]);
    expect(console).toEqual([]);

    await field.fill(server().apiKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('.rs-board').waitFor();
    await expect.poll(() => page.locator('.rs-connection-label').textContent()).toBe('Live');
    expect(await page.locator('.rs-controls').isVisible()).toBe(true);
    expect(await page.getByText('Export…').isVisible()).toBe(true);
    await expect.poll(() => requests.filter((r) => r.startsWith('/api/v1/')).length).toBeGreaterThan(0);
    expect(requests.some((r) => r.startsWith('/socket.io/'))).toBe(true);
    // The key lives in the page's memory alone: not in its address, not in its storage.
    expect(page.url()).not.toContain(server().apiKey);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(server().apiKey);
    expect(warnings(console)).toEqual([]);
  });

  it('with a ?token= the server refuses sends nothing either, and says why', async () => {
    const { page, requests, console } = await openPage(`${server().url}/?token=rs_not-a-key-0123456789abcdef`);
    await page.getByRole('textbox', { name: 'API key' }).waitFor();
    await expect(page.locator('.rs-key-detail').textContent()).resolves.toBe(`The Ringside server at ${server().url} refused the API key (it is not recognised).`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('rs-key-input'))).toBe(true);
    expect(requests).toEqual([]);
    expect(console).toEqual([]);
  });

  it('with a #token= the server refuses, only the page’s first-paint request tries it, once: no socket, no query, the page says why, the console holds that one 401', async () => {
    // The server never sees a key after '#': the page asks for its first paint with it (in a header), and the server
    // refuses it there as every route refuses a wrong key (a 401, which the browser logs as it logs any: a log watcher
    // sees it too); the page then says why in the live feed's words, as it would had the server seen the key.
    const { page, requests, console, quiet } = await openPage(`${server().url}/#token=rs_not-a-key-0123456789abcdef`);
    await expect.poll(() => page.locator('.rs-key-detail').textContent()).toBe(`The Ringside server at ${server().url} refused the API key (it is not recognised).`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('rs-key-input'))).toBe(true);
    expect(page.url()).toBe(`${server().url}/`);
    await expect.poll(quiet).toBe(true);
    expect(requests).toEqual(['/first-paint']);
    expect(warnings(console)).toEqual(['error: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  });

  it('a key typed that the live feed refuses is told in the page, and the console stays clean', async () => {
    const { page, requests, console, quiet } = await openPage(`${server().url}/`);
    const field = page.getByRole('textbox', { name: 'API key' });
    await field.fill('rs_mistyped-0123456789abcdef');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.locator('.rs-key-detail').textContent()).toBe(`The Ringside server at ${server().url} refused the API key (it is not recognised).`);
    expect(await field.inputValue()).toBe('rs_mistyped-0123456789abcdef');
    // Its handshake was tried (and closed), and no query was sent with it.
    expect(requests.some((r) => r.startsWith('/socket.io/'))).toBe(true);
    expect(requests.filter((r) => r.startsWith('/api/v1/'))).toEqual([]);
    await expect.poll(quiet).toBe(true);
    expect(warnings(console)).toEqual([]);
  });

  it('a key revoked while the page is live is told in the page, over the figures kept, and the console stays clean', async () => {
    const made = await fetch(`${server().url}/api/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...adminHeaders() },
      body: JSON.stringify({ name: 'wallboard', scopes: ['read'] }),
    });
    const { key, id } = (await made.json()) as { key: string; id: string };
    const { page, console, quiet } = await openPage(`${server().url}/#token=${key}`);
    // The page opens its socket once it has drawn its first paint, asked after its script started: past the page's
    // load event, later on a busy machine than the poll's default second.
    await expect.poll(() => page.locator('.rs-connection-label').textContent(), { timeout: 15_000 }).toBe('Live');
    // Live as before: an event posted now reaches the page through its socket.
    expect((await server().postEvents({ events: [call({ id: 'seen-live' })] })).status).toBe(201);
    await page.locator('.rs-feed-row[data-event-id="seen-live"]').waitFor();

    expect((await fetch(`${server().url}/api/v1/keys/${id}`, { method: 'DELETE', headers: adminHeaders() })).status).toBe(200);
    await expect.poll(() => page.locator('.rs-key-detail').textContent(), { timeout: 15_000 }).toBe(`The Ringside server at ${server().url} refused the API key (it is revoked).`);
    expect(await page.locator('.rs-stale').isVisible()).toBe(true);
    expect(await page.locator('.rs-feed-row[data-event-id="seen-live"]').isVisible()).toBe(true);
    await expect.poll(quiet).toBe(true);
    expect(warnings(console)).toEqual([]);
  });
});

describe('the dashboard page of a server without keys (--no-auth)', () => {
  const open = useTestServer({ noAuth: true });
  afterAll(() => chromium.closeContexts());

  it('connects without asking for a key', async () => {
    const { page } = await openPage(`${open().url}/`);
    await page.locator('.rs-board').waitFor();
    await expect.poll(() => page.locator('.rs-connection-label').textContent()).toBe('Live');
    expect(await page.locator('.rs-key').isVisible()).toBe(false);
  });
});
