// Picks the transport for where the bundle runs: VS Code injects acquireVsCodeApi, a browser page has none.
import { serverUrlOfPage } from '@ringside/server/protocol/pure';
import { mountDashboard, type Dashboard } from './app';
import { socketTransport, tokenFromLocation } from './transport/socket';
import type { Transport } from './transport/transport';
import { vscodeTransport } from './transport/vscode';
import { mountExportButton } from './views/exportButton';

function chooseTransport(): Transport {
  if (typeof acquireVsCodeApi === 'function') return vscodeTransport(acquireVsCodeApi());
  return socketTransport(serverUrlOfPage(location.href), { token: tokenFromLocation(location) });
}

/** `started`: the page's transport if it was set going already (early.ts); otherwise one is chosen here. */
export function boot(root: HTMLElement, started: Transport | null = null): Dashboard {
  const dashboard = mountDashboard(root, { transport: started ?? chooseTransport() });
  // The browser page's export button (in VS Code: "Ringside: Export Compliance History").
  if (typeof acquireVsCodeApi !== 'function') mountExportButton(root, serverUrlOfPage(location.href), () => dashboard.state(), () => tokenFromLocation(location));
  return dashboard;
}
