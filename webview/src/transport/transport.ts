// The dashboard does not care who delivers its messages: the VS Code host or a Socket.IO connection.
// Nor who answers its queries: the page's own fetch (browser) or the extension host (VS Code).
import type { DashboardMessage, DashboardRequest, DashboardSelection, ProblemDetails, RenderedSummary } from '@ringside/server/protocol';

export interface Transport {
  /** Starts delivering messages to `deliver`; returns a function that stops it. */
  start(deliver: (message: DashboardMessage) => void): () => void;
  /** Tells whoever listens what is on screen now (the VS Code host; nobody in a browser). */
  reportRendered(summary: RenderedSummary): void;
  /** A historical query: resolves with the response body, rejects with a RequestError. */
  request?(request: DashboardRequest): Promise<unknown>;
  /** The selection saved by the last page load (URL query, webview state); sanitised by the caller. */
  loadSelection?(): unknown;
  saveSelection?(selection: DashboardSelection): void;
}

/** A query that failed: the server's problem+json, or one describing why nobody answered (status 0). */
export class RequestError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail || problem.title);
    this.name = 'RequestError';
  }

  get status(): number {
    return this.problem.status;
  }
}

/** What the user reads when a query fails: short, and says what to do about a missing or weak key. */
export function describeRequestError(error: unknown): string {
  if (error instanceof RequestError) {
    const { status, detail, title } = error.problem;
    if (status === 401) return 'This server needs an API key: open the dashboard with ?token=<key> (or set the key in VS Code).';
    if (status === 403) return `The API key may not do this: ${detail || title}`;
    if (status === 0) return `Cannot reach the server: ${detail || title}`;
    return `${title} (${status})${detail ? `: ${detail}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

const MESSAGE_TYPES = new Set<string>(['snapshot', 'judged', 'compliance', 'connection', 'alert', 'select']);

/** A webview also receives messages from VS Code itself and from extensions' tooling; only ours pass. */
export function isDashboardMessage(data: unknown): data is DashboardMessage {
  return typeof data === 'object' && data !== null && MESSAGE_TYPES.has(String((data as { type?: unknown }).type));
}
