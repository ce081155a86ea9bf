// The dashboard's whole model and the one pure function that advances it.
// Every transport delivers DashboardMessage; views only ever read DashboardState.
import type {
  ComplianceFigure,
  ComplianceUpdate,
  ConnectionState,
  DashboardMessage,
  JudgedEvent,
  SeriesPoint,
  Snapshot,
  Standard,
} from '@ringside/server/protocol';

/** How many events the live feed keeps (newest first). */
export const FEED_LIMIT = 50;
/** How many per-minute points a series keeps: two hours, enough for the one-hour chart window. */
export const SERIES_LIMIT = 120;

export interface ConnectionInfo {
  state: ConnectionState;
  serverUrl: string | null;
  error: string | null;
}

export interface DashboardState {
  connection: ConnectionInfo;
  /** True once a snapshot arrived; before that the dashboard shows its empty state. */
  hasSnapshot: boolean;
  standards: Standard[];
  /** standardId → today's figure. */
  today: Record<string, ComplianceFigure>;
  /** standardId → per-minute points, oldest first. */
  series: Record<string, SeriesPoint[]>;
  /** Latest judged events, newest first, at most FEED_LIMIT. */
  feed: JudgedEvent[];
  eventsToday: number;
  missesToday: number;
  /** Server time of the latest snapshot/compliance update (ISO), or null before any. */
  lastUpdated: string | null;
}

export const initialState: DashboardState = {
  connection: { state: 'connecting', serverUrl: null, error: null },
  hasSnapshot: false,
  standards: [],
  today: {},
  series: {},
  feed: [],
  eventsToday: 0,
  missesToday: 0,
  lastUpdated: null,
};

export function reduce(state: DashboardState, message: DashboardMessage): DashboardState {
  switch (message.type) {
    case 'snapshot':
      return applySnapshot(state, message.snapshot);
    case 'judged':
      return { ...state, feed: prependToFeed(state.feed, message.events) };
    case 'compliance':
      return applyCompliance(state, message.update);
    case 'connection':
      return {
        ...state,
        connection: { state: message.state, serverUrl: message.serverUrl, error: message.error ?? null },
      };
    default:
      return state;
  }
}

function applySnapshot(state: DashboardState, snapshot: Snapshot): DashboardState {
  const today = figuresById(snapshot.today);
  const series: Record<string, SeriesPoint[]> = {};
  for (const s of snapshot.series) series[s.standardId] = s.points.slice(-SERIES_LIMIT);
  // A snapshot is only ever sent on connect, so it proves the connection is up.
  const connection: ConnectionInfo = { ...state.connection, state: 'connected', error: null };
  return {
    ...state,
    connection,
    hasSnapshot: true,
    standards: snapshot.standards,
    today,
    series,
    // The snapshot is the whole truth: it replaces (not merges) the feed, so a reconnect cannot duplicate rows.
    feed: prependToFeed([], [...snapshot.recent].reverse()),
    ...todayTotals(snapshot.standards, today, snapshot.eventsToday),
    lastUpdated: snapshot.serverTime,
  };
}

function applyCompliance(state: DashboardState, update: ComplianceUpdate): DashboardState {
  const today = { ...state.today, ...figuresById(update.today) };
  let series = state.series;
  for (const { standardId, point } of update.points) {
    series = { ...series, [standardId]: upsertPoint(series[standardId] ?? [], point) };
  }
  return { ...state, today, series, ...todayTotals(state.standards, today, update.eventsToday), lastUpdated: update.serverTime };
}

/** Same minute bucket → replace; a new bucket → insert in time order; keep the newest SERIES_LIMIT. */
export function upsertPoint(points: SeriesPoint[], point: SeriesPoint): SeriesPoint[] {
  const index = points.findIndex((p) => p.start === point.start);
  if (index >= 0) return points.map((p, i) => (i === index ? point : p));
  const next = [...points, point];
  const last = points[points.length - 1];
  if (last && Date.parse(last.start) > Date.parse(point.start)) next.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return next.slice(-SERIES_LIMIT);
}

/** `events` arrive oldest first; the feed is newest first and never holds the same event twice. */
export function prependToFeed(feed: JudgedEvent[], events: JudgedEvent[]): JudgedEvent[] {
  const incoming = [...events].reverse();
  const seen = new Set(incoming.map((e) => e.event.id));
  const kept = feed.filter((e) => !seen.has(e.event.id));
  return [...dedupe(incoming), ...kept].slice(0, FEED_LIMIT);
}

function dedupe(events: JudgedEvent[]): JudgedEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.event.id) ? false : (seen.add(e.event.id), true)));
}

function figuresById(figures: ComplianceFigure[]): Record<string, ComplianceFigure> {
  const byId: Record<string, ComplianceFigure> = {};
  for (const f of figures) byId[f.standardId] = f;
  return byId;
}

/**
 * Events today: the server's own count when it sends one. Otherwise estimated from the figures: every event
 * is judged by each standard for its type, so summing all figures would count an event once per standard;
 * per event type take the largest count among its standards, then add the types up.
 * Misses are judgements, so they do add up across standards.
 */
export function todayTotals(
  standards: Standard[],
  today: Record<string, ComplianceFigure>,
  counted?: number,
): { eventsToday: number; missesToday: number } {
  const typeOf = new Map(standards.map((s) => [s.id, s.eventType as string]));
  const perType = new Map<string, number>();
  let missesToday = 0;
  for (const figure of Object.values(today)) {
    const type = typeOf.get(figure.standardId) ?? `standard:${figure.standardId}`;
    perType.set(type, Math.max(perType.get(type) ?? 0, figure.total));
    missesToday += figure.missed;
  }
  let eventsToday = 0;
  for (const n of perType.values()) eventsToday += n;
  return { eventsToday: counted ?? eventsToday, missesToday };
}
