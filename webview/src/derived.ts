// Pure: what the views show for the selection, from live data where live data answers it exactly
// (today or the last hour over all sites) and from the historical queries otherwise.
import type { Bucket, ComplianceReport, GroupFigure, InForcePeriod, SeriesPoint, Standard } from '@ringside/server/protocol';
import { compareText, siteLabel } from '@ringside/server/protocol/pure';
import { formatDayTime, formatUtcOffset, formatUtcOffsets, localDayOf, ruleWording, type RuleWording } from './format';
import { bucketFor, reachesNow, selectionRange, windowPhrase } from './selection';
import type { DashboardState, QueryResult } from './state';
import { chartRange, type TimeRange } from './views/chart-data';

export type DataStatus = 'live' | 'loading' | 'ok' | 'error' | 'unavailable';

export interface WindowFigure {
  numerator: number;
  denominator: number;
  ratio: number | null;
}

export interface Sourced<T> {
  status: DataStatus;
  value: T | null;
  error: string | null;
}

const MINUTE_MS = 60_000;

/** The standards on screen: the selected one (the reducer drops a selection of one not in force), or all. */
export function visibleStandards(state: DashboardState): Standard[] {
  const { standard } = state.selection;
  return standard ? state.standards.filter((s) => s.id === standard) : state.standards;
}

/**
 * The server's time as of its latest message that says it (figures, or the open cases that bring the breaches), else
 * the page's own clock (no message yet): the feed's days are told against it, and a board that is not live keeps its
 * open cases at it, the moment its notice names.
 */
export function lastHeardMs({ lastUpdated, clocksServerTime }: DashboardState): number {
  if (lastUpdated === null && clocksServerTime === null) return Date.now();
  return Math.max(lastUpdated === null ? -Infinity : Date.parse(lastUpdated), clocksServerTime === null ? -Infinity : Date.parse(clocksServerTime));
}

function nowMs(state: DashboardState): number {
  return state.lastUpdated ? Date.parse(state.lastUpdated) : Date.now();
}

function fromQuery<T, R>(query: QueryResult<T>, pick: (data: T) => R | null): Sourced<R> {
  if (query.status === 'idle') return { status: 'unavailable', value: null, error: null };
  const value = query.data ? pick(query.data) : null;
  if (query.status === 'error') return { status: 'error', value, error: query.error };
  if (query.status === 'loading' && value === null) return { status: 'loading', value: null, error: null };
  return { status: 'ok', value, error: null };
}

function reportFigure(report: ComplianceReport, standardId: string): WindowFigure | null {
  const f = report.standards.find((s) => s.standardId === standardId);
  if (!f) return null;
  return { numerator: f.numerator ?? f.met, denominator: f.denominator ?? f.total, ratio: f.ratio };
}

/** Live minute points of the last hour summed up: exact, because minutes add. */
function lastHourFigure(points: SeriesPoint[], now: number): WindowFigure {
  const from = now - 60 * MINUTE_MS;
  let met = 0;
  let total = 0;
  for (const p of points) {
    if (Date.parse(p.start) + MINUTE_MS <= from) continue;
    met += p.met;
    total += p.total;
  }
  return { numerator: met, denominator: total, ratio: total > 0 ? met / total : null };
}

/** Whether the selection's window reaches now (reachesNow) by the board's clock: whether more events can come. */
export function windowOpen(state: DashboardState): boolean {
  return reachesNow(state.selection, nowMs(state));
}

export function windowFigure(state: DashboardState, standard: Standard): Sourced<WindowFigure> {
  const { window, site } = state.selection;
  if (site === null && window === 'today') {
    const f = state.today[standard.id];
    const value = f ? { numerator: f.numerator ?? f.met, denominator: f.denominator ?? f.total, ratio: f.ratio } : { numerator: 0, denominator: 0, ratio: null };
    return { status: 'live', value, error: null };
  }
  if (site === null && window === '1h') return { status: 'live', value: lastHourFigure(state.series[standard.id] ?? [], nowMs(state)), error: null };
  return fromQuery(state.queries.report, (r) => reportFigure(r, standard.id));
}

