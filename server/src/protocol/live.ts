// Socket.IO typed event maps and socket data (https://socket.io/docs/v4/typescript/), and the webview message protocol.
// The extension host relays server→client events to the webview unchanged, so both use DashboardMessage.
import type { ComplianceFigure, ComplianceSeries, JudgedEvent, SeriesPoint } from './compliance';
import type { SiteName } from './sites';
import type { Standard } from './standards';
import type { Incident, IncidentUpdate } from './incidents';
import type { ClocksUpdate, OpenClock } from './eventTypes';
import type { DashboardRequestMessage, DashboardResponseMessage, DashboardSelection } from './pure/dashboard';
import type { ApiScope } from './scopes';

/** Sent once to every client on connect. */
export interface Snapshot {
  serverTime: string;
  /** Start of "today" in the server's time zone (the snapshot covers every site), ISO UTC. */
  todayFrom: string;
  /**
   * The server's time zone (IANA), whose day `todayFrom`, `today` and `eventsToday` count: a client names that day
   * where it shows another beside it ("today (server's day, UTC)"). Optional so older senders stay valid.
   */
  timeZone?: string;
  standards: Standard[];
  /** Compliance per standard since todayFrom. */
  today: ComplianceFigure[];
  /** Recent compliance per standard, one point per minute, oldest first. */
  series: ComplianceSeries[];
  /** Most recent judged events, newest first. */
  recent: JudgedEvent[];
  /** Events that occurred today (all types, all sites). Optional so older senders stay valid. */
  eventsToday?: number;
  /** Incidents open now, oldest first. */
  openIncidents: Incident[];
  /** Open cases (calls ringing, visitors waiting, complaints open), as GET /api/v1/clocks lists them. */
  openClocks?: OpenClock[];
  /**
   * The configured sites' display names, so clients name a site as incidents do (protocol/pure/labels.ts siteLabel).
   * Optional so older senders stay valid; a site not listed (seen only in events) is named by its id.
   */
  sites?: SiteName[];
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
  /** An incident changed (opened, escalated, de-escalated, recovered, acknowledged): the change and the incident after it. */
  incident: (update: IncidentUpdate) => void;
  /** Open cases changed: opened, a measure stopped, at-risk, breached, closed. */
  clocks: (update: ClocksUpdate) => void;
}

/**
 * Catch-up after a disconnect (server/src/live/replay.ts). The client sends the last event `seq` and incident
 * change `seq` it saw; an omitted field asks for nothing of that kind (a first connect: just learn the heads).
 */
export interface ReplayRequest {
  afterSeq?: number;
  afterIncidentChange?: number;
}

export type ReplayResponse =
  | {
      ok: true;
      /** Judged events with seq > afterSeq, oldest first, at most REPLAY_MAX_EVENTS. */
      events: JudgedEvent[];
      /** Incident changes with seq > afterIncidentChange, oldest first, at most REPLAY_MAX_INCIDENT_CHANGES, each with its incident as it is now. */
      incidents: IncidentUpdate[];
      /** False when more were missed than one answer carries: ask again after the last one received. */
      complete: boolean;
      /** The newest event seq and incident change seq on the server when it answered (0 = none yet). */
      headSeq: number;
      headIncidentChange: number;
    }
  | { ok: false; error: string; code: ReplayErrorCode };

/**
 * Why a replay was not answered, stable for clients to act on: `invalid-replay` (the request is malformed; do not
 * repeat it), `too-many-replays` (over the per-second limit; retry after a second), `replay-failed` (the server
 * could not read what was asked; ask again shortly). `error` says the same in words.
 */
export type ReplayErrorCode = 'invalid-replay' | 'too-many-replays' | 'replay-failed';

/**
 * The answer to any other message a client sends with an acknowledgement (a `subscribe`, a misspelt `replay`): the
 * server takes none, drops it and counts it (GET /stats), and says so instead of leaving the client waiting.
 */
export interface UnknownMessageAnswer {
  ok: false;
  error: string;
  code: 'unknown-message';
}

export interface ClientToServerEvents {
  replay: (request: ReplayRequest, ack: (response: ReplayResponse) => void) => void;
}

/** Events between server processes (a Socket.IO adapter); a single process sends none. */
export type InterServerEvents = Record<string, never>;

/** The API key a live connection was accepted with, as the handshake check keeps it on the socket. */
export interface LiveKey {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** When the key expires (ms since the epoch); null = never. The connection is cut then. */
  expiresAtMs: number | null;
}

/** What the server keeps on each connection (`socket.data`). */
export interface SocketData {
  /** Absent when the server runs without keys (open access on loopback). */
  key?: LiveKey;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** What the dashboard consumes, whichever transport delivers it. */
export type DashboardMessage =
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'judged'; events: JudgedEvent[] }
  | { type: 'compliance'; update: ComplianceUpdate }
  | { type: 'connection'; state: ConnectionState; serverUrl: string; error?: string }
  /** An incident change as the `incident` Socket.IO event carries it. */
  | { type: 'incident'; update: IncidentUpdate }
  /** Open clocks changed, as the `clocks` Socket.IO event carries it. */
  | { type: 'clocks'; update: ClocksUpdate }
  /** The host narrows what the dashboard shows (e.g. a tree item "opens the dashboard filtered to it"). */
  | { type: 'select'; selection: Partial<DashboardSelection> };

/** Everything the extension host posts to the webview: live messages plus answers to its requests. */
export type HostToWebviewMessage = DashboardMessage | DashboardResponseMessage;

/** What the webview tells the extension host. */
export type WebviewToHostMessage =
  | { type: 'ready' }
  /** A summary of what is on screen, so the host (and its tests) know what the user sees. */
  | { type: 'rendered'; summary: RenderedSummary }
  /** A historical query for the host to make over HTTP (see protocol/pure/dashboard.ts). */
  | DashboardRequestMessage;

export interface RenderedSummary {
  connection: ConnectionState;
  /** standardId → compliance text shown on its KPI tile, e.g. "93.1 %". */
  tiles: Record<string, string>;
  feedCount: number;
  /** Id of the newest event in the feed, if any. */
  newestEventId: string | null;
  eventsToday: number;
  // Always sent by this dashboard; optional so older webviews stay valid:
  /** What the dashboard is filtered to (window, range, site, standard). */
  selection?: DashboardSelection;
  /** Open incidents, as the banner counts them. */
  openIncidents?: number;
  /** The live feed is paused by the user. */
  feedPaused?: boolean;
}
