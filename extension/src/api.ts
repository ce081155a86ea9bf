// What activate() returns: a small, stable surface for the integration tests (and other extensions).
import type { Event } from 'vscode';
import type { RenderedSummary } from '@ringside/server/protocol';
import type { RingsideConnection } from './connection';
import type { ShownNotification } from './notifications';
import type { SiteFigures } from './siteModel';
import type { TreeRow } from './sitesTree';
import type { StatusView } from './statusText';
import type { Selection } from './dashboardPanel';
import type { RunningLocalServer } from './localServer';

export interface RingsideApi {
  readonly connection: RingsideConnection;
  /** The latest summary the dashboard reported of what is on screen. */
  lastRenderedSummary(): RenderedSummary | undefined;
  readonly onDidRender: Event<RenderedSummary>;
  /** Whether the dashboard panel exists. */
  isDashboardOpen(): boolean;
  /** What the status bar item shows now. */
  statusBar(): StatusView | undefined;
  /** The Sites view as the tree provider renders it (labels, descriptions, icon and colour ids). */
  sitesTree(): TreeRow[];
  siteFigures(): SiteFigures[];
  /** How many times the per-site figures were fetched (the throttle keeps this at ≤ 1/s). */
  siteFetchCount(): number;
  /** Alert notifications shown so far. */
  notifications(): readonly ShownNotification[];
  /** What a notification's "Acknowledge" button does: POST /api/v1/alerts/:id/ack for each. */
  acknowledgeAlerts(ids: readonly number[]): Promise<void>;
  /** The selection last sent to the dashboard (tree click, restore). */
  dashboardSelection(): Selection | undefined;
  /** The serializer VS Code calls after a reload (tests call it with a panel of the same view type). */
  readonly serializer: { deserializeWebviewPanel(panel: import('vscode').WebviewPanel, state: unknown): Thenable<void> };
  lastRestoredState(): unknown;
  /** The URL "Open in Browser" opened last. */
  lastOpenedInBrowser(): string | undefined;
  localServer(): RunningLocalServer | undefined;
}
