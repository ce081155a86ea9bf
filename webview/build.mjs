// Builds the dashboard: one IIFE bundle for both the VS Code webview and the browser page.
//   dist/dashboard.js (+ .map), dist/dashboard.css, dist/index.html (the page the server serves at /), and the page's
//   head script dist/dashboard-prefetch.js.
// And the reception kiosk (served at /kiosk): dist/kiosk.html, kiosk.js, kiosk.css, its service worker kiosk-sw.js,
// its web app manifest and icons.
// `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

/** A page with nothing inline (no script, no style): it passes the server's strict CSP. */
const htmlPage = ({ title, name, mountId, viewport = 'width=device-width, initial-scale=1', head = [], scriptAttributes = '' }) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="${viewport}">
  <meta name="color-scheme" content="light dark">
${head.map((line) => `  ${line}\n`).join('')}  <title>${title}</title>
  <link rel="stylesheet" href="${name}.css">
  <script defer${scriptAttributes} src="${name}.js"></script>
</head>
<body>
  <div id="${mountId}"></div>
</body>
</html>
`;

// The prefetch script comes first and is not deferred: it asks for the page's first paint before the dashboard's
// script has arrived (src/prefetch.ts), about 1 KB fetched from the same server.
// The dashboard's script is asked at high priority: Chromium asks a deferred script at low priority and holds
// low-priority requests while the parser is still in the head behind the stylesheet and the head script, so without
// it the ~320 KB script was only requested once those had arrived and run: a round trip later, which on a loopback
// bench is lost in the scatter and across a network is the round trip itself (test/bench/NOTES.md, 18.BT, 18.BW).
const INDEX_HTML = htmlPage({
  title: 'Ringside',
  name: 'dashboard',
  mountId: 'app',
  head: ['<script src="dashboard-prefetch.js"></script>'],
  scriptAttributes: ' fetchpriority="high"',
});

const KIOSK_HTML = htmlPage({
  title: 'Ringside kiosk',
  name: 'kiosk',
  mountId: 'kiosk-app',
  viewport: 'width=device-width, initial-scale=1, viewport-fit=cover',
  head: [
    '<meta name="theme-color" content="#0f766e">',
    '<meta name="mobile-web-app-capable" content="yes">',
    '<meta name="apple-mobile-web-app-capable" content="yes">',
    '<link rel="manifest" href="kiosk.webmanifest">',
    '<link rel="icon" href="kiosk-icon.svg" type="image/svg+xml">',
    '<link rel="apple-touch-icon" href="kiosk-icon-192.png">',
  ],
});

/** start_url is the bare page: it opens the site this device last served (the address of the link it was set up with). */
const KIOSK_MANIFEST = {
  name: 'Ringside reception kiosk',
  short_name: 'Kiosk',
  start_url: 'kiosk',
  scope: 'kiosk',
  display: 'standalone',
  orientation: 'any',
  background_color: '#ffffff',
  theme_color: '#0f766e',
  icons: [
    { src: 'kiosk-icon-192.png', sizes: '192x192', type: 'image/png' },
    { src: 'kiosk-icon-512.png', sizes: '512x512', type: 'image/png' },
    { src: 'kiosk-icon.svg', sizes: 'any', type: 'image/svg+xml' },
  ],
};

const KIOSK_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="18" fill="#0f766e"/><circle cx="50" cy="50" r="30" fill="#ffffff"/></svg>
`;

/** The SVG icon's picture as a PNG (home screens want bitmaps): a teal square, a white disc. */
function iconPng(size) {
  const row = (y) => {
    const line = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const inDisc = (x + 0.5 - size / 2) ** 2 + (y + 0.5 - size / 2) ** 2 <= (size * 0.3) ** 2;
      line.set(inDisc ? [255, 255, 255, 255] : [0x0f, 0x76, 0x6e, 255], 1 + x * 4);
    }
    return line;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const pixels = deflateSync(Buffer.concat(Array.from({ length: size }, (_, y) => row(y))));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
};

const kioskOptions = { ...common, entryPoints: { kiosk: join(here, 'src/kiosk/main.ts'), 'kiosk-sw': join(here, 'src/kiosk/serviceWorker.ts') }, outdir: dist };

const options = { ...common, entryPoints: { dashboard: join(here, 'src/main.ts'), 'dashboard-prefetch': join(here, 'src/prefetch.ts') }, outdir: dist };

async function writeStatic() {
  await mkdir(dist, { recursive: true });
  await copyFile(join(here, 'src/dashboard.css'), join(dist, 'dashboard.css'));
  await writeFile(join(dist, 'index.html'), INDEX_HTML);
  await copyFile(join(here, 'src/kiosk/kiosk.css'), join(dist, 'kiosk.css'));
  await writeFile(join(dist, 'kiosk.html'), KIOSK_HTML);
  await writeFile(join(dist, 'kiosk.webmanifest'), JSON.stringify(KIOSK_MANIFEST, null, 2) + '\n');
  await writeFile(join(dist, 'kiosk-icon.svg'), KIOSK_ICON_SVG);
  for (const size of [192, 512]) await writeFile(join(dist, `kiosk-icon-${size}.png`), iconPng(size));
}

await writeStatic();
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  await (await context(kioskOptions)).watch();
  console.log('webview: watching src/ …');
} else {
  await Promise.all([build(options), build(kioskOptions)]);
  console.log('webview: built dist/dashboard.js, dashboard-prefetch.js, dashboard.css, index.html; the kiosk: kiosk.html, kiosk.js, kiosk-sw.js, kiosk.css, its manifest and icons');
}
