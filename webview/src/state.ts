// The dashboard's whole model and the one pure function that advances it.
// Transports deliver DashboardMessage; the UI and the query controller add LocalAction; views only read.
import type {
  ClockBreach,
  ClocksUpdate,
  ComplianceFigure,
  ComplianceUpdate,
  ConnectionState,
  DashboardMessage,
  DashboardResponseBodies,
  Incident,
  JudgedEvent,
  OpenClock,
  SeriesPoint,
  Snapshot,
  Standard,
} from '@ringside/server/protocol';
import { applyClocksUpdate, applyIncidentUpdate, breachKeyOf, compareText, LIVE_POINTS_KEPT, openIncidentsOf, snapshotSiteNames, sortClocks, upsertLivePoint, withSiteNames, type SiteNames } from '@ringside/server/protocol/pure';
import { DEFAULT_SELECTION, sameSelection, sanitizeSelection, type DashboardSelection } from './selection';

/** How many events the live feed keeps (newest first): memory stays flat however long the page runs. */
export const FEED_LIMIT = 50;
/** How many per-minute points a series keeps (the extension keeps as many: protocol/pure/livePoints.ts). */
export const SERIES_LIMIT = LIVE_POINTS_KEPT;
/** How many breaches the live feed keeps (newest first), like FEED_LIMIT for events. */
export const BREACH_LIMIT = 50;

interface ConnectionInfo {
  state: ConnectionState;
  serverUrl: string | null;
  error: string | null;
}

/**
 * The historical queries the dashboard makes for its selection, and the request kind that answers each:
 * figures + series, the distribution, and compliance grouped by site (all sites) or by agent (one site).
 */
export interface QueryKinds {
  report: 'compliance';
  distribution: 'distribution';
  groups: 'compliance';
  /** The Staffing view's two days, asked only while one site and one standard are selected. */
  staffingToday: 'staffing-forecast';
  staffingTomorrow: 'staffing-forecast';
}
export type QueryName = keyof QueryKinds;
/** What query N holds once answered. */
type QueryData<N extends QueryName> = DashboardResponseBodies[QueryKinds[N]];

export interface QueryResult<T> {
  status: 'idle' | 'loading' | 'ok' | 'error';
  /** Identifies the selection (and range) the data is for; a late answer for another key is dropped. */
  key: string | null;
  data: T | null;
  error: string | null;
}

type Queries = { [N in QueryName]: QueryResult<QueryData<N>> };

/** Query N answered (for the selection `key`). */
interface QueryAnswered<N extends QueryName = QueryName> {
  type: 'query/ok';
  name: N;
  key: string;
  data: QueryData<N>;
}

interface FeedControls {
  /** While paused the feed shows `frozen` and counts what arrived meanwhile. */
  paused: boolean;
  frozen: JudgedEvent[] | null;
  /** The breaches on screen when paused. */
  frozenBreaches: ClockBreach[] | null;
  newWhilePaused: number;
  /** Free text matched against site, agent, type, outcome and standard ids. */
  filter: string;
}

export interface DashboardState {
  connection: ConnectionInfo;
  /** True once a snapshot arrived; before that the dashboard shows its empty state. */
  hasSnapshot: boolean;
  /**
   * True once the transport said the connection is up or down. Before that, figures on screen came with the page
   * (its first paint) while its socket makes its first connection: that is not a reconnect.
   */
  connectionSettled: boolean;
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
  /** Start of the server's today (from the snapshot), ISO. */
  todayFrom: string | null;
  /** The server's time zone, whose day todayFrom starts (from the snapshot; null from a server that sends none). */
  serverTimeZone: string | null;
  selection: DashboardSelection;
  queries: Queries;
  /** The server's open incidents, worst first (unacknowledged and acknowledged). */
  incidents: Incident[];
  /** Incident ids an acknowledgement is on its way for, and the last ack error. */
  acking: number[];
  ackError: string | null;
  feedControls: FeedControls;
  /** Sites seen in events, reports and groups, sorted: the site filter's options. */
  knownSites: string[];
  /**
   * Display names by site id: the snapshot's configured sites, then each incident's siteName as it changes. Every
   * view names a site by siteLabel (protocol/pure/labels.ts) with these, so no panel shows an id where another
   * shows the name.
   */
  siteNames: SiteNames;
  /**
   * The sites configured and not retired (the snapshot's `sites`), or null from a server that sends none: the Sites
   * panel gives each one a bar, one without events included.
   */
  configuredSites: string[] | null;
  /** Open cases (calls ringing, visitors waiting, complaints open), oldest start first. */
  openClocks: OpenClock[];
  /** Deadlines that passed on open cases, newest first, at most BREACH_LIMIT, each once. */
  breaches: ClockBreach[];
  /** Server time of the latest snapshot or clocks update (ISO): the countdowns correct the page's clock by it. */
  clocksServerTime: string | null;
}

