// The dashboard page inside VS Code: a strict CSP that allows only our own nonce'd script and bundle folder.
import { randomBytes } from 'node:crypto';

export interface DashboardAssets {
  /** webview.cspSource: the origin VS Code serves local resources from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
}

/** A fresh nonce per page load, so a stale or injected script tag cannot run. */
export function createNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Chart.js sets inline styles on its canvas; that is all 'unsafe-inline' is for.
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function dashboardHtml(assets: DashboardAssets, nonce: string = createNonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(assets.cspSource, nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${assets.styleUri}">
  <title>Ringside</title>
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${assets.scriptUri}"></script>
</body>
</html>`;
}
