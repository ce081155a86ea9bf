#!/usr/bin/env node
// `pnpm package`: builds the dashboard and the extension, then packs extension/ into a .vsix with vsce.
// The extension is a single esbuild bundle, so vsce needs no node_modules (--no-dependencies).
//
//   node scripts/package.mjs [--out path/to/file.vsix]   → prints the .vsix path
//   import { packageExtension } from './package.mjs'       → resolves to the .vsix path
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const extensionDir = join(root, 'extension');

function run(command, args, cwd, quiet) {
  if (!quiet) process.stderr.write(`[package] $ ${[command, ...args].join(' ')}\n`);
  // vsce prints progress on stdout; keep our stdout for the resulting path only. Errors always show.
  execFileSync(command, args, { cwd, stdio: ['ignore', quiet ? 'ignore' : process.stderr, 'inherit'] });
}

/**
 * @param {{ out?: string, quiet?: boolean }} [options]
 * @returns {string} absolute path of the .vsix
 */
export function packageExtension({ out, quiet = false } = {}) {
  const { name, version } = JSON.parse(readFileSync(join(extensionDir, 'package.json'), 'utf8'));
  const vsix = resolve(out ?? join(extensionDir, `${name}-${version}.vsix`));
  run(process.execPath, [join(root, 'webview', 'build.mjs')], root, quiet);
  run(process.execPath, [join(extensionDir, 'build.mjs'), '--production'], root, quiet);
  const vsce = join(extensionDir, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], extensionDir, quiet);
  if (!existsSync(vsix)) throw new Error(`vsce finished but ${vsix} does not exist`);
  return vsix;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  process.stdout.write(`${packageExtension({ out })}\n`);
}
