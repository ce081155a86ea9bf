// The dashboard webview (one panel; reveal it if already open), following the official webview-sample.
// The host relays DashboardMessage objects from the connection, answers the page's HTTP requests
// (protocol/pure/dashboard.ts) with the API key, and tells it what to select (a tree item "opens the dashboard
// filtered to it"). The page answers `ready`, `rendered` and `request`.
import * as vscode from 'vscode';
import type { DashboardRequest, DashboardRequestKind, DashboardResponseMessage, DashboardResult, HostToWebviewMessage, RenderedSummary, WebviewToHostMessage } from '@ringside/server/protocol';
import type { RingsideConnection } from './connection';
import { CONNECT_COMMAND, DASHBOARD_VIEW_TYPE, SET_API_KEY_COMMAND, START_LOCAL_SERVER_COMMAND } from './commandIds';
import { requestResult } from './httpApi';
import { Listeners } from './listeners';
import { dashboardHtml } from './webviewHtml';
import { selectionFromState, type Selection } from './selection';

export type { Selection };

/** Where build.mjs copies webview/dist (the only folder the page may load from). */
const ASSET_FOLDER = ['dist', 'webview'] as const;

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private static readonly changes = new Listeners<void>();
  private static lastSummary: RenderedSummary | undefined;

  /** Fires when the panel opens or closes, and after each render the page reports. */
  static readonly onDidChange = DashboardPanel.changes.event;

  static get lastRenderedSummary(): RenderedSummary | undefined {
    return DashboardPanel.lastSummary;
  }

  static get isOpen(): boolean {
    return DashboardPanel.current !== undefined;
  }

  /** The selection most recently sent to the page (by a tree click or a restore). */
  static get lastSelection(): Selection | undefined {
    return DashboardPanel.current?.selection;
  }

  /** Where the last selection is kept for a restore (context.workspaceState); set once at activation. */
  static memory: vscode.Memento | undefined;

  static createOrShow(extensionUri: vscode.Uri, connection: RingsideConnection, selection?: Selection): void {
    let column = vscode.window.activeTextEditor ? vscode.window.activeTextEditor.viewColumn : undefined;
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(column);
      if (selection) DashboardPanel.current.select(selection);
      return;
    }
    // After a window reload VS Code hands a dashboard tab that is not in front to the serializer only once it is
    // shown: until then it has no panel, and a new one beside it was a second dashboard. Its place is taken over
    // (the API cannot show such a tab), with the selection it last showed.
    const restorable = vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(DASHBOARD_VIEW_TYPE));
    if (restorable) {
      column = restorable.group.viewColumn;
      void vscode.window.tabGroups.close(restorable);
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Ringside', column ?? vscode.ViewColumn.One, webviewOptions(extensionUri));
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, connection, selection ?? (restorable ? rememberedSelection() : undefined));
    DashboardPanel.changes.fire();
  }

  /**
   * After a window reload VS Code hands back the panel it persisted and the page's last `setState` value. The page
   * restores its own selection from that state; the host also re-sends it (as `select`) with the current data, so
   * the filter survives even where the state is not handed back to the page.
   */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, connection: RingsideConnection, state: unknown): void {
    panel.webview.options = webviewOptions(extensionUri);
    DashboardPanel.current?.dispose();
    // The page's own state first; VS Code writes it to storage only when it saves the workbench state, so after an
    // abrupt reload (browser F5 in code-server) it can be stale: then the selection the host remembered.
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, connection, selectionFromState(state) ?? rememberedSelection());
    DashboardPanel.changes.fire();
  }

  static disposeCurrent(): void {
    DashboardPanel.current?.dispose();
  }

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private disposed = false;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly connection: RingsideConnection,
    private selection: Selection | undefined,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      connection.onMessage((message) => this.post(message)),
    );
  }

  /** Narrows the dashboard (site and/or standard); sent now if the page is listening, else after its `ready`. */
  select(selection: Selection): void {
    this.selection = { ...this.selection, ...selection };
    remember(this.selection);
    DashboardPanel.changes.fire();
    if (this.ready) this.post({ type: 'select', selection });
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...ASSET_FOLDER, file)).toString();
    return dashboardHtml({ cspSource: webview.cspSource, scriptUri: asset('dashboard.js'), styleUri: asset('dashboard.css') });
  }

  private receive(data: unknown): void {
    const message = webviewMessage(data);
    if (message?.type === 'ready') {
      // The page (re)loaded: it has nothing, so give it the whole current picture, then what to show.
      this.ready = true;
      for (const current of this.connection.currentMessages()) this.post(current);
      if (this.selection) this.post({ type: 'select', selection: this.selection });
    } else if (message?.type === 'rendered') {
      this.rendered(message.summary);
    } else if (message?.type === 'request') {
      void this.answer(message.id, message.request, message.periodic === true);
    }
  }

  private rendered(summary: RenderedSummary): void {
    DashboardPanel.lastSummary = summary;
    // The user may change the filter in the page itself: remember what it shows.
    if (summary.selection) {
      this.selection = summary.selection;
      remember(this.selection);
    }
    DashboardPanel.changes.fire();
  }

  /** Makes the page's HTTP request with the API key and posts the result back (never throws). */
  private async answer<K extends DashboardRequestKind>(id: number, request: DashboardRequest<K>, periodic: boolean): Promise<void> {
    const serverUrl = this.connection.serverUrl;
    const result: DashboardResult<K> = serverUrl
      ? await requestResult(serverUrl, this.connection.apiKey, request, { periodic })
      : { ok: false, problem: { type: 'about:blank', title: 'Not connected', status: 0, detail: 'not connected to a Ringside server' } };
    const response: DashboardResponseMessage<K> = { type: 'response', id, kind: request.kind, ...result };
    this.post(response);
  }

  private post(message: HostToWebviewMessage): void {
    // A hidden panel drops messages; it re-sends `ready` when shown again and then gets the current picture.
    // An answer to the page's request can arrive after the panel was closed: there is nobody to tell then.
    if (this.disposed) return;
    this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  dispose(): void {
    this.disposed = true;
    if (DashboardPanel.current === this) {
      DashboardPanel.current = undefined;
      // Nothing is on screen any more; a reopened panel reports afresh.
      DashboardPanel.lastSummary = undefined;
      DashboardPanel.changes.fire();
    }
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}

const SELECTION_MEMORY_KEY = 'ringside.dashboardSelection';

/** The selection the host last sent or the page last reported (kept in workspaceState across reloads). */
function rememberedSelection(): Selection | undefined {
  return selectionFromState({ selection: DashboardPanel.memory?.get<unknown>(SELECTION_MEMORY_KEY) });
}

function remember(selection: Selection): void {
  const memory = DashboardPanel.memory;
  if (!memory || JSON.stringify(memory.get(SELECTION_MEMORY_KEY)) === JSON.stringify(selection)) return;
  void memory.update(SELECTION_MEMORY_KEY, selection);
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    // The feed and charts rebuild from the host's snapshot in well under a second; no need to keep a hidden page alive.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...ASSET_FOLDER)],
    // The page's "what to do" buttons (no key, no server) are links to these commands, and only these.
    enableCommandUris: [SET_API_KEY_COMMAND, START_LOCAL_SERVER_COMMAND, CONNECT_COMMAND],
  };
}