const idle = <T>(): QueryResult<T> => ({ status: 'idle', key: null, data: null, error: null });

export const initialState: DashboardState = {
  connection: { state: 'connecting', serverUrl: null, error: null },
  hasSnapshot: false,
  connectionSettled: false,
  standards: [],
  today: {},
  series: {},
  feed: [],
  eventsToday: 0,
  missesToday: 0,
  lastUpdated: null,
  todayFrom: null,
  serverTimeZone: null,
  selection: DEFAULT_SELECTION,
  queries: { report: idle(), distribution: idle(), groups: idle(), staffingToday: idle(), staffingTomorrow: idle() },
  incidents: [],
  acking: [],
  ackError: null,
  feedControls: { paused: false, frozen: null, frozenBreaches: null, newWhilePaused: 0, filter: '' },
  knownSites: [],
  siteNames: new Map(),
  configuredSites: null,
  openClocks: [],
  breaches: [],
  clocksServerTime: null,
};

/** Actions that come from the page itself (controls, the query controller), never from a transport. */
export type LocalAction =
  | { type: 'ui/select'; selection: Partial<DashboardSelection> }
  | { type: 'ui/pause'; paused: boolean }
  | { type: 'ui/feed-filter'; filter: string }
  | { type: 'query/start'; name: QueryName; key: string }
  | QueryAnswered
  | { type: 'query/error'; name: QueryName; key: string; error: string }
  | { type: 'ack/start'; ids: number[] }
  | { type: 'ack/ok'; ids: number[]; incidents: Incident[] }
  | { type: 'ack/error'; ids: number[]; error: string };

export type Action = DashboardMessage | LocalAction;

export function reduce(state: DashboardState, message: Action): DashboardState {
  switch (message.type) {
    case 'snapshot':
      return applySnapshot(state, message.snapshot);
    case 'judged':
      return applyJudged(state, message.events);
    case 'compliance':
      return applyCompliance(state, message.update);
    case 'connection': {
      const connection: ConnectionInfo = { state: message.state, serverUrl: message.serverUrl, error: message.error ?? null };
      // Connecting with a reason is retrying after a loss (the extension host's connection says why it was lost).
      const settled = message.state !== 'connecting' || message.error !== undefined;
      // Another server: nothing of the previous one may stay on screen (figures, feed, alerts and their
      // Acknowledge buttons) until the new one's snapshot arrives. The user's filters stay.
      if (state.connection.serverUrl !== null && message.serverUrl !== state.connection.serverUrl) {
        return { ...initialState, selection: state.selection, feedControls: { ...initialState.feedControls, filter: state.feedControls.filter }, connection, connectionSettled: settled };
      }
      return { ...state, connection, connectionSettled: state.connectionSettled || settled };
    }
    case 'incident': {
      const { incident } = message.update;
      return { ...state, incidents: withIncidents(state.incidents, [incident]), siteNames: withSiteNames(state.siteNames, [{ id: incident.site, name: incident.siteName }]) };
    }
    case 'clocks':
      return applyClocks(state, message.update);
    case 'select':
    case 'ui/select':
      return applySelection(state, message.selection);
    case 'ui/pause':
      return applyPause(state, message.paused);
    case 'ui/feed-filter':
      return message.filter === state.feedControls.filter ? state : { ...state, feedControls: { ...state.feedControls, filter: message.filter } };
    case 'query/start': {
      const current = state.queries[message.name];
      // Keep showing the previous data while a refresh for the same selection loads (no flicker to "loading").
      const data = current.key === message.key ? current.data : null;
      return withQuery(state, message.name, { status: 'loading', key: message.key, data, error: null });
    }
    case 'query/ok': {
      if (state.queries[message.name].key !== message.key) return state;
      const next = withQuery(state, message.name, { status: 'ok', key: message.key, data: message.data, error: null });
      return { ...next, knownSites: mergeSites(next.knownSites, sitesOfResult(message)) };
    }
    case 'query/error': {
      if (state.queries[message.name].key !== message.key) return state;
      const current = state.queries[message.name];
      return withQuery(state, message.name, { status: 'error', key: message.key, data: current.data, error: message.error });
    }
    case 'ack/start':
      return { ...state, acking: [...state.acking.filter((id) => !message.ids.includes(id)), ...message.ids], ackError: null };
    case 'ack/ok':
      return { ...state, acking: state.acking.filter((id) => !message.ids.includes(id)), incidents: withIncidents(state.incidents, message.incidents) };
    case 'ack/error':
      return { ...state, acking: state.acking.filter((id) => !message.ids.includes(id)), ackError: message.error };
    default:
      return state;
  }
}

