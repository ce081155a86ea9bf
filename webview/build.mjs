// Builds the dashboard: one IIFE bundle for both the VS Code webview and the browser page.
//   dist/dashboard.js (+ .map), dist/dashboard.css, dist/index.html (the page the server serves at /).
// `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

/** No inline script or style: the same markup would pass a strict CSP. */
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>Ringside</title>
  <link rel="stylesheet" href="dashboard.css">
  <script defer src="dashboard.js"></script>
</head>
<body>
  <div id="app"></div>
</body>
</html>
`;

const options = {
  entryPoints: [join(here, 'src/main.ts')],
  outfile: join(dist, 'dashboard.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

async function writeStatic() {
  await mkdir(dist, { recursive: true });
  await copyFile(join(here, 'src/dashboard.css'), join(dist, 'dashboard.css'));
  await writeFile(join(dist, 'index.html'), INDEX_HTML);
}

await writeStatic();
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  console.log('webview: watching src/ …');
} else {
  await build(options);
  console.log('webview: built dist/dashboard.js, dashboard.css, index.html');
}
