#!/usr/bin/env node
// `pnpm start [--port N] [--data DIR] [--demo]`: build what is missing or stale, then run the server
// with the given arguments, passing signals through and exiting with its exit code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages the server needs at run time: the dashboard it serves, and itself. */
const PACKAGES = [
  { name: 'webview', output: 'webview/dist/index.html' },
  { name: 'server', output: 'server/dist/main.js' },
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Stale when the output is missing or older than its sources, its build script or its package.json. */
function isStale(pkg) {
  const output = join(root, pkg.output);
  if (!existsSync(output)) return true;
  const inputs = ['src', 'build.mjs', 'package.json'].map((p) => newestMtime(join(root, pkg.name, p)));
  // The server bundle includes the shared protocol; the webview imports it too.
  inputs.push(newestMtime(join(root, 'server/src/protocol')));
  return Math.max(...inputs) > statSync(output).mtimeMs;
}

for (const pkg of PACKAGES) {
  const script = join(root, pkg.name, 'build.mjs');
  if (!existsSync(script)) {
    console.error(`start: ${pkg.name}/build.mjs not found, skipping its build`);
    continue;
  }
  if (!isStale(pkg)) continue;
  console.error(`start: building ${pkg.name}…`);
  const result = spawnSync(process.execPath, ['build.mjs'], { cwd: join(root, pkg.name), stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) {
    console.error(`start: the ${pkg.name} build failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--')); // `pnpm start -- --port N`
const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'server/dist/main.js'), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  // Shell convention for "killed by a signal": 128 + its number.
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
});
