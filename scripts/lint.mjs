#!/usr/bin/env node
// `pnpm lint`: every static check beyond the type check, in one place (docs/development.md, "Lint"):
//   1. ESLint with typescript-eslint's type-aware rules and a 60-line limit on product functions (eslint.config.mjs);
//   2. dependency-cruiser: the server's layers, the clients' protocol-only imports, no cycles (.dependency-cruiser.cjs);
//   3. knip: no unused files, exports, types or dependencies (knip.json).
// All three run even when one fails, so one pass shows everything; the exit code is non-zero if any failed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const checks = [
  ['eslint', ['--cache', '--cache-location', join(root, '.cache', 'eslint') + '/', '--max-warnings', '0', '.']],
  ['depcruise', ['server/src', 'webview/src', 'extension/src']],
  ['knip', []],
];
const failed = [];
for (const [tool, args] of checks) {
  const started = Date.now();
  const result = spawnSync(bin(tool), args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`lint: ${tool} ${result.status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`);
  if (result.status !== 0) failed.push(tool);
}
if (failed.length > 0) {
  console.error(`lint: ${failed.join(', ')} failed`);
  process.exit(1);
}