const REQUEST_KINDS: Record<DashboardRequestKind, true> = { compliance: true, distribution: true, 'ack-incidents': true, 'staffing-forecast': true };

/**
 * What the page posted, if it is one of our messages: a webview also hears VS Code's own. A request of a kind this
 * host does not know is not ours either (the page then reports that the host did not answer).
 */
function webviewMessage(data: unknown): WebviewToHostMessage | undefined {
  if (!isObject(data)) return undefined;
  if (data.type === 'ready') return { type: 'ready' };
  if (data.type === 'rendered' && isSummary(data.summary)) return { type: 'rendered', summary: data.summary };
  if (data.type === 'request' && typeof data.id === 'number' && isRequest(data.request)) return { type: 'request', id: data.id, request: data.request, ...(data.periodic === true ? { periodic: true as const } : {}) };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isSummary(value: unknown): value is RenderedSummary {
  return isObject(value) && typeof value.connection === 'string' && isObject(value.tiles);
}

function isRequest(value: unknown): value is DashboardRequest {
  if (!isObject(value) || typeof value.kind !== 'string' || !Object.hasOwn(REQUEST_KINDS, value.kind)) return false;
  return value.kind === 'ack-incidents' ? Array.isArray(value.ids) && value.ids.every((id) => typeof id === 'number') : isObject(value.params);
}