/**
 * The threshold and target the figure of `standard` over the selection was judged against, worded once
 * (`ruleWording`) for the tiles and charts: from the report's versions, which the live windows have as well (the
 * report is asked for every selection), or the standard alone until it answers.
 */
export function windowRule(state: DashboardState, standard: Standard): RuleWording {
  const report = state.queries.report.data;
  const figure = report?.standards.find((s) => s.standardId === standard.id);
  return ruleWording(standard, figure?.versions, report && figure ? { fromMs: Date.parse(report.from), toMs: Date.parse(report.to) } : null);
}

/**
 * "Not in force in this window (from 7 Dec, 09:00)" when no version of `standard` was in force at any instant of the
 * window (a standard added today, looked at over last month), from the snapshot's `inForce`; null when one was, or
 * the server does not say. The window is the report's range once it answers, else the selection's.
 */
export function notInForceWords(state: DashboardState, standard: Standard): string | null {
  const periods = standard.inForce;
  if (!periods) return null;
  const report = state.queries.report.data;
  const { fromMs, toMs } = report ? { fromMs: Date.parse(report.from), toMs: Date.parse(report.to) } : selectionRange(state.selection, nowMs(state), state.todayFrom ? Date.parse(state.todayFrom) : null);
  const start = (p: InForcePeriod) => (p.from === null ? -Infinity : Date.parse(p.from));
  const end = (p: InForcePeriod) => (p.to === null ? Infinity : Date.parse(p.to));
  if (periods.some((p) => start(p) < toMs && fromMs < end(p))) return null;
  const next = periods.map(start).find((at) => at >= toMs);
  return next === undefined ? 'Not in force in this window' : `Not in force in this window (from ${formatDayTime(next)})`;
}

/**
 * The zone the board's days and hours are in: its report's (a configured site's, filtered to it, else the server's;
 * the report's `timeZone`), else the server's over all sites, else, until the board knows either, this device's. An
 * export from the board asks for its days in this zone, so that a day in the file is the day on the board.
 */
