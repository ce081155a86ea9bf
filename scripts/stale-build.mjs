// Builds a package only when its bundle is missing or older than what it is built from: `pnpm start` and the tests
// that run the built server share it, so a bundle the build step of `pnpm test` has just written is not rebuilt.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each package's bundle whose age says whether the package needs building. */
const OUTPUTS = { webview: 'webview/dist/index.html', server: 'server/dist/main.js' };

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Stale when the output is missing or older than its sources, its build script, its package.json or its tsconfig.json. */
export function isStale(name) {
  const output = join(root, OUTPUTS[name]);
  if (!existsSync(output)) return true;
  const inputs = ['src', 'build.mjs', 'package.json', 'tsconfig.json'].map((p) => newestMtime(join(root, name, p)));
  // The server bundle includes the shared protocol; the webview imports it too.
  inputs.push(newestMtime(join(root, 'server/src/protocol')));
  return Math.max(...inputs) > statSync(output).mtimeMs;
}

/** Runs `<name>/build.mjs` (`stdio` as spawnSync takes it): the spawnSync result. */
export function build(name, stdio = 'pipe') {
  return spawnSync(process.execPath, ['build.mjs'], { cwd: join(root, name), stdio, encoding: 'utf8' });
}

/** Builds `name` when it is stale: null when it was fresh, else the build's spawnSync result. */
export function buildIfStale(name, stdio = 'pipe') {
  return isStale(name) ? build(name, stdio) : null;
}
