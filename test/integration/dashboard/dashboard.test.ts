// The dashboard is served at `/` from the webview build, or a clear 503 when it is not built.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEBVIEW_DIR } from '../../../server/src/server';
import { removeDir, startTestServer, tempDataDir } from '../support/testServer';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('dashboard at /', () => {
  it('defaults to webview/dist of this repository', () => {
    expect(DEFAULT_WEBVIEW_DIR).toBe(resolve(__dirname, '../../../webview/dist'));
  });

  it('serves index.html and its assets from the webview build', async () => {
    const webviewDir = tempDataDir();
    dirs.push(webviewDir);
    writeFileSync(join(webviewDir, 'index.html'), '<!doctype html><title>Ringside</title><script src="dashboard.js"></script>');
    writeFileSync(join(webviewDir, 'dashboard.js'), 'console.log("dashboard")');
    const server = await startTestServer({ webviewDir });
    dirs.push(server.dataDir);
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('<title>Ringside</title>');
      const script = await fetch(`${server.url}/dashboard.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('answers 503 with instructions when the dashboard is not built, and serves it once built', async () => {
    const webviewDir = join(tempDataDir(), 'dist');
    dirs.push(webviewDir);
    const server = await startTestServer({ webviewDir });
    dirs.push(server.dataDir);
    try {
      const res = await fetch(`${server.url}/`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await res.text()).toMatch(/not built.*\n.*build/);
      mkdirSync(webviewDir, { recursive: true });
      writeFileSync(join(webviewDir, 'index.html'), '<title>now built</title>');
      expect((await fetch(`${server.url}/`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
