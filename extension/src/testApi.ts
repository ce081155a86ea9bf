// The extension's one test API: what activate() returns when VS Code runs the extension under test (an
// extensionTestsPath run: ExtensionMode.Test), and nothing otherwise, so no test hook reaches users or other
// extensions. VS Code offers no API to read a status bar item, a tree, a notification, a quick pick or a webview's
// content back, so the suite reads them through view(); it waits on onDidChange instead of a clock. Documented in
// test/vscode/README.md.
import type * as vscode from 'vscode';
import type { ConnectionState, Incident, RenderedSummary } from '@ringside/server/protocol';
import type { ConnectionProblem, IncidentCounts } from '@ringside/server/protocol/pure';
import type { CatchUp } from './connection';
import type { Reconnecting } from './problems';
import type { RunningLocalServer } from './localServer';
import type { ShownMessage } from './messages';
import type { ShownNotification } from './notifications';
import type { QuickPickView } from './quickPicks';
import type { Selection } from './selection';
import type { TreeRow } from './sitesTree';
import type { StatusView } from './statusText';

export interface RingsideTestApi {
  /** What the user sees now, and what the extension knows about its live connection. */
  view(): RingsideView;
  /** Fires (after the extension's own listeners have run) whenever something in view() may have changed. */
  readonly onDidChange: vscode.Event<void>;
  /** POST /api/v1/incidents/ack with these ids (what the Alerts view and notifications do). */
  acknowledgeIncidents(ids: readonly number[]): Promise<void>;
  /** Chooses `action` on a shown notification (by its id in view().notifications): what clicking its button does. */
  respondToNotification(id: number, action: string): Promise<void>;
  /** What VS Code does after a window reload: hands a persisted panel and the page's saved state to the serializer. */
  restoreDashboard(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  /** Closes the live transport as a network failure would; socket.io-client then reconnects with backoff. */
  dropConnection(): void;
  /** Looks for the local server the way a fresh activation (after a window reload) does: lock file and health check. */
  findLocalServer(): Promise<RunningLocalServer | undefined>;
  /** Settles once activation's local-server step (find it again, or start it with startAtActivation) is done. */
  localServerReady(): Promise<void>;
}

export interface RingsideView {
  connection: {
    state: ConnectionState;
    serverUrl: string;
    /** What socket.io-client reported, as is. */
    error: string | undefined;
    /** The same in plain words, naming the server and what to do (what the user reads). */
    problem: ConnectionProblem | undefined;
    /** Set while retrying after a loss: since when, and the time of the figures the views keep. */
    reconnecting: Reconnecting | undefined;
    apiKey: string | undefined;
    /** The newest event seq received (undefined before the first catch-up answer). */
    lastSeq: number | undefined;
    /** Every event seq received since activation, in order: a gap or a duplicate would show here. */
    receivedSeqs: readonly number[];
    lastCatchUp: CatchUp | undefined;
    /** The server's open incidents, worst first (what every view counts). */
    openIncidents: Incident[];
  };
  statusBar: StatusView | undefined;
  dashboard: {
    open: boolean;
    /** What the page last reported it shows. */
    summary: RenderedSummary | undefined;
    /** The selection last sent to (or reported by) the page. */
    selection: Selection | undefined;
  };
  /** The Sites view as the tree provider renders it (labels, descriptions, icon and colour ids). */
  sites: TreeRow[];
  /** The Sites view's message (above the tree; its welcome buttons show only without one) and description. */
  sitesView: { message: string | undefined; description: string | undefined };
  /** The Alerts view: its rows, the counts every view uses, its badge (0 = none) and the incidents. */
  alerts: { rows: TreeRow[]; counts: IncidentCounts; badge: number; incidents: readonly Incident[] };
  /** Fetches of the per-site figures so far (the throttle keeps them at ≤ 1/s). */
  siteFetches: number;
  /** Incident notifications shown so far, oldest first. */
  notifications: readonly ShownNotification[];
  /** The extension's other notifications (errors, confirmations), oldest first. */
  messages: readonly ShownMessage[];
  /** The extension's quick pick or input step open now, if any. */
  quickPick: QuickPickView | undefined;
  /** The local server this window knows of (started or found again). */
  localServer: RunningLocalServer | undefined;
}
