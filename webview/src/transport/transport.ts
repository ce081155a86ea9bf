// The dashboard does not care who delivers its messages: the VS Code host or a Socket.IO connection.
// Nor who answers its queries: the page's own fetch (browser) or the extension host (VS Code).
import type {
  DashboardAskOptions,
  DashboardMessage,
  DashboardRequest,
  DashboardRequestKind,
  DashboardResponseBodies,
  DashboardResponseMessage,
  DashboardResult,
  DashboardSelection,
  FieldProblem,
  HostToWebviewMessage,
  ProblemDetails,
  RenderedSummary,
} from '@ringside/server/protocol';
import { messageNamesField } from '@ringside/server/protocol/pure';

/** Where the page runs: inside a VS Code webview (the extension's commands are there) or a browser tab. */
export type TransportHost = 'vscode' | 'browser';

export interface Transport {
  /** Where the page runs (default: a browser); decides what the page tells a user to do. */
  readonly host?: TransportHost;
  /** Starts delivering messages to `deliver`; returns a function that stops it. */
  start(deliver: (message: DashboardMessage) => void): () => void;
  /** Tells whoever listens what is on screen now (the VS Code host; nobody in a browser). */
  reportRendered(summary: RenderedSummary): void;
  /**
   * A historical query: resolves with the body its kind answers with, rejects with a RequestError. `periodic`: a
   * throttled automatic refresh, which the server logs at debug when it succeeds (X-Ringside-Refresh).
   */
  request?<K extends DashboardRequestKind>(request: DashboardRequest<K>, options?: DashboardAskOptions): Promise<DashboardResponseBodies[K]>;
  /**
   * The browser page's key field: connect again with this key, kept in memory only (the socket and every query
   * send it). Absent in VS Code, whose extension keeps the key and offers its own command.
   */
  useKey?(key: string): void;
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
    const { status, title } = error.problem;
    const detail = problemText(error.problem);
    if (status === 401) return 'This server needs an API key.';
    if (status === 403) return `The API key may not do this: ${detail || title}`;
    if (status === 0) return `Cannot reach the server: ${detail || title}`;
    return `${title} (${status})${detail ? `: ${detail}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A problem in words: each field's problem when it names any (the API's `detail` writes "<path> <message>" for each,
 * "<path>: <message>" where the message already names its field), else its detail.
 */
export function problemText(problem: Partial<Pick<ProblemDetails, 'detail' | 'errors'>>): string {
  return problem.errors?.length ? problem.errors.map(fieldProblemText).join('; ') : (problem.detail ?? '');
}

/** A message that names its field (messageNamesField) reads on its own; any other follows the field's path. */
function fieldProblemText({ path, message }: FieldProblem): string {
  return messageNamesField(path, message) ? message : `${path} ${message}`;
}

/** A result's body, or its problem thrown as a RequestError. */
export function bodyOf<K extends DashboardRequestKind>(result: DashboardResult<K>): DashboardResponseBodies[K] {
  if (result.ok) return result.body;
  throw new RequestError(result.problem);
}

/**
 * Every message type the host may post, each listed once: the Record's keys must be exactly the union's `type`s,
 * so a message type added to the protocol without being added here (or the other way round) does not compile.
 */
const HOST_MESSAGE_TYPES: Record<HostToWebviewMessage['type'], 'live' | 'response'> = {
  snapshot: 'live',
  judged: 'live',
  compliance: 'live',
  connection: 'live',
  incident: 'live',
  clocks: 'live',
  select: 'live',
  response: 'response',
};

function isHostMessageType(type: unknown): type is HostToWebviewMessage['type'] {
  return typeof type === 'string' && Object.hasOwn(HOST_MESSAGE_TYPES, type);
}

function hostMessageType(data: unknown): HostToWebviewMessage['type'] | undefined {
  if (typeof data !== 'object' || data === null || !('type' in data)) return undefined;
  return isHostMessageType(data.type) ? data.type : undefined;
}

/** A webview also receives messages from VS Code itself and from extensions' tooling; only ours pass. */
export function isDashboardMessage(data: unknown): data is DashboardMessage {
  const type = hostMessageType(data);
  return type !== undefined && HOST_MESSAGE_TYPES[type] === 'live';
}

/** The host's answer to one of our requests. */
export function isResponseMessage(data: unknown): data is DashboardResponseMessage {
  if (hostMessageType(data) !== 'response' || typeof data !== 'object' || data === null) return false;
  return 'id' in data && typeof data.id === 'number' && 'kind' in data && typeof data.kind === 'string';
}