function withQuery(state: DashboardState, name: QueryName, result: QueryResult<QueryData<QueryName>>): DashboardState {
  return { ...state, queries: { ...state.queries, [name]: result } };
}

/**
 * A selected standard that is not in force (retired while the page is open, or named by an older link or the host)
 * is dropped once the snapshot has said which standards are: the board showed every standard then, while its
 * queries still asked for the retired one alone, so every tile and chart read "No events" beside the feed's events.
 */
function withStandardInForce(selection: DashboardSelection, standards: readonly Standard[], known: boolean): DashboardSelection {
  if (!known || selection.standard === null || standards.some((s) => s.id === selection.standard)) return selection;
  return { ...selection, standard: null };
}

function applySelection(state: DashboardState, partial: Partial<DashboardSelection>): DashboardState {
  const selection = withStandardInForce(sanitizeSelection({ ...state.selection, ...partial }, state.selection), state.standards, state.hasSnapshot);
  if (sameSelection(selection, state.selection)) return state;
  return { ...state, selection, knownSites: selection.site ? mergeSites(state.knownSites, [selection.site]) : state.knownSites };
}

function applyPause(state: DashboardState, paused: boolean): DashboardState {
  if (paused === state.feedControls.paused) return state;
  const feedControls: FeedControls = paused
    ? { ...state.feedControls, paused: true, frozen: state.feed, frozenBreaches: state.breaches, newWhilePaused: 0 }
    : { ...state.feedControls, paused: false, frozen: null, frozenBreaches: null, newWhilePaused: 0 };
  return { ...state, feedControls };
}

function applyJudged(state: DashboardState, events: JudgedEvent[]): DashboardState {
  const feed = prependToFeed(state.feed, events);
  const sites = mergeSites(state.knownSites, events.map((e) => e.event.site));
  if (!state.feedControls.paused) return { ...state, feed, knownSites: sites };
  const shown = new Set(state.feedControls.frozen?.map((e) => e.event.id));
  const fresh = new Set(events.filter((e) => !shown.has(e.event.id)).map((e) => e.event.id)).size;
  return { ...state, feed, knownSites: sites, feedControls: { ...state.feedControls, newWhilePaused: state.feedControls.newWhilePaused + fresh } };
}

function applySnapshot(state: DashboardState, snapshot: Snapshot): DashboardState {
  const today = figuresById(snapshot.today);
  const series: Record<string, SeriesPoint[]> = {};
  for (const s of snapshot.series) series[s.standardId] = s.points.slice(-SERIES_LIMIT);
  // A snapshot is only ever sent on connect, so it proves the connection is up.
  const connection: ConnectionInfo = { ...state.connection, state: 'connected', error: null };
  // The snapshot is the whole truth: it replaces (not merges) the feed, so a reconnect cannot duplicate rows.
  const feed = prependToFeed([], [...snapshot.recent].reverse());
  const incidents = openIncidentsOf(snapshot.openIncidents ?? []);
  const openClocks = sortClocks(snapshot.openClocks ?? []);
  const names = snapshotSiteNames(snapshot.sites, incidents);
  return {
    ...state,
    connection,
    hasSnapshot: true,
    standards: snapshot.standards,
    selection: withStandardInForce(state.selection, snapshot.standards, true),
    today,
    series,
    feed,
    ...todayTotals(snapshot.standards, today, snapshot.eventsToday),
    lastUpdated: snapshot.serverTime,
    todayFrom: snapshot.todayFrom,
    serverTimeZone: snapshot.timeZone ?? null,
    incidents,
    // The snapshot's open cases replace the list; breaches already in the feed stay (a reconnect repeats none).
    openClocks,
    // A server without open clocks sends none: the dashboard then shows no open-now parts at all.
    clocksServerTime: snapshot.openClocks ? snapshot.serverTime : null,
    knownSites: mergeSites(state.knownSites, [...feed.map((e) => e.event.site), ...openClocks.map((c) => c.site), ...(snapshot.sites ?? []).map((site) => site.id)]),
    siteNames: sameNames(state.siteNames, names) ? state.siteNames : names,
    configuredSites: configuredSitesOf(state.configuredSites, snapshot),
  };
}

