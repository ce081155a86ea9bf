// The dashboard bundle (built by the webview package) served at `/`, and the reception kiosk's page at `/kiosk`
// (its files sit beside the dashboard's: kiosk.js, kiosk-sw.js, the manifest and icons).
import express, { type RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function dashboardHandlers(webviewDir: string): RequestHandler[] {
  const missing: RequestHandler = (req, res, next) => {
    // Checked per request, so building the webview while the server runs is enough.
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path !== '/' && req.path !== '/index.html') return next();
    if (existsSync(join(webviewDir, 'index.html'))) return next();
    res
      .status(503)
      .type('text/plain')
      .send(`The dashboard is not built (no index.html in ${webviewDir}).\nRun the build first: pnpm build (or node webview/build.mjs), then reload.\n`);
  };
  // The kiosk's address has no file name (/kiosk?site=…), and its service worker's scope is ./kiosk.
  const kiosk: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/kiosk') return next();
    const page = join(webviewDir, 'kiosk.html');
    if (!existsSync(page)) {
      res.status(503).type('text/plain').send(`The kiosk is not built (no kiosk.html in ${webviewDir}).\nRun the build first: pnpm build (or node webview/build.mjs), then reload.\n`);
      return;
    }
    res.sendFile(page, { headers: { 'Cache-Control': 'no-cache' } });
  };
  // Browsers ask for /favicon.ico on their own; "no icon" is not an error worth a 404 in their console.
  const noFavicon: RequestHandler = (req, res, next) => (req.path === '/favicon.ico' ? res.status(204).end() : next());
  return [missing, kiosk, express.static(webviewDir, { index: 'index.html', fallthrough: true }), noFavicon];
}
