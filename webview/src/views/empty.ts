// Before the first snapshot there is nothing to chart: say what the dashboard is waiting for, in plain words
// naming the server, and what to do, in the terms of where the page runs. In VS Code that is a button running the
// extension's command (a command link); in a browser page the key field (keyEntry.ts) takes its place, and a
// transport without one is told how to open the page with a key (#token=). The
// server's own handshake wording (e.g. `auth: { token }`) is for developers and never shown.
import { describeConnectionProblem, needsApiKey, type ConnectionProblem } from '@ringside/server/protocol/pure';
import type { DashboardState } from '../state';
import type { TransportHost } from '../transport/transport';
import { el, setText } from './dom';

/** A button the page shows; in VS Code it runs `command` (webview command links, allowed by the extension). */
interface EmptyAction {
  label: string;
  command: string;
}

interface EmptyMessage {
  title: string;
  detail: string;
  actions: EmptyAction[];
}

/** The connection's problem in plain words, or null when there is none to tell. */
export function connectionProblem(state: DashboardState): ConnectionProblem | null {
  const { serverUrl, error } = state.connection;
  return error ? describeConnectionProblem(serverUrl ?? 'this address', error) : null;
}

/**
 * Whether the page shows its key field (keyEntry.ts) now, in place of this view's words: it can take a key
 * (a browser page), and the connection is refused for want of one.
 */
export function asksForKey(state: DashboardState, canUseKey: boolean): boolean {
  if (!canUseKey || state.connection.state !== 'disconnected') return false;
  const problem = connectionProblem(state);
  return problem !== null && needsApiKey(problem.kind);
}

export const SET_API_KEY: EmptyAction = { label: 'Set API Key', command: 'ringside.setApiKey' };
const START_LOCAL_SERVER: EmptyAction = { label: 'Start Local Server', command: 'ringside.startLocalServer' };
const CONNECT: EmptyAction = { label: 'Connect to a Server', command: 'ringside.connect' };

function emptyMessage(state: DashboardState, host: TransportHost = 'browser'): EmptyMessage {
  const where = state.connection.serverUrl ?? 'the Ringside server';
  const inVsCode = host === 'vscode';
  switch (state.connection.state) {
    case 'connecting':
      return { title: 'Waiting for data…', detail: `Connecting to ${where}.`, actions: [] };
    case 'connected':
      return { title: 'Waiting for data…', detail: `Connected to ${where}; the first figures are on their way.`, actions: [] };
    case 'disconnected': {
      const problem = connectionProblem(state);
      if (problem && needsApiKey(problem.kind)) {
        return inVsCode
          ? { title: 'An API key is needed', detail: `${problem.text} Give the extension a key with scope "read" (it is kept in VS Code's secret storage).`, actions: [SET_API_KEY] }
          : {
              title: 'An API key is needed',
              detail: `${problem.text} Open this page with #token=<key> added to its address (a key with scope "read"; a local server writes an admin key to <data>/admin.key).`,
              actions: [],
            };
      }
      const text = problem?.text ?? `Not connected to ${where}.`;
      return inVsCode
        ? { title: 'No connection', detail: `${text} Start the local server, or connect to another server.`, actions: [START_LOCAL_SERVER, CONNECT] }
        : { title: 'No connection', detail: `${text} Retrying…`, actions: [] };
    }
  }
}

/** A button running one of the extension's commands (a webview command link; the extension allows these). */
export function commandLink(action: EmptyAction): HTMLAnchorElement {
  const link = el('a', 'rs-button', action.label);
  link.href = `command:${action.command}`;
  link.dataset['command'] = action.command;
  return link;
}

/** `canUseKey`: the page has a key field (keyEntry.ts), which then speaks for a missing or refused key. */
export function createEmptyView(container: HTMLElement, board: HTMLElement, host: TransportHost = 'browser', canUseKey = false): (state: DashboardState) => void {
  const title = el('h2', 'rs-empty-title');
  const detail = el('p', 'rs-empty-detail');
  const actions = el('p', 'rs-empty-actions');
  container.append(title, detail, actions);
  let drawnActions = '';
  return (state) => {
    container.hidden = state.hasSnapshot || asksForKey(state, canUseKey);
    board.hidden = !state.hasSnapshot;
    if (state.hasSnapshot) return;
    const message = emptyMessage(state, host);
    setText(title, message.title);
    setText(detail, message.detail);
    const key = message.actions.map((a) => a.command).join(' ');
    if (key === drawnActions) return;
    drawnActions = key;
    actions.hidden = message.actions.length === 0;
    actions.replaceChildren(
      ...message.actions.map((action) => {
        const link = commandLink(action);
        link.classList.add('rs-empty-action');
        return link;
      }),
    );
  };
}