/** The snapshot's configured site ids; the same array when they did not change, so the Sites panel need not redraw. */
function configuredSitesOf(before: string[] | null, snapshot: Snapshot): string[] | null {
  const ids = snapshot.sites?.map((site) => site.id) ?? null;
  if (ids && before && ids.length === before.length && ids.every((id, i) => id === before[i])) return before;
  return ids;
}

function sameNames(a: SiteNames, b: SiteNames): boolean {
  return a.size === b.size && [...b].every(([id, name]) => a.get(id) === name);
}

function applyClocks(state: DashboardState, update: ClocksUpdate): DashboardState {
  const openClocks = applyClocksUpdate(state.openClocks, update);
  const seen = new Set(state.breaches.map(breachKeyOf));
  const fresh = update.breaches.filter((b) => !seen.has(breachKeyOf(b)) && (seen.add(breachKeyOf(b)), true));
  const breaches = fresh.length > 0 ? [...fresh.reverse(), ...state.breaches].slice(0, BREACH_LIMIT) : state.breaches;
  const sites = mergeSites(state.knownSites, update.changed.map((c) => c.site));
  const feedControls = state.feedControls.paused && fresh.length > 0 ? { ...state.feedControls, newWhilePaused: state.feedControls.newWhilePaused + Math.min(fresh.length, BREACH_LIMIT) } : state.feedControls;
  return { ...state, openClocks, breaches, feedControls, clocksServerTime: update.serverTime, knownSites: sites };
}

function applyCompliance(state: DashboardState, update: ComplianceUpdate): DashboardState {
  const today = { ...state.today, ...figuresById(update.today) };
  let series = state.series;
  for (const { standardId, point } of update.points) {
    series = { ...series, [standardId]: upsertLivePoint(series[standardId] ?? [], point) };
  }
  return { ...state, today, series, ...todayTotals(state.standards, today, update.eventsToday), lastUpdated: update.serverTime };
}

/**
 * The open incidents after newer states of some of them (a change pushed live, or an acknowledgement's answer): the
 * newer state of an incident replaces the older, a recovered one leaves (protocol/pure/incidents.ts).
 */
function withIncidents(incidents: readonly Incident[], changed: readonly Incident[]): Incident[] {
  let open = new Map(incidents.map((i) => [i.id, i]));
  for (const incident of changed) open = applyIncidentUpdate(open, { incident });
  return openIncidentsOf(open.values());
}

/** `events` arrive oldest first; the feed is newest first and never holds the same event twice. */
function prependToFeed(feed: JudgedEvent[], events: JudgedEvent[]): JudgedEvent[] {
  // Only the newest FEED_LIMIT of a huge batch can end up in the feed: do not copy the rest.
  const incoming = events.slice(-FEED_LIMIT).reverse();
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

/** Sorted union, bounded (a site list of thousands would not be a usable filter anyway). */
function mergeSites(known: string[], more: Array<string | null | undefined>): string[] {
  let changed = false;
  const set = new Set(known);
  for (const site of more) {
    if (site && !set.has(site) && set.size < 500) {
      set.add(site);
      changed = true;
    }
  }
  return changed ? [...set].sort(compareText) : known;
}

/** The sites a by-site breakdown names. */
function sitesOfResult(answer: QueryAnswered): string[] {
  const report = answer.data;
  if (answer.name !== 'groups' || !('groupBy' in report) || report.groupBy !== 'site') return [];
  return report.standards.flatMap((s) => (s.groups ?? []).map((g) => g.key).filter((k): k is string => typeof k === 'string'));
}

/**
 * Events today: the server's own count when it sends one. Otherwise estimated from the figures: every event
 * is judged by each standard for its type, so summing all figures would count an event once per standard;
 * per event type take the largest count among its standards, then add the types up.
 * Misses are judgements, so they do add up across standards.
 */
function todayTotals(
  standards: Standard[],
  today: Record<string, ComplianceFigure>,
  counted?: number,
): { eventsToday: number; missesToday: number } {
  const typeOf = new Map(standards.map((s) => [s.id, s.eventType]));
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
