// Picks the transport for where the bundle runs: VS Code injects acquireVsCodeApi, a browser page has none.
import { mountDashboard, type Dashboard } from './app';
import { socketTransport, tokenFromLocation } from './transport/socket';
import type { Transport } from './transport/transport';
import { vscodeTransport } from './transport/vscode';

export function chooseTransport(): Transport {
  if (typeof acquireVsCodeApi === 'function') return vscodeTransport(acquireVsCodeApi());
  return socketTransport(location.origin, { token: tokenFromLocation(location) });
}

export function boot(root: HTMLElement): Dashboard {
  return mountDashboard(root, { transport: chooseTransport() });
}
