// Bundles the extension (CJS for the Node extension host; `vscode` is provided at runtime) and copies the
// dashboard bundle next to it, so the packaged .vsix is self-contained.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webviewDist = join(here, '..', 'webview', 'dist');
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

function copyWebviewAssets() {
  const required = ['dashboard.js', 'dashboard.css'];
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
  console.log(`copied webview assets to ${target}`);
}
