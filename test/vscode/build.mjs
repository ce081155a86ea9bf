// Bundles the mocha integration suite (CJS, loaded by VS Code's extension host; `vscode` is provided there)
// and the @vscode/test-electron runner (ESM, run by node). Mocha and test-electron live in extension/node_modules.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const extensionModules = join(here, '..', '..', 'extension', 'node_modules');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  nodePaths: [extensionModules],
  logLevel: 'warning',
  // Only mocha's parallel mode (unused here) resolves files at runtime.
  logOverride: { 'require-resolve-not-external': 'silent' },
};

await build({
  ...common,
  entryPoints: [join(here, 'suite', 'index.ts')],
  outfile: join(here, 'dist', 'suite', 'index.js'),
  format: 'cjs',
  // ws (used by socket.io-client in Node) tries these optional native speed-ups inside try/catch.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
});

await build({
  ...common,
  entryPoints: [join(here, 'runElectron.ts')],
  outfile: join(here, 'dist', 'runElectron.mjs'),
  format: 'esm',
  // test-electron and its dependencies use require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
console.log('test/vscode: built dist/suite/index.js and dist/runElectron.mjs');
