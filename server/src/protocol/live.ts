// Socket.IO typed event maps (https://socket.io/docs/v4/typescript/) and the webview message protocol.
// The extension host relays server→client events to the webview unchanged, so both use DashboardMessage.
import type { ComplianceFigure, ComplianceSeries, JudgedEvent, SeriesPoint } from './compliance';
import type { Standard } from './standards';

/** Sent once to every client on connect. */
export interface Snapshot {
  serverTime: string;
  /** Start of "today" (server time zone until sites carry zones), ISO UTC. */
  todayFrom: string;
  standards: Standard[];
  /** Compliance per standard since todayFrom. */
  today: ComplianceFigure[];
  /** Recent compliance per standard, one point per minute, oldest first. */
  series: ComplianceSeries[];
  /** Most recent judged events, newest first. */
  recent: JudgedEvent[];
  /** Events that occurred today (all types, all sites). Optional so older senders stay valid. */
  eventsToday?: number;
}

/** Pushed after every stored batch, in the same tick as its `judged` message. */
export interface ComplianceUpdate {
  serverTime: string;
  today: ComplianceFigure[];
  /** The series points that changed (same minute bucket → replace, new bucket → append). */
  points: Array<{ standardId: string; point: SeriesPoint }>;
  /** Events that occurred today (all types, all sites). Optional so older senders stay valid. */
  eventsToday?: number;
}

export interface ServerToClientEvents {
  snapshot: (snapshot: Snapshot) => void;
  /** Events judged and stored, oldest first. */
  judged: (events: JudgedEvent[]) => void;
  compliance: (update: ComplianceUpdate) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientToServerEvents {}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** What the dashboard consumes, whichever transport delivers it. */
export type DashboardMessage =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'judged'; events: JudgedEvent[] }
  | { type: 'compliance'; update: ComplianceUpdate }
  | { type: 'connection'; state: ConnectionState; serverUrl: string; error?: string };

/** What the webview tells the extension host. */
export type WebviewToHostMessage =
  | { type: 'ready' }
  /** A summary of what is on screen, so the host (and its tests) know what the user sees. */
  | { type: 'rendered'; summary: RenderedSummary };

export interface RenderedSummary {
  connection: ConnectionState;
  /** standardId → compliance text shown on its KPI tile, e.g. "93.1 %". */
  tiles: Record<string, string>;
  feedCount: number;
  /** Id of the newest event in the feed, if any. */
  newestEventId: string | null;
  eventsToday: number;
}
