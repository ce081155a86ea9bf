// The historical queries behind the selection: what to ask (pure), and a controller that asks through the
// transport when the selection changes, and again (throttled) while live traffic moves a window that ends now.
import type { ComplianceParams, DashboardRequest, DistributionParams } from '@ringside/server/protocol';
import { describeRequestError, type Transport } from './transport/transport';
import { bucketFor, isLiveWindow, type DashboardSelection } from './selection';
import type { DashboardState, LocalAction, QueryKinds, QueryName } from './state';

/** At most one refresh of the historical figures this often while events stream in. */
const REFRESH_MS = 10_000;
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

const DAY_MS = 86_400_000;

function rangeParams(selection: DashboardSelection): Pick<ComplianceParams, 'window' | 'from' | 'to'> {
  if (selection.window === 'custom' && selection.from && selection.to) return { from: selection.from, to: selection.to };
  return { window: selection.window === 'custom' ? 'today' : selection.window };
}

function filterParams(selection: DashboardSelection): Pick<ComplianceParams, 'site' | 'standard'> {
  return { ...(selection.site ? { site: selection.site } : {}), ...(selection.standard ? { standard: selection.standard } : {}) };
}

/** The three queries a selection needs: figures + series, the distribution, and the site/agent breakdown. */
export function planQueries(selection: DashboardSelection, serverUrl: string | null = null): { [N in QueryName]: PlannedQuery<N> } {
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
  const { transport, dispatch, getState } = options;
  const refreshMs = options.refreshMs ?? REFRESH_MS;
  const sitesRefreshMs = options.sitesRefreshMs ?? SITES_REFRESH_MS;
  let lastSitesRun = 0;
  let sitesTimer: ReturnType<typeof setTimeout> | null = null;
  let selection: DashboardSelection | null = null;
  let standards: unknown = null;
  let lastRun = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let destroyed = false;
  const request = transport?.request?.bind(transport);

  const run = (only?: QueryName) => {
    if (!request || destroyed) return;
    const state = getState();
    lastSitesRun = Date.now();
    if (!only) lastRun = lastSitesRun;
    // The server is part of the key: an answer from the previous server (after a switch) is dropped as stale.
    const planned = planQueries(state.selection, state.connection.serverUrl);
    const names = only ? [only] : QUERY_NAMES;
    for (const name of names) dispatch({ type: 'query/start', name, key: planned[name].key });
    const ask = <N extends QueryName>(name: N) => {
      const { key, request: req }: PlannedQuery<N> = planned[name];
      return request(req).then(
        (data) => !destroyed && dispatch({ type: 'query/ok', name, key, data }),
        (error: unknown) => !destroyed && dispatch({ type: 'query/error', name, key, error: describeRequestError(error) }),
      );
    };
    // The report (tiles and series) first, the rest once it is answered: the server answers one query at a time,
    // and a month's distribution, asked at the same moment, was often answered first and delayed the charts.
    if (only) {
      void ask(only);
      return;
    }
    void ask('report').then(() => {
      if (!destroyed) for (const name of QUERY_NAMES) if (name !== 'report') void ask(name);
    });
  };

  /** Today's (or the last hour's) bars for all sites: what the extension's Sites view shows too. */
  const sitesFollowLive = (selection: DashboardSelection) => selection.site === null && (selection.window === 'today' || selection.window === '1h');
  const scheduleSites = () => {
    if (sitesTimer !== null) return;
    const wait = Math.max(0, lastSitesRun + sitesRefreshMs - Date.now());
    sitesTimer = setTimeout(() => {
      sitesTimer = null;
      run('groups');
    }, wait);
  };

  return {
    sync(state) {
      // Nothing to ask before the first snapshot: until then we do not know the server is there (or our key is good).
      if (!state.hasSnapshot || !request) return;
      if (state.selection === selection && state.standards === standards) return;
      selection = state.selection;
      standards = state.standards;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      run();
    },
    live() {
      const state = getState();
      if (!request || !state.hasSnapshot || !isLiveWindow(state.selection)) return;
      if (sitesFollowLive(state.selection)) scheduleSites();
      if (timer !== null) return;
      const wait = Math.max(0, lastRun + refreshMs - Date.now());
      timer = setTimeout(() => {
        timer = null;
        run();
      }, wait);
    },
    destroy() {
      destroyed = true;
      if (timer !== null) clearTimeout(timer);
      if (sitesTimer !== null) clearTimeout(sitesTimer);
    },
  };
}
