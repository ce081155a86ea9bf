#!/usr/bin/env node
// Installs code-server 4.100.3 (VS Code 1.100.3) into a cache folder, offline-friendly: only the npm registry and
// Debian packages are needed (test/vscode/README.md says how the suite runs in it).
// Idempotent: a marker file is written last, so a half-finished install is redone on the next run.
//
//   node scripts/ensure-code-server.mjs        → prints the install folder
//   import { ensureCodeServer } from './ensure-code-server.mjs'  → { dir, entry, version }
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const MARKER = '.ringside-install-complete';
const ESSENTIAL_NATIVE_MODULES = ['node-pty', 'native-watchdog', '@vscode/spdlog'];

/** Where the install lives: $RINGSIDE_CACHE/code-server-VERSION or ~/.cache/ringside/code-server-VERSION. */
export function codeServerDir() {
  const base = process.env.RINGSIDE_CACHE ?? join(homedir(), '.cache', 'ringside');
  return resolve(base, `code-server-${CODE_SERVER_VERSION}`);
}

/** The Node entry point that starts code-server (run it with the current `node`). */
export function codeServerEntry(dir = codeServerDir()) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function run(cmd, args, cwd, { allowFailure = false } = {}) {
  log(`$ ${cmd} ${args.join(' ')}   (in ${cwd})`);
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  } catch (error) {
    if (!allowFailure) throw error;
    log(`(ignored exit code ${error.status} — expected for this step)`);
  }
}

function log(message) {
  process.stderr.write(`[ensure-code-server] ${message}\n`);
}

/** Debian package providing a binary we need; apt-get update only if the first install attempt fails. */
export function ensureDebianBinary(binary, pkg) {
  if (existsSync(binary)) return;
  log(`${binary} missing, installing Debian package ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    install();
  }
  if (!existsSync(binary)) throw new Error(`${pkg} installed but ${binary} is still missing`);
}

/** Relative symlink, replacing whatever is there (re-runs after a partial install). */
function forceSymlink(target, path) {
  try {
    lstatSync(path);
    rmSync(path, { recursive: true, force: true });
  } catch {
    // nothing there yet
  }
  symlinkSync(target, path);
}

function install(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A private package.json keeps npm from walking up into some other project.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ringside-code-server-cache', private: true }, null, 2));
  run('npm', ['install', '--no-save', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], dir);
  run('npm', ['rebuild', 'argon2'], dir);

  const vscodeDir = join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], vscodeDir);
  const rgBin = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgBin, { recursive: true });
  forceSymlink('/usr/bin/rg', join(rgBin, 'rg'));
  // Exits 1 on node-pty's compile_commands step (the .node file is built anyway), and where Debian's Kerberos
  // headers are missing `kerberos` fails first and npm skips what comes after it. So rebuild everything, then the
  // native modules a working window needs (terminal, extension host watchdog) one more time on their own.
  run('npm', ['rebuild'], vscodeDir, { allowFailure: true });
  run('npm', ['rebuild', ...ESSENTIAL_NATIVE_MODULES], vscodeDir, { allowFailure: true });
  for (const module of ESSENTIAL_NATIVE_MODULES) {
    if (!existsSync(join(vscodeDir, 'node_modules', module, 'build', 'Release'))) log(`warning: ${module} has no native build`);
  }
  forceSymlink('node_modules', join(vscodeDir, 'node_modules.asar'));
  forceSymlink('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  forceSymlink('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));
  run('npm', ['install', '--omit=dev'], join(vscodeDir, 'extensions'));
}

/**
 * Makes sure code-server is installed (and /usr/bin/rg, /usr/bin/chromium exist).
 * @returns {{ dir: string, entry: string, version: string }}
 */
export function ensureCodeServer({ dir = codeServerDir() } = {}) {
  ensureDebianBinary('/usr/bin/rg', 'ripgrep');
  ensureDebianBinary('/usr/bin/chromium', 'chromium');
  const entry = codeServerEntry(dir);
  if (!existsSync(join(dir, MARKER)) || !existsSync(entry)) {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (a few minutes, once)`);
    install(dir);
    if (!existsSync(entry)) throw new Error(`code-server install finished but ${entry} is missing`);
    writeFileSync(join(dir, MARKER), `${new Date().toISOString()}\n`);
  }
  return { dir, entry, version: CODE_SERVER_VERSION };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, entry } = ensureCodeServer();
  log(`code-server ${CODE_SERVER_VERSION} ready`);
  process.stdout.write(`${dir}\n`);
  process.stderr.write(`start: node ${entry} --auth none --bind-addr 127.0.0.1:PORT WORKSPACE\n`);
}
