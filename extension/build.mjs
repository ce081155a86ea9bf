// Bundles the extension (CJS for the Node extension host; `vscode` is provided at runtime), copies the
// dashboard bundle next to it, and bundles the Ringside server for "Ringside: Start Local Server", so the
// packaged .vsix is self-contained:
//
//   dist/extension.js                       the extension
//   dist/webview/{dashboard.js,css}         the dashboard inside VS Code (the panel's only resource root)
//   dist/server/bin/main.mjs                the server (server/src/main.ts, every dependency inlined but one)
//   dist/server/node_modules/better-sqlite3 the SQLite addon: its JS, its prebuilt .node (built in this workspace
//                                           for this Node ABI) and its one runtime dependency chain (bindings)
//   dist/webview/dist/                      the dashboard page the server serves at / (server.ts looks two
//                                           folders above its main file for webview/dist)
//
// The server runs with the user's `node` (setting ringside.nodePath), not the extension host's runtime: desktop
// VS Code's host is Electron with a different native ABI, so the addon must match the `node` that runs it. The
// addon shipped here matches the Node that built this workspace (Node 20 here); on another ABI the command says so.
import { build } from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const webviewDist = join(repo, 'webview', 'dist');
const outDir = join(here, 'dist');
const production = process.argv.includes('--production');

await build({
  entryPoints: [join(here, 'src', 'extension.ts')],
  outfile: join(outDir, 'extension.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ws (used by socket.io-client in Node) tries these optional native speed-ups inside try/catch.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  sourcemap: true,
  minify: production,
  logLevel: 'info',
});

copyWebviewAssets();
await bundleServer();

function copyWebviewAssets() {
  const required = ['dashboard.js', 'dashboard-prefetch.js', 'dashboard.css'];
  const optional = ['dashboard.js.map', 'dashboard.css.map'];
  const missing = required.filter((file) => !existsSync(join(webviewDist, file)));
  if (missing.length) {
    console.error(`extension/build.mjs: webview/dist is missing ${missing.join(', ')}; build the webview first (node webview/build.mjs).`);
    process.exit(1);
  }
  const target = join(outDir, 'webview');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of [...required, ...optional]) {
    if (existsSync(join(webviewDist, file))) copyFileSync(join(webviewDist, file), join(target, file));
  }
  // The page the bundled server serves at / (index.html loads dashboard-prefetch.js and dashboard.js/css from the same
  // folder).
  const served = join(target, 'dist');
  mkdirSync(served, { recursive: true });
  for (const file of ['index.html', ...required]) {
    if (existsSync(join(webviewDist, file))) copyFileSync(join(webviewDist, file), join(served, file));
  }
  console.log(`copied webview assets to ${target}`);
}

async function bundleServer() {
  const serverDir = join(repo, 'server');
  const target = join(outDir, 'server');
  rmSync(target, { recursive: true, force: true });
  await build({
    absWorkingDir: serverDir,
    entryPoints: [join(serverDir, 'src', 'main.ts')],
    outfile: join(target, 'bin', 'main.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The native addon cannot be bundled; it is copied below. Everything else is inlined.
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    // CommonJS dependencies (express, …) call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __ringsideCreateRequire } from 'node:module'; const require = __ringsideCreateRequire(import.meta.url);" },
    minify: production,
    logLevel: 'warning',
  });
  const serverPkg = JSON.parse(readFileSync(join(serverDir, 'package.json'), 'utf8'));
  // server.ts reads ../package.json for its version.
  writeFileSync(join(target, 'package.json'), JSON.stringify({ name: 'ringside-server-bundle', version: serverPkg.version, private: true }, null, 2));
  copyNativeModule(serverDir, target);
  console.log(`bundled the server into ${join(target, 'bin', 'main.mjs')}`);
}

/** better-sqlite3 and its runtime requires (bindings → file-uri-to-path), resolved as the server resolves them. */
function copyNativeModule(serverDir, target) {
  const requireFrom = createRequire(join(serverDir, 'package.json'));
  const copyPackage = (name, from) => {
    const pkgJson = createRequire(from).resolve(`${name}/package.json`);
    const dir = realpathSync(dirname(pkgJson));
    const dest = join(target, 'node_modules', name);
    mkdirSync(dest, { recursive: true });
    copyFileSync(join(dir, 'package.json'), join(dest, 'package.json'));
    return { dir, dest, pkgJson: join(dir, 'package.json') };
  };
  const sqlite = copyPackage('better-sqlite3', join(serverDir, 'package.json'));
  cpSync(join(sqlite.dir, 'lib'), join(sqlite.dest, 'lib'), { recursive: true });
  const addon = join(sqlite.dir, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) throw new Error(`extension/build.mjs: ${addon} is missing; run pnpm install (it builds the SQLite addon)`);
  mkdirSync(join(sqlite.dest, 'build', 'Release'), { recursive: true });
  copyFileSync(addon, join(sqlite.dest, 'build', 'Release', 'better_sqlite3.node'));
  const bindings = copyPackage('bindings', sqlite.pkgJson);
  cpSync(join(bindings.dir, 'bindings.js'), join(bindings.dest, 'bindings.js'));
  const fileUri = copyPackage('file-uri-to-path', bindings.pkgJson);
  for (const file of ['index.js']) cpSync(join(fileUri.dir, file), join(fileUri.dest, file));
  // Which Node ABI the addon was built for: "Start Local Server" compares it with the chosen `node`.
  writeFileSync(join(target, 'native-abi.json'), JSON.stringify({ modules: process.versions.modules, node: process.versions.node, platform: process.platform, arch: process.arch }, null, 2));
  void requireFrom;
}
