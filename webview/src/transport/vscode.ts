// Inside a VS Code webview: the extension host is the Socket.IO client and relays DashboardMessage via
// postMessage; historical queries go to the host as { type: 'request' } and come back as { type: 'response' };
// the selection is kept with getState/setState (so it survives a reload and the panel serializer).
import type { DashboardAskOptions, DashboardRequest, DashboardRequestKind, DashboardResponseBodies, DashboardResponseMessage, WebviewToHostMessage } from '@ringside/server/protocol';
import { isResponseTo } from '@ringside/server/protocol/pure';
import { RequestError, isDashboardMessage, isResponseMessage, type Transport } from './transport';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  /** Injected by VS Code into every webview; may be called only once per page. */
  function acquireVsCodeApi(): VsCodeApi;
}

/** How long a query may wait for the host before it fails (a host without request support never answers). */
const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  /** Settles the caller's promise with the host's answer. */
  answer(message: DashboardResponseMessage): void;
  reject(error: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

const problem = (title: string, detail: string) => new RequestError({ type: 'about:blank', title, status: 0, detail });

/** `api` must be the one object acquireVsCodeApi() returned: a second call throws in VS Code. */
export function vscodeTransport(api: VsCodeApi, target: Window = window, options: { timeoutMs?: number } = {}): Transport {
  const post = (message: WebviewToHostMessage) => api.postMessage(message);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  const onMessage = (event: MessageEvent) => {
    if (!isResponseMessage(event.data)) return;
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    clearTimeout(waiting.timer);
    waiting.answer(event.data);
  };
  target.addEventListener('message', onMessage);
  return {
    host: 'vscode',
    start(deliver) {
      const onDashboardMessage = (event: MessageEvent) => {
        if (isDashboardMessage(event.data)) deliver(event.data);
      };
      target.addEventListener('message', onDashboardMessage);
      // Only now can the host's messages land, so only now tell it to start sending.
      post({ type: 'ready' });
      return () => {
        target.removeEventListener('message', onDashboardMessage);
        target.removeEventListener('message', onMessage);
        for (const [id, waiting] of pending) {
          clearTimeout(waiting.timer);
          waiting.reject(problem('Closed', 'the dashboard was closed'));
          pending.delete(id);
        }
      };
    },
    reportRendered(summary) {
      post({ type: 'rendered', summary });
    },
    request(request, ask) {
      return askHost(post, pending, nextId++, request, options.timeoutMs ?? REQUEST_TIMEOUT_MS, ask);
    },
    loadSelection() {
      const saved = api.getState();
      return typeof saved === 'object' && saved !== null && 'selection' in saved ? saved.selection : null;
    },
    saveSelection(selection) {
      const saved = api.getState();
      const base = typeof saved === 'object' && saved !== null ? saved : {};
      api.setState({ ...base, selection });
    },
  };
}

/** Posts one query to the host and waits for its answer (settled by the transport's message listener), or times out. */
function askHost<K extends DashboardRequestKind>(post: (message: WebviewToHostMessage) => void, pending: Map<number, Pending>, id: number, request: DashboardRequest<K>, timeoutMs: number, ask?: DashboardAskOptions): Promise<DashboardResponseBodies[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(problem('No answer', 'the extension did not answer the query in time'));
    }, timeoutMs);
    const answer = (message: DashboardResponseMessage) => {
      if (!isResponseTo(message, request.kind)) reject(problem('Wrong answer', `asked for ${request.kind}, the extension answered ${message.kind}`));
      else if (message.ok) resolve(message.body);
      else reject(new RequestError(message.problem));
    };
    pending.set(id, { answer, reject, timer });
    // The host makes the HTTP call: it marks it as the page's periodic refresh (X-Ringside-Refresh) when told.
    post({ type: 'request', id, request, ...(ask?.periodic ? { periodic: true as const } : {}) });
  });
}
