// Bundles the server into dist/main.js (ESM, Node 20): src/entry.ts, which installs the forwarders' signal handlers
// and then loads the rest, built as dist/cli-main.js and dist/cli-chunk.js (src/main.ts and everything it imports),
// so that no dependency loads before those handlers. Dependencies are inlined, as in the extension's copy of the
// server (extension/build.mjs): Node then reads one file instead of resolving and parsing some 600 modules of
// node_modules, which made every start of the command line cost about 0.25 s more CPU (docs/development.md). The
// native addon (better-sqlite3) and ws's optional native speed-ups stay external, loaded from server/node_modules.
// `--name NAME` builds the same as dist/NAME.js, dist/NAME-cli-*.js instead (the benchmark's own copy of this build).
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const { name } = parseArgs({ options: { name: { type: 'string', default: 'main' } } }).values;
if (!/^[\w-]+$/.test(name)) throw new Error(`server/build.mjs: --name takes letters, digits, - and _ (got "${name}")`);

await build({
  absWorkingDir: root,
  entryPoints: { [name]: 'src/entry.ts' },
  outdir: 'dist',
  // main.js imports the command line dynamically: split, its dependencies load only when it does.
  splitting: true,
  chunkNames: name === 'main' ? 'cli-[name]' : `${name}-cli-[name]`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  // CommonJS dependencies (express, …) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __ringsideCreateRequire } from 'node:module'; const require = __ringsideCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`server: built dist/${name}.js`);
