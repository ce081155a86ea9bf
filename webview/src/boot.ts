// Picks the transport for where the bundle runs: VS Code injects acquireVsCodeApi, a browser page has none.
import { serverUrlOfPage } from '@ringside/server/protocol/pure';
import { mountDashboard, type Dashboard } from './app';
import { pageAddressSources } from './transport/addressKey';
import { readPage, socketTransport, type EarlySocketTransport } from './transport/socket';
import { vscodeTransport } from './transport/vscode';
import { mountExportButton } from './views/exportButton';

/** The browser page's transport: the key in its address, and what the server wrote into the page. */
function pageTransport(): EarlySocketTransport {
  const serverUrl = serverUrlOfPage(location.href);
  return socketTransport(serverUrl, readPage(document, serverUrl, pageAddressSources()));
}

/** `started`: the page's transport if it was set going already (early.ts); otherwise one is chosen here. */
export function boot(root: HTMLElement, started: EarlySocketTransport | null = null): Dashboard {
  if (typeof acquireVsCodeApi === 'function') return mountDashboard(root, { transport: vscodeTransport(acquireVsCodeApi()) });
  const transport = started ?? pageTransport();
  const dashboard = mountDashboard(root, { transport });
  // The browser page's export button (in VS Code: "Ringside: Export Compliance History"), with the page's key:
  // its address's, or the one given in its key field.
  mountExportButton(root, serverUrlOfPage(location.href), () => dashboard.state(), () => transport.key());
  return dashboard;
}
