// Bundles the server into dist/main.js (ESM, Node 20): src/entry.ts, which installs the forwarders' signal handlers
// and then loads the rest, built as dist/cli.js (src/main.ts and everything it imports), so that no dependency loads
// before those handlers. Dependencies stay external: they are installed in server/node_modules and better-sqlite3 is
// native anyway.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/entry.ts' },
  outdir: 'dist',
  // main.js imports the command line dynamically: split, its dependencies load only when it does.
  splitting: true,
  chunkNames: 'cli-[name]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('server: built dist/main.js');
