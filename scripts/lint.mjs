#!/usr/bin/env node
// `pnpm lint`: every static check beyond the type check, in one place (docs/development.md, "Lint"):
//   1. ESLint with typescript-eslint's type-aware rules and a 60-line limit on product functions (eslint.config.mjs);
//   2. dependency-cruiser: the server's layers, the clients' protocol-only imports, no cycles (.dependency-cruiser.cjs);
//   3. knip: no unused files, exports, types or dependencies (knip.json).
// All three run at once (each on its own core where there is one), and all of them even when one fails, so one pass
// shows everything; the exit code is non-zero if any failed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConcurrently } from './concurrently.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const checks = [
  ['eslint', ['--cache', '--cache-location', join(root, '.cache', 'eslint') + '/', '--max-warnings', '0', '.']],
  ['depcruise', ['server/src', 'webview/src', 'extension/src']],
  ['knip', []],
];
const results = await runConcurrently(
  checks.map(([tool, args]) => ({ label: tool, command: bin(tool), args })),
  { cwd: root, report: (tool, ok, seconds) => console.log(`lint: ${tool} ${ok ? 'ok' : 'FAILED'} (${seconds} s)`) },
);
const failed = results.filter((r) => !r.ok).map((r) => r.label);
if (failed.length > 0) {
  console.error(`lint: ${failed.join(', ')} failed`);
  process.exit(1);
}
