#!/usr/bin/env node
// The dashboard of a server fed only by integrations, as docs/integrations/README.md shows it. Runs the
// integration test test/integration/integrations/onlyIntegrations.test.ts with RINGSIDE_KEEP_DATA so that its
// server's data (and standards file) stay in a folder, starts the built server on that folder (loopback, no
// auth), opens the dashboard for the test's hour in Chromium and saves a screenshot.
//
//   node scripts/build.mjs webview server && node scripts/screenshot-integrations.mjs [--out docs/images/integrations-dashboard.png]
//
// Needs Chromium at /usr/bin/chromium (or CHROMIUM=path) and Mosquitto (the test's MQTT broker).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { listeningUrl } from './serverChild.mjs';

const repo = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/images/integrations-dashboard.png' } } });
const out = resolve(repo, values.out);
// The hour the test's input falls in (its T0).
const RANGE = { from: '2026-03-02T09:00:00.000Z', to: '2026-03-02T10:00:00.000Z' };

const data = mkdtempSync(join(tmpdir(), 'ringside-integrations-'));
try {
  const test = spawnSync('npx', ['vitest', 'run', '--project', 'integration', 'test/integration/integrations/onlyIntegrations.test.ts'], {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, RINGSIDE_KEEP_DATA: data },
  });
  if (test.status !== 0) throw new Error(`the integration test failed (exit ${test.status}); no screenshot`);
  await screenshot(data);
  console.log(`saved ${out}`);
} finally {
  rmSync(data, { recursive: true, force: true });
}

async function screenshot(dataDir) {
  const server = spawn(process.execPath, [join(repo, 'server/dist/main.js'), '--port', '0', '--data', dataDir, '--standards', join(dataDir, 'standards.yaml'), '--no-auth', '--log-level', 'warn'], { cwd: repo });
  try {
    const url = await listeningUrl(server);
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1100 }, deviceScaleFactor: 1 });
      await page.goto(`${url}/?window=custom&from=${encodeURIComponent(RANGE.from)}&to=${encodeURIComponent(RANGE.to)}`);
      // Both standards' tiles hold a figure once the range's compliance has arrived.
      await page.waitForFunction("[...document.querySelectorAll('.rs-tile--standard')].filter((t) => /\\d+ \\/ \\d+ met/.test(t.textContent)).length >= 2");
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: out, fullPage: true });
    } finally {
      await browser.close();
    }
  } finally {
    server.kill('SIGTERM');
  }
}