export function boardTimeZone(state: Pick<DashboardState, 'selection' | 'queries' | 'serverTimeZone'>): string {
  const report = state.queries.report.data;
  if (report?.timeZone && report.site === state.selection.site) return report.timeZone;
  return (state.selection.site === null ? state.serverTimeZone : null) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whose *Today* `report` counts: its zone, and whether that day is this device's own and the server's. */
interface DayOwner {
  zone: string;
  allSites: boolean;
  devicesDay: boolean;
  serversDay: boolean;
}

function dayOwner(state: DashboardState, report: ComplianceReport | null): DayOwner | null {
  const { selection } = state;
  if (selection.window !== 'today' || !report?.timeZone || report.window !== 'today' || report.site !== selection.site) return null;
  const fromMs = Date.parse(report.from);
  const local = localDayOf(fromMs);
  return {
    zone: report.timeZone,
    allSites: report.site === null,
    devicesDay: local.startMs === fromMs && local.endMs === Date.parse(report.to),
    serversDay: state.todayFrom !== null && fromMs === Date.parse(state.todayFrom),
  };
}

/**
 * Whose day the *Events today* and *Misses today* tiles count: always the server's (the snapshot and the live pushes
 * count it, for all sites). Named ("today (server's day, UTC)") where the board shows another day beside them, a
 * selected site's own *Today*, or where it is not this device's day; null where "today" says it.
 */
export function serverDayWords(state: DashboardState): string | null {
  if (state.todayFrom === null) return null;
  const fromMs = Date.parse(state.todayFrom);
  const devicesDay = localDayOf(fromMs).startMs === fromMs;
  const shown = dayOwner(state, state.queries.report.data);
  if (devicesDay && (!shown || shown.serversDay)) return null;
  return state.serverTimeZone ? `today (server's day, ${state.serverTimeZone})` : "today (server's day)";
}

/**
 * The window as a panel names it: windowPhrase, and for *Today* whose day it is where that matters. Over all sites
 * today is the server's day; filtered to a configured site, the site's own day (the report's zone either way). A
 * day that is not this device's own is named ("today (server's day, UTC)", "today in Australia/Sydney"), and so is a
 * site's day that is not the server's: its figures then differ from its bar over all sites. A list of sites
 * (`listsSites`, the Sites panel over all sites) always names the server's day, since each bar would otherwise read
 * as its site's own day, which it shows once clicked. `report` is the answer the panel shows (the report, or the
 * by-site breakdown); until it answers the window is "today".
 */
export function windowWords(state: DashboardState, report: ComplianceReport | null, listsSites = false): string {
  const phrase = windowPhrase(state.selection);
  const day = dayOwner(state, report);
  if (!day) return phrase;
  if (day.allSites) return listsSites || !day.devicesDay ? `today (server's day, ${day.zone})` : phrase;
  return day.devicesDay && day.serversDay ? phrase : `today in ${day.zone}`;
}

/**
 * Whose clock a range's report (7 days, 30 days, custom) keeps: its zone (`timeZone`: a configured site's, filtered
 * to it, else the server's; `reportRange` on the server) places its hour and day buckets. Null where that zone's
 * clock reads as this device's at both ends of the range (the report's `utcOffsets`, so no zone database is read on
 * the page: then the buckets are this device's hours and days and nothing needs saying), for Today and the last
 * hour (dayOwner and the live minutes), and until the report answers.
 */
interface RangeClock {
  zone: string;
  allSites: boolean;
  bucket: Bucket | null;
  fromMs: number;
  toMs: number;
}

function rangeClock(state: DashboardState, report: ComplianceReport | null): RangeClock | null {
  const { selection } = state;
  if (selection.window === 'today' || selection.window === '1h' || !report?.timeZone || report.site !== selection.site) return null;
  if (!report.utcOffsets || (report.window ?? null) !== (selection.window === 'custom' ? null : selection.window)) return null;
  const fromMs = Date.parse(report.from);
  const toMs = Date.parse(report.to);
  const { from, to } = report.utcOffsets;
  if (`UTC${from}` === formatUtcOffset(fromMs) && `UTC${to}` === formatUtcOffset(Math.max(fromMs, toMs - 1))) return null;
  return { zone: report.timeZone, allSites: report.site === null, bucket: report.bucket, fromMs, toMs };
}

/**
 * The compliance chart reads every time in this device's zone, as the feed, the at-risk list and the custom range
 * do. When the day on screen is not this device's (windowWords names its zone), or a range's buckets are another
 * clock's hours or days (bucketWords names it), its time axis and table say so, by the device's offset from UTC
 * ("UTC+01:00", formatUtcOffset; "UTC+00:00 then UTC+01:00" across a change of the clocks); null otherwise.
 */
export function deviceTimesOffset(state: DashboardState, report: ComplianceReport | null): string | null {
  const day = dayOwner(state, report);
  if (day) return day.devicesDay ? null : formatUtcOffset(Date.parse(report!.from));
  const clock = rangeClock(state, report);
  return clock ? formatUtcOffsets(clock.fromMs, clock.toMs) : null;
}

/**
 * Whose hours or days a range's chart counts by, where they are not this device's (rangeClock): "in
 * Australia/Sydney" filtered to a site, "(server's clock, UTC)" over all sites, after its "per hour" / "per day".
 * A range's own figure is the same instants in every zone, so only the chart's buckets are anyone's: the tiles and
 * the subtitle name no zone for a range. Minutes are every zone's alike: null.
 */
export function bucketWords(state: DashboardState, report: ComplianceReport | null): string | null {
  const clock = rangeClock(state, report);
  if (!clock || (clock.bucket !== 'hour' && clock.bucket !== 'day')) return null;
  return clock.allSites ? `(server's clock, ${clock.zone})` : `in ${clock.zone}`;
}

export interface WindowSeries {
  mode: 'live' | Bucket;
  points: SeriesPoint[];
  range: TimeRange;
}

export function windowSeries(state: DashboardState, standard: Standard): Sourced<WindowSeries> {
  const { selection } = state;
  if (selection.site === null && selection.window === '1h') {
    return { status: 'live', value: { mode: 'live', points: state.series[standard.id] ?? [], range: chartRange(nowMs(state)) }, error: null };
  }
  return fromQuery(state.queries.report, (report) => {
    const f = report.standards.find((s) => s.standardId === standard.id);
    if (!f) return null;
    const { fromMs } = selectionRange(selection, nowMs(state), state.todayFrom ? Date.parse(state.todayFrom) : null);
    const range = { min: Date.parse(report.from) || fromMs, max: Date.parse(report.to) };
    return { mode: report.bucket ?? bucketFor(selection, range.max - range.min), points: f.series ?? [], range };
  });
}

export interface GroupBars {
  standard: Standard;
  /** The standard's name over the window: the version in force at its end (windowRule), as its tile and chart say. */
  title: string;
  groupBy: 'site' | 'agent';
  groups: GroupFigure[];
  /**
   * By agent: the events no agent handled (a call abandoned before anyone answered), kept out of `groups`. They are
   * not an agent, and ranked as one they were always the "worst agent" (0 % of calls nobody answered).
   */
  withoutAgent: GroupFigure | null;
  /**
   * By site: the configured sites the standard applies to (its scope's sites, or every one) with no events in the
   * window, by name. A quiet site can be a broken integration, so it gets a bar saying so rather than none.
   */
  quiet: string[];
}

/**
 * Sites (or agents of the selected site) per visible standard, worst first; nothing counted goes last; ties by name.
 * By agent, the events without one are set apart (`withoutAgent`).
 */
export function groupBars(state: DashboardState): Sourced<GroupBars[]> {
  return fromQuery(state.queries.groups, (report) => {
    const groupBy = report.groupBy === 'agent' ? 'agent' : 'site';
    const name = (g: GroupFigure) => (g.key === null ? '' : groupBy === 'site' ? siteLabel(g.key, state.siteNames) : g.key);
    const byName = (a: GroupFigure, b: GroupFigure) => compareText(name(a), name(b)) || compareText(String(a.key), String(b.key));
    return visibleStandards(state).map((standard) => {
      const figure = report.standards.find((s) => s.standardId === standard.id);
      const all = figure?.groups ?? [];
      const apart = groupBy === 'agent' ? (all.find((g) => g.key === null) ?? null) : null;
      const groups = all.filter((g) => g !== apart).sort((a, b) => worstFirst(a, b) || byName(a, b));
      const quiet = groupBy === 'site' ? quietSites(state.configuredSites ?? [], standard, all).sort((a, b) => compareText(siteLabel(a, state.siteNames), siteLabel(b, state.siteNames)) || compareText(a, b)) : [];
      return { standard, title: windowRule(state, standard).name, groupBy, groups, withoutAgent: apart, quiet };
    });
  });
}

/** The configured sites `standard` applies to that have no group (no events) in its by-site figures. */
function quietSites(configured: readonly string[], standard: Standard, groups: readonly GroupFigure[]): string[] {
  const scope = standard.scope?.sites;
  const seen = new Set(groups.map((g) => g.key));
  return configured.filter((id) => !seen.has(id) && (!scope || scope.includes(id)));
}

function worstFirst(a: GroupFigure, b: GroupFigure): number {
  if (a.ratio === null || b.ratio === null) return a.ratio === null ? (b.ratio === null ? 0 : 1) : -1;
  return a.ratio - b.ratio || b.denominator - a.denominator;
}
