// The historical queries behind the selection: what to ask (pure), and a controller that asks through the
// transport when the selection changes, and again (throttled) while live traffic moves a window that ends now.
import type { ComplianceParams, ComplianceReport, DashboardRequest, DistributionParams, StaffingParams, Standard } from '@ringside/server/protocol';
import { bandOf } from '@ringside/server/protocol/pure';
import { describeRequestError, type Transport } from './transport/transport';
import { bucketFor, isLiveWindow, type DashboardSelection } from './selection';
import type { DashboardState, LocalAction, QueryKinds, QueryName } from './state';

/** At most one refresh of the historical figures this often while events stream in. */
const REFRESH_MS = 10_000;
/**
 * Windows of days (7 and 30 days) at most this often instead: a minute's events move their figures by
 * hundredths of a point, and each refresh re-reads days of rollups and value histograms of every site (at 100 sites
 * about 0.3 s of the server's one thread for each of a dashboard's three queries; docs/dashboard.md).
 */
const DAYS_REFRESH_MS = 60_000;

/** How long a selection's figures wait between refreshes while events stream in. */
const refreshIntervalOf = (selection: DashboardSelection): number => (selection.window === '7d' || selection.window === '30d' ? DAYS_REFRESH_MS : REFRESH_MS);
/**
 * Today's per-site bars (all sites) are refreshed this often instead: the extension's Sites view and status bar
 * show the same figures and refresh on the same live `compliance` messages at this pace, so the two never disagree
 * for longer than this (they did for up to REFRESH_MS). A today-by-site query is cheap (rollups).
 */
const SITES_REFRESH_MS = 1_000;

export interface PlannedQuery<N extends QueryName = QueryName> {
  key: string;
  request: DashboardRequest<QueryKinds[N]>;
}

/** The queries in the order they are asked: the report (tiles and series) first. */
const QUERY_NAMES: readonly QueryName[] = ['report', 'distribution', 'groups'];
type StaffingName = 'staffingToday' | 'staffingTomorrow';
const STAFFING_NAMES: readonly StaffingName[] = ['staffingToday', 'staffingTomorrow'];

const DAY_MS = 86_400_000;

function rangeParams(selection: DashboardSelection): Pick<ComplianceParams, 'window' | 'from' | 'to'> {
  if (selection.window === 'custom' && selection.from && selection.to) return { from: selection.from, to: selection.to };
  return { window: selection.window === 'custom' ? 'today' : selection.window };
}

function filterParams(selection: DashboardSelection): Pick<ComplianceParams, 'site' | 'standard'> {
  return { ...(selection.site ? { site: selection.site } : {}), ...(selection.standard ? { standard: selection.standard } : {}) };
}

/** The three queries a selection needs: figures + series, the distribution, and the site/agent breakdown. */
export function planQueries(selection: DashboardSelection, serverUrl: string | null = null): { [N in Exclude<QueryName, StaffingName>]: PlannedQuery<N> } {
  const range = rangeParams(selection);
  const filters = filterParams(selection);
  const rangeMs = range.from && range.to ? Date.parse(range.to) - Date.parse(range.from) : selection.window === '30d' ? 30 * DAY_MS : DAY_MS;
  const report: ComplianceParams = { ...range, ...filters, bucket: bucketFor(selection, rangeMs) };
  const distribution: DistributionParams = { ...range, ...filters };
  const groups: ComplianceParams = { ...range, ...filters, groupBy: selection.site ? 'agent' : 'site' };
  const plan = <K extends DashboardRequest['kind']>(request: DashboardRequest<K>) => ({ key: JSON.stringify({ serverUrl, request }), request });
  return {
    report: plan({ kind: 'compliance', params: report }),
    distribution: plan({ kind: 'distribution', params: distribution }),
    groups: plan({ kind: 'compliance', params: groups }),
  };
}

