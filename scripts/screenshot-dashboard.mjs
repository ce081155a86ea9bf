#!/usr/bin/env node
// The dashboard of a running demo, as README.md and docs/dashboard.md show it: starts the built server with
// `--demo` on a fresh data folder (loopback, no auth; the demo first backfills 8 days of history), opens the
// dashboard in headless Chromium and saves a screenshot of the first screen once its figures, charts and feed are in.
//
//   node scripts/build.mjs webview server && node scripts/screenshot-dashboard.mjs [--out docs/images/dashboard.png]
//     [--width 1400] [--height 1200] [--window today] [--full-page]
//
// Needs Chromium at /usr/bin/chromium (or CHROMIUM=path). The demo's traffic is seeded, but it runs on the real
// clock, so two runs differ in their figures.
/* global document -- the functions passed to waitForFunction run in the page */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { listeningUrl } from './serverChild.mjs';

const repo = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/images/dashboard.png' },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '1200' },
    window: { type: 'string', default: 'today' },
    'full-page': { type: 'boolean', default: false },
  },
});
const out = resolve(repo, values.out);

const data = mkdtempSync(join(tmpdir(), 'ringside-demo-'));
const server = spawn(process.execPath, [join(repo, 'server/dist/main.js'), '--port', '0', '--data', data, '--demo', '--seed', '7', '--no-auth', '--log-level', 'warn'], { cwd: repo });
try {
  const url = await listeningUrl(server);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) }, deviceScaleFactor: 1 });
    await page.goto(`${url}/?window=${encodeURIComponent(values.window)}`);
    // Every standard's tile holds a figure, the charts are drawn and the feed has its rows.
    await page.waitForFunction(() => {
      const tiles = [...document.querySelectorAll('.rs-tile--standard')];
      const drawn = tiles.length > 0 && tiles.every((t) => /[\d,]+ \/ [\d,]+ met/.test(t.textContent ?? ''));
      return drawn && document.querySelectorAll('.rs-feed-row').length > 0 && document.querySelectorAll('.rs-distribution-panel canvas').length > 0;
    }, undefined, { polling: 250 });
    // Animations are finished (the new rows' highlight) or cancelled (the connecting dot's pulse) as the picture is
    // taken: the demo posts about two events a second, so a moment with none running may never come.
    await page.screenshot({ path: out, fullPage: values['full-page'], animations: 'disabled' });
    console.log(`saved ${out}`);
  } finally {
    await browser.close();
  }
} finally {
  server.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
}
