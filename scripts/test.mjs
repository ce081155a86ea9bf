#!/usr/bin/env node
// The whole test suite, as the README's test command and CI run it:
//   1. make sure the system tools the tests drive are present (Chromium, ripgrep, nginx, Mosquitto, a cached code-server);
//   2-4, side by side: lint (ESLint, dependency-cruiser, knip: scripts/lint.mjs), type-check every package, build every
//   bundle; 5. vitest: unit, integration (real server), browser (real Chromium), then the VS Code suite in
//      code-server and the packaged-.vsix end-to-end test.
// Extra arguments are passed to vitest (e.g. `pnpm test --project unit`). Quick runs without steps 1-4:
// `pnpm test:unit`, `pnpm test:integration` (docs/development.md, "Tests").
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConcurrently } from './concurrently.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`=== ${label}: FAILED after ${seconds} s`);
    process.exit(result.status ?? 1);
  }
  console.log(`=== ${label}: ok (${seconds} s)`);
}

/** Installs a Debian package when its binary is missing (as root, or through sudo otherwise). */
function ensureDebianPackage(binary, pkg) {
  if (existsSync(binary)) return;
  const apt = (...args) =>
    process.getuid?.() === 0
      ? run(`apt-get ${args.join(' ')}`, 'apt-get', args)
      : run(`sudo apt-get ${args.join(' ')}`, 'sudo', ['apt-get', ...args]);
  apt('update', '-qq');
  apt('install', '-y', '-qq', pkg);
}

/** Runs vitest with a JSON report beside the console output, and returns its pass/fail counts. */
function vitest(label, args) {
  const report = join(root, '.cache', `vitest-${label.replace(/\W+/g, '-')}.json`);
  rmSync(report, { force: true });
  run(label, bin('vitest'), ['run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  const { numPassedTests = 0, numFailedTests = 0, numPendingTests = 0 } = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : {};
  return { passed: numPassedTests, failed: numFailedTests, skipped: numPendingTests };
}

const vitestArgs = process.argv.slice(2);

/**
 * A folder on the RAM disk (/dev/shm) for the tests' temporary files, unless TMPDIR is set: their servers write real
 * SQLite files and sync every commit, and a sync there costs microseconds instead of the disk's milliseconds. The
 * tests do not depend on where the files are (durability is tested by killing processes, not machines); the
 * folder and anything a test left in it go when the run ends.
 */
function ramTmpdir() {
  if (process.env.TMPDIR) return null;
  try {
    if (!statSync('/dev/shm').isDirectory()) return null;
    accessSync('/dev/shm', constants.W_OK);
    const dir = mkdtempSync('/dev/shm/ringside-tests-');
    // Open to every user, with the sticky bit, as /tmp is: tests run commands as another user on folders inside it.
    chmodSync(dir, 0o1777);
    return dir;
  } catch {
    return null;
  }
}

ensureDebianPackage('/usr/bin/chromium', 'chromium');
ensureDebianPackage('/usr/bin/rg', 'ripgrep');
// The path-prefix test serves the dashboard behind a real reverse proxy (test/e2e/pathPrefix.test.ts).
ensureDebianPackage('/usr/sbin/nginx', 'nginx');
// The MQTT forwarder's test starts its own broker (test/integration/forward/forwardMqtt.test.ts).
ensureDebianPackage('/usr/sbin/mosquitto', 'mosquitto');
run('code-server (cached)', process.execPath, [join(root, 'scripts', 'ensure-code-server.mjs')]);
// Independent of each other and single-threaded each: side by side they take the time of the longest (ESLint).
console.log('\n=== lint, typecheck and build, side by side');
const prepared = await runConcurrently(
  [
    { label: 'lint (ESLint, dependency-cruiser, knip)', command: process.execPath, args: [join(root, 'scripts', 'lint.mjs')] },
    { label: 'typecheck', command: bin('tsc'), args: ['-b', 'server', 'webview', 'extension', 'test'] },
    { label: 'build', command: process.execPath, args: [join(root, 'scripts', 'build.mjs')] },
  ],
  { cwd: root, report: (label, ok, seconds) => console.log(`=== ${label}: ${ok ? 'ok' : 'FAILED after'} (${seconds} s)`) },
);
if (prepared.some((step) => !step.ok)) process.exit(1);
const testTmpdir = ramTmpdir();
if (testTmpdir) {
  process.env.TMPDIR = testTmpdir;
  process.on('exit', () => rmSync(testTmpdir, { recursive: true, force: true }));
  // Ctrl-C reaches vitest as well (one process group). Listened for, it no longer ends this process at once: once
  // vitest has stopped, this one exits through process.exit, and the folder goes with it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(1));
  console.log(`\n=== temporary files in ${testTmpdir} (a RAM disk; TMPDIR chooses another folder)`);
}
const runs = vitestArgs.length
  ? [vitest('vitest', vitestArgs)]
  : [
      vitest('unit, integration (SQLite and PostgreSQL) and browser tests', ['--project', 'unit', '--project', 'integration', '--project', 'integration-postgres', '--project', 'browser']),
      vitest('VS Code suite (code-server) and end-to-end tests', ['--project', 'vscode']),
    ];
const total = runs.reduce((sum, r) => ({ passed: sum.passed + r.passed, failed: sum.failed + r.failed, skipped: sum.skipped + r.skipped }));
if (total.passed === 0) {
  console.error('no test ran');
  process.exit(1);
}
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
