// The dashboard bundle (built by the webview package) served at `/`, and the reception kiosk's page at `/kiosk`
// (its files sit beside the dashboard's: kiosk.js, kiosk-sw.js, the manifest and icons).
import express, { type RequestHandler } from 'express';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callerOf } from './caller';
import { firstPaintFor, pageDataBlock, paintAnswer, paintFor, queryKey, type FirstPaintSources } from './firstPaint';
import { FIRST_PAINT_PATH } from './scopes';

/**
 * How long the page waits for its first paint's data before it is sent without it (the page then asks for it as
 * it would without): a slow report must not keep the whole page, its layout and connection state, from showing.
 */
const FIRST_PAINT_WAIT_MS = 1500;

export interface DashboardPageOptions {
  /** What the page may carry for its first paint; absent: the page is the built file as it is. */
  firstPaint?: FirstPaintSources;
  now: () => number;
  onError: (error: unknown) => void;
}

export function dashboardHandlers(webviewDir: string, options?: DashboardPageOptions): RequestHandler[] {
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
  const index = options?.firstPaint ? [dashboardPage(webviewDir, options.firstPaint, options), firstPaintAnswer(options.firstPaint, options)] : [];
  return [missing, kiosk, ...index, express.static(webviewDir, { index: 'index.html', fallthrough: true }), noFavicon];
}

/**
 * The page at / with its first paint's data in a JSON block before </body> (or, where its key would be refused,
 * a block saying so: the page then asks for one). Everything before that is sent at once,
 * so the browser fetches and compiles the script (deferred: it runs once the document is complete) while the data
 * is read. Never cached (no-store): it carries figures, read with the key in its address.
 */
function dashboardPage(webviewDir: string, sources: FirstPaintSources, options: DashboardPageOptions): RequestHandler {
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (req.path !== '/' && req.path !== '/index.html')) return next();
    readFile(join(webviewDir, 'index.html'), 'utf8').then((html) => {
      res.status(200).type('html').setHeader('Cache-Control', 'no-store');
      if (req.method === 'HEAD') return void res.end();
      const at = html.lastIndexOf('</body>');
      const [head, tail] = at < 0 ? [html, ''] : [html.slice(0, at), html.slice(at)];
      // Read once the head has left: reading is synchronous SQLite underneath, and started at once it would run
      // before Node sends what was written (it flushes a response's first write on the next tick).
      res.write(head, (error) => {
        // A page closed meanwhile gets nothing read for it.
        if (error || res.destroyed) return;
        void withinWait(firstPaintFor(sources, queryKey(req.query), req.query, options.now()), options.onError).then((data) => {
          res.end(data ? `${pageDataBlock(data)}\n${tail}` : tail);
        });
      });
    }, next);
  };
}

/**
 * GET first-paint (beside the page: below the same prefix), for a page whose key the server did not see, after '#'
 * in its link or kept by its tab: the same data, for the key in its Authorization header and the selection in its
 * query (the page's own), as JSON (paintAnswer). The key was checked in front of it, as on any route (it needs scope
 * read: http/scopes.ts): a missing or wrong key got the API's 401, counted by the rate limit and logged like any,
 * and the page asks for a key. Never cached.
 */
function firstPaintAnswer(sources: FirstPaintSources, options: DashboardPageOptions): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || req.path !== FIRST_PAINT_PATH) return next();
    void withinWait(paintFor(sources, callerOf(res).key, req.query, options.now()), options.onError).then((paint) => {
      res.status(200).setHeader('Cache-Control', 'no-store');
      res.json(paintAnswer(paint));
    });
  };
}

/** The data, or null if reading it failed or took longer than FIRST_PAINT_WAIT_MS. */
function withinWait<T>(data: Promise<T>, onError: (error: unknown) => void): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), FIRST_PAINT_WAIT_MS)));
  const read = data.catch((error: unknown) => (onError(error), null));
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}
