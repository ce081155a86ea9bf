// Bundles lib/storeTools.ts (the server's store, ingest and engine code) for the harness. Packages stay
// external and are resolved from server/ (better-sqlite3 is native and lives in server/node_modules).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = import.meta.dirname;
const REPO = join(here, '../../..');
const BUILD_DIR = join(here, '../.build');
const serverRequire = createRequire(join(REPO, 'server/package.json'));

// One bundle per harness process (removed at exit): other runs sharing this working tree rebuild theirs
// from the sources as they are then, and a run must import the one it built, not one written over it.
let removeAtExit = false;
async function buildStoreTools() {
  const outfile = join(BUILD_DIR, `storeTools-${process.pid}.mjs`);
  if (!removeAtExit) process.once('exit', () => rmSync(outfile, { force: true }));
  removeAtExit = true;
  await build({
    entryPoints: [join(here, 'storeTools.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'server-packages',
        setup(b) {
          b.onResolve({ filter: /^[@a-z][^:]*$/ }, (args) => {
            if (args.path.startsWith('node:')) return { external: true };
            try {
              return { path: pathToFileURL(serverRequire.resolve(args.path)).href, external: true };
            } catch {
              return { external: true };
            }
          });
        },
      },
    ],
  });
  return outfile;
}

export async function loadStoreTools() {
  return import(pathToFileURL(await buildStoreTools()).href);
}
