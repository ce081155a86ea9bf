// What activate() returns: a small, stable surface for the integration tests (and other extensions).
import type { Event } from 'vscode';
import type { RenderedSummary } from '@ringside/server/protocol';
import type { RingsideConnection } from './connection';
import type { StatusView } from './statusText';

export interface RingsideApi {
  readonly connection: RingsideConnection;
  /** The latest summary the dashboard reported of what is on screen. */
  lastRenderedSummary(): RenderedSummary | undefined;
  readonly onDidRender: Event<RenderedSummary>;
  /** Whether the dashboard panel exists. */
  isDashboardOpen(): boolean;
  /** What the status bar item shows now. */
  statusBar(): StatusView | undefined;
}
