// The clients' bundles stay lean: they import the protocol's values from its zod-free entry
// (@ringside/server/protocol/pure). Pulling the protocol's index (its schemas) in added ~450 KB of zod to
// dashboard.js, a third of the page's start-up time, and as much to the extension.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../../..');

/** The npm packages a bundle's source map says it contains. */
function bundledPackages(sourceMap: string): Set<string> {
  const map = JSON.parse(readFileSync(resolve(repo, sourceMap), 'utf8')) as { sources: string[] };
  const names = map.sources.map((s) => /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(s)?.[1]);
  return new Set(names.filter((name): name is string => name !== undefined));
}

describe('the bundles built by the test command', () => {
  it('dashboard.js (webview/dist) contains Chart.js and the Socket.IO client but no zod', () => {
    const packages = bundledPackages('webview/dist/dashboard.js.map');
    expect(packages).toContain('chart.js');
    expect(packages).toContain('socket.io-client');
    expect(packages).not.toContain('zod');
  });

  it('kiosk.js and its service worker (webview/dist) contain none of them: no zod, no Chart.js, no Socket.IO client', () => {
    for (const map of ['webview/dist/kiosk.js.map', 'webview/dist/kiosk-sw.js.map']) expect([...bundledPackages(map)]).toEqual([]);
  });

  it('extension.js (extension/dist) contains the Socket.IO client but no zod', () => {
    const packages = bundledPackages('extension/dist/extension.js.map');
    expect(packages).toContain('socket.io-client');
    expect(packages).not.toContain('zod');
  });
});
