#!/usr/bin/env node
// Builds every package in dependency order: the dashboard bundle first (the server serves it and the
// extension embeds it), then the server, then the extension. Each package owns its build.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const order = process.argv.slice(2).length ? process.argv.slice(2) : ['webview', 'server', 'extension'];

for (const pkg of order) {
  const script = join(root, pkg, 'build.mjs');
  if (!existsSync(script)) {
    console.error(`build: ${pkg}/build.mjs is missing`);
    process.exit(1);
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [script], { cwd: join(root, pkg), stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${pkg} failed`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${pkg} ok (${Date.now() - started} ms)`);
}
