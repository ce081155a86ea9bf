#!/usr/bin/env node
// `pnpm start [--port N] [--data DIR] [--demo]`: build what is missing or stale, then run the server
// with the given arguments, passing signals through and exiting with its exit code. package.json runs this with
// `exec`: pnpm starts a script in a shell, which a terminal's Ctrl-C reaches too; a shell left between pnpm and this
// script would end by the signal, and pnpm report a failed command after a clean stop.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, isStale } from './stale-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Packages the server needs at run time: the dashboard it serves, and itself.
for (const name of ['webview', 'server']) {
  if (!isStale(name)) continue;
  console.error(`start: building ${name}…`);
  const result = build(name, ['ignore', process.stderr, 'inherit']);
  if (result.status !== 0) {
    console.error(`start: the ${name} build failed (exit ${result.status ?? result.signal})`);
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
