// Inside a VS Code webview: the extension host is the Socket.IO client and relays DashboardMessage via postMessage.
import type { WebviewToHostMessage } from '@ringside/server/protocol';
import { isDashboardMessage, type Transport } from './transport';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  /** Injected by VS Code into every webview; may be called only once per page. */
  function acquireVsCodeApi(): VsCodeApi;
}

/** `api` must be the one object acquireVsCodeApi() returned: a second call throws in VS Code. */
export function vscodeTransport(api: VsCodeApi, target: Window = window): Transport {
  const post = (message: WebviewToHostMessage) => api.postMessage(message);
  return {
    start(deliver) {
      const onMessage = (event: MessageEvent) => {
        if (isDashboardMessage(event.data)) deliver(event.data);
      };
      target.addEventListener('message', onMessage);
      // Only now can the host's messages land, so only now tell it to start sending.
      post({ type: 'ready' });
      return () => target.removeEventListener('message', onMessage);
    },
    reportRendered(summary) {
      post({ type: 'rendered', summary });
    },
  };
}