/** The Staffing view's queries (today and tomorrow in the site's zone): only for one site and one standard. */
function planStaffing(selection: DashboardSelection, serverUrl: string | null = null): { [N in StaffingName]: PlannedQuery<N> } | null {
  if (!selection.site || !selection.standard) return null;
  const plan = (date: string) => {
    const params: StaffingParams = { site: selection.site!, standard: selection.standard!, date };
    const request: DashboardRequest<'staffing-forecast'> = { kind: 'staffing-forecast', params };
    return { key: JSON.stringify({ serverUrl, request }), request };
  };
  return { staffingToday: plan('today'), staffingTomorrow: plan('tomorrow') };
}

export interface QueryController {
  /** After every state change: starts the queries a new selection (or a fresh snapshot) needs. */
  sync(state: DashboardState): void;
  /** Live data arrived: refresh windows that end now, at most every REFRESH_MS. */
  live(): void;
  destroy(): void;
}

export function createQueryController(options: {
  transport: Transport | undefined;
  dispatch: (action: LocalAction) => void;
  getState: () => DashboardState;
  refreshMs?: number;
  sitesRefreshMs?: number;
}): QueryController {
  const { transport, getState } = options;
  const request = transport?.request?.bind(transport);
  const asker: Asker = { request, dispatch: options.dispatch, destroyed: false, lastRun: 0, lastSitesRun: 0, generation: 0 };
  let selection: DashboardSelection | null = null;
  let standards: unknown = null;
  let early: EarlyReport | null = null;
  // A refresh that falls due while the live feed is down is not sent: the snapshot of the reconnect asks everything
  // again, and where the feed was cut for a revoked key the query would only be refused (a 401 in the console).
  // Marked periodic: the server logs these automatic re-asks at debug when they succeed (X-Ringside-Refresh).
  const whileLive = (only?: QueryName) => () => {
    const state = getState();
    if (state.connection.state === 'connected') void ask(asker, state, only, true);
  };
  const refresh = throttle(() => options.refreshMs ?? refreshIntervalOf(getState().selection), () => asker.lastRun, whileLive());
  const refreshSites = throttle(() => options.sitesRefreshMs ?? SITES_REFRESH_MS, () => asker.lastSitesRun, whileLive('groups'));

  return {
    sync(state) {
      if (!request) return;
      if (!state.hasSnapshot) {
        // The report does not wait for the socket's handshake and snapshot: its answer is what the charts wait
        // for longest. Only it, and only while a connection is being made (a refused key would refuse it too).
        if (state.connection.state === 'disconnected' || state.connection.serverUrl === null) return;
        const { key } = planQueries(state.selection, state.connection.serverUrl).report;
        if (early?.key === key) return;
        // Recorded before asking: asking dispatches, and the dispatch syncs again.
        const asked: EarlyReport = { key, answered: Promise.resolve() };
        early = asked;
        asked.answered = ask(asker, state, 'report');
        return;
      }
      if (state.selection === selection && state.standards === standards) return;
      selection = state.selection;
      standards = state.standards;
      refresh.cancel();
      const kept = early;
      early = null;
      asker.generation += 1;
      // An early report is kept only if it is for this selection and answers for the standards the snapshot
      // names (a standard added, changed or retired in between is asked again); the rest is asked after it.
      if (kept && state.queries.report.key === kept.key && state.queries.report.status !== 'error') keepEarly(asker, kept, getState);
      else void ask(asker, state);
    },
    live() {
      const state = getState();
      if (!request || !state.hasSnapshot || !isLiveWindow(state.selection)) return;
      if (sitesFollowLive(state.selection)) refreshSites.schedule();
      refresh.schedule();
    },
    destroy() {
      asker.destroyed = true;
      refresh.cancel();
      refreshSites.cancel();
    },
  };
}

/** The report asked before the first snapshot, and its answer (settled either way). */
interface EarlyReport {
  key: string;
  answered: Promise<unknown>;
}

/** At the snapshot: waits for the early report, then asks the rest, or everything again if it does not fit. */
function keepEarly(asker: Asker, kept: EarlyReport, getState: () => DashboardState): void {
  const generation = asker.generation;
  // As if asked now: live traffic meanwhile refreshes no sooner than after a full interval.
  asker.lastRun = asker.lastSitesRun = Date.now();
  void kept.answered.then(() => {
    if (asker.destroyed || asker.generation !== generation) return;
    const now = getState();
    const report = now.queries.report;
    const fits = report.key === kept.key && report.status === 'ok' && report.data !== null && reportFitsStandards(report.data, now.selection, now.standards);
    void ask(asker, now, fits ? 'rest' : undefined);
  });
}

