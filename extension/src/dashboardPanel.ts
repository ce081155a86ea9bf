// The dashboard webview (one panel; reveal it if already open), following the official webview-sample.
// The host relays DashboardMessage objects from the connection; the page answers `ready` and `rendered`.
import * as vscode from 'vscode';
import type { DashboardMessage, RenderedSummary, WebviewToHostMessage } from '@ringside/server/protocol';
import type { RingsideConnection } from './connection';
import { DASHBOARD_VIEW_TYPE } from './commandIds';
import { Listeners } from './listeners';
import { dashboardHtml } from './webviewHtml';

/** Where build.mjs copies webview/dist (the only folder the page may load from). */
const ASSET_FOLDER = ['dist', 'webview'] as const;

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private static readonly renders = new Listeners<RenderedSummary>();
  private static lastSummary: RenderedSummary | undefined;

  /** Fires with what the page shows, after each render. */
  static readonly onDidRender = DashboardPanel.renders.event;

  static get lastRenderedSummary(): RenderedSummary | undefined {
    return DashboardPanel.lastSummary;
  }

  static get isOpen(): boolean {
    return DashboardPanel.current !== undefined;
  }

  static createOrShow(extensionUri: vscode.Uri, connection: RingsideConnection): void {
    const column = vscode.window.activeTextEditor ? vscode.window.activeTextEditor.viewColumn : undefined;
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(column);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Ringside', column ?? vscode.ViewColumn.One, webviewOptions(extensionUri));
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, connection);
  }

  /** After a window reload VS Code hands back the panel it persisted (see the serializer in extension.ts). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, connection: RingsideConnection): void {
    panel.webview.options = webviewOptions(extensionUri);
    DashboardPanel.current?.dispose();
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, connection);
  }

  static disposeCurrent(): void {
    DashboardPanel.current?.dispose();
  }

  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly connection: RingsideConnection,
  ) {
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      connection.onMessage((message) => this.post(message)),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...ASSET_FOLDER, file)).toString();
    return dashboardHtml({ cspSource: webview.cspSource, scriptUri: asset('dashboard.js'), styleUri: asset('dashboard.css') });
  }

  private receive(message: unknown): void {
    if (!isWebviewMessage(message)) return;
    if (message.type === 'ready') {
      // The page (re)loaded: it has nothing, so give it the whole current picture.
      for (const current of this.connection.currentMessages()) this.post(current);
      return;
    }
    DashboardPanel.lastSummary = message.summary;
    DashboardPanel.renders.fire(message.summary);
  }

  private post(message: DashboardMessage): void {
    // A hidden panel drops messages; it re-sends `ready` when shown again and then gets the current picture.
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (DashboardPanel.current === this) {
      DashboardPanel.current = undefined;
      // Nothing is on screen any more; a reopened panel reports afresh.
      DashboardPanel.lastSummary = undefined;
    }
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...ASSET_FOLDER)],
  };
}

function isWebviewMessage(message: unknown): message is WebviewToHostMessage {
  if (typeof message !== 'object' || message === null) return false;
  const type = (message as { type?: unknown }).type;
  return type === 'ready' || (type === 'rendered' && typeof (message as { summary?: unknown }).summary === 'object');
}
