// The dashboard does not care who delivers its messages: the VS Code host or a Socket.IO connection.
import type { DashboardMessage, RenderedSummary } from '@ringside/server/protocol';

export interface Transport {
  /** Starts delivering messages to `deliver`; returns a function that stops it. */
  start(deliver: (message: DashboardMessage) => void): () => void;
  /** Tells whoever listens what is on screen now (the VS Code host; nobody in a browser). */
  reportRendered(summary: RenderedSummary): void;
}

const MESSAGE_TYPES = new Set<string>(['snapshot', 'judged', 'compliance', 'connection']);

/** A webview also receives messages from VS Code itself and from extensions' tooling; only ours pass. */
export function isDashboardMessage(data: unknown): data is DashboardMessage {
  return typeof data === 'object' && data !== null && MESSAGE_TYPES.has(String((data as { type?: unknown }).type));
}
