// The page's bundle stays lean: it imports the protocol's values from zod-free modules. Pulling the protocol's
// index (its schemas) in added ~450 KB of zod to dashboard.js, a third of the page's start-up time.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = resolve(import.meta.dirname, '../../webview/dist');

describe('the dashboard bundle (webview/dist, built by the test command)', () => {
  it('contains Chart.js and the Socket.IO client but no zod', () => {
    const map = JSON.parse(readFileSync(resolve(dist, 'dashboard.js.map'), 'utf8')) as { sources: string[] };
    const packages = new Set(map.sources.map((s) => /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(s)?.[1]).filter(Boolean));
    expect(packages).toContain('chart.js');
    expect(packages).toContain('socket.io-client');
    expect(packages).not.toContain('zod');
  });
});
