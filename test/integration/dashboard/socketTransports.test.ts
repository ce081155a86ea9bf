// The page's live feed opens a WebSocket first (webview/src/transport/socket.ts, openSocket: a refused key then
// leaves nothing in the console). Through a proxy that cannot carry a WebSocket it still goes live, on
// long-polling: a proxy that refuses the upgrade (answered at once), and one that holds it unanswered (the attempt
// times out, and the next starts with long-polling). Real Chromium, a real server behind a small Node proxy. The key
// (after '#' in the page's address) goes in the handshake's payload, never in a polling request's URL: a proxy's
// access log lists those URLs.
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS } from '../../../server/src/protocol/pure';
import { useChromium } from '../../support/chromium';
import { useTestServer } from '../support/testServer';

const chromium = useChromium();

/** A proxy to `target` that passes plain HTTP on and, for a WebSocket upgrade, refuses it (502) or never answers. */
async function proxyWithoutWebSocket(target: string, upgrade: 'refuse' | 'hold'): Promise<{ url: string; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  const held: Socket[] = [];
  const proxy: Server = createServer((req, res) => {
    const upstream = httpRequest({ host: hostname, port, path: req.url, method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('upgrade', (_req, socket: Socket) => {
    if (upgrade === 'refuse') socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    else held.push(socket);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of held) socket.destroy();
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe('the page’s live feed through a proxy that cannot carry a WebSocket', () => {
  const server = useTestServer();

  for (const upgrade of ['refuse', 'hold'] as const) {
    it(`goes live on long-polling where the proxy ${upgrade === 'refuse' ? 'refuses' : 'holds'} the upgrade`, async () => {
      const proxy = await proxyWithoutWebSocket(server().url, upgrade);
      try {
        const context = await chromium.newContext();
        const page = await context.newPage();
        const polled: string[] = [];
        const sent: string[] = [];
        page.on('request', (r) => {
          // What goes on the wire: a browser never sends the fragment.
          const url = r.url().replace(/#.*$/, '');
          sent.push(url);
          if (url.includes('transport=polling')) polled.push(url);
        });
        page.on('websocket', (socket) => void sent.push(socket.url()));
        await page.goto(`${proxy.url}/#token=${server().apiKey}`);
        await expect.poll(() => page.locator('.rs-connection-label').textContent(), { timeout: CONNECT_TIMEOUT_MS + 10_000 }).toBe('Live');
        expect(polled.length).toBeGreaterThan(0);
        expect(sent.filter((url) => url.includes(server().apiKey))).toEqual([]);
      } finally {
        await proxy.close();
      }
    }, CONNECT_TIMEOUT_MS + 20_000);
  }
});