/** What asking needs, and when it last asked everything (lastRun) or anything (lastSitesRun). */
interface Asker {
  request: Transport['request'];
  dispatch: (action: LocalAction) => void;
  destroyed: boolean;
  lastRun: number;
  lastSitesRun: number;
  /** Moves on with every snapshot or selection the controller asks for: a late continuation of an older one stops. */
  generation: number;
}

/**
 * Asks the selection's queries, only one of them, or all but the report ('rest': the report was asked early);
 * dispatches each start, answer and error. Resolves once the first query asked is answered (or failed).
 * `periodic`: a throttled refresh of what is already shown, not an ask the selection or a snapshot caused.
 */
function ask(asker: Asker, state: DashboardState, only?: QueryName | 'rest', periodic = false): Promise<unknown> {
  const { request, dispatch } = asker;
  if (!request || asker.destroyed) return Promise.resolve();
  asker.lastSitesRun = Date.now();
  if (only === undefined || only === 'rest') asker.lastRun = asker.lastSitesRun;
  // The server is part of the key: an answer from the previous server (after a switch) is dropped as stale.
  const planned = { ...planQueries(state.selection, state.connection.serverUrl), ...planStaffing(state.selection, state.connection.serverUrl) } as Partial<{ [N in QueryName]: PlannedQuery<N> }>;
  const all = [...QUERY_NAMES, ...STAFFING_NAMES.filter((n) => planned[n])];
  const names = only === 'rest' ? all.filter((n) => n !== 'report') : only ? [only] : all;
  for (const name of names) dispatch({ type: 'query/start', name, key: planned[name]!.key });
  const askOne = <N extends QueryName>(name: N) => {
    const { key, request: req }: PlannedQuery<N> = planned[name]!;
    return (periodic ? request(req, { periodic }) : request(req)).then(
      (data) => !asker.destroyed && dispatch({ type: 'query/ok', name, key, data }),
      (error: unknown) => !asker.destroyed && dispatch({ type: 'query/error', name, key, error: describeRequestError(error) }),
    );
  };
  // The report (tiles and series) first, the rest once it is answered: the server answers one query at a time,
  // and a month's distribution, asked at the same moment, was often answered first and delayed the charts.
  if (only) return Promise.all(names.map((name) => askOne(name)));
  return askOne('report').then(() => {
    if (!asker.destroyed) for (const name of names) if (name !== 'report') void askOne(name);
  });
}

/**
 * Whether a report asked before the snapshot answers for the standards the snapshot names: the same standards in
 * the same order, each with the name, target, formula, measure and band its current version gives. A standard
 * changed between the two requests differs in one of these (the figures themselves come from stored judgements).
 */
export function reportFitsStandards(report: ComplianceReport, selection: DashboardSelection, standards: readonly Standard[]): boolean {
  const expected = selection.standard === null ? standards : standards.filter((s) => s.id === selection.standard);
  if (expected.length === 0 || report.standards.length !== expected.length) return false;
  return report.standards.every((figure, i) => {
    const standard = expected[i]!;
    return (
      figure.standardId === standard.id &&
      figure.standardName === standard.name &&
      figure.target === standard.target &&
      figure.formula === standard.formula &&
      (figure.companions === undefined || figure.companions.measure === standard.measure) &&
      (figure.band === undefined || figure.band === bandOf(figure.ratio, standard.bands, standard.target))
    );
  });
}

/** Today's (or the last hour's) bars for all sites: what the extension's Sites view shows too. */
function sitesFollowLive(selection: DashboardSelection): boolean {
  return selection.site === null && (selection.window === 'today' || selection.window === '1h');
}

/** Runs `task` once, no sooner than `intervalMs` after `lastRun()`; a schedule while one waits joins it. */
function throttle(intervalMs: () => number, lastRun: () => number, task: () => void): { schedule(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    schedule() {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        task();
      }, Math.max(0, lastRun() + intervalMs() - Date.now()));
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
