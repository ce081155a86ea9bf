// What the dashboard shows (window, custom range, site, standard): defaults, validation, the URL form
// (a shareable link in the browser) and the queries it stands for.
import type { Bucket } from '@ringside/server/protocol';
import { DASHBOARD_WINDOWS, type DashboardSelection, type DashboardWindow } from '@ringside/server/protocol/pure';
import { formatDayMonth } from './format';

export type { DashboardSelection, DashboardWindow };

export const DEFAULT_SELECTION: DashboardSelection = { window: 'today', from: null, to: null, site: null, standard: null };

/** URL query parameters the dashboard owns; anything else in the URL is left alone. */
const SELECTION_PARAMS = ['window', 'from', 'to', 'site', 'standard'] as const;

export const WINDOW_LABELS: Record<DashboardWindow, string> = {
  '1h': 'Live 1 h',
  today: 'Today',
  '7d': '7 days',
  '30d': '30 days',
  custom: 'Custom',
};

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function isWindow(value: unknown): value is DashboardWindow {
  return typeof value === 'string' && (DASHBOARD_WINDOWS as readonly string[]).includes(value);
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function textOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > 200 ? null : trimmed;
}

/**
 * Anything (a URL, webview state from an older version, a host message) → a valid selection. A custom window
 * without a usable range falls back to today, so a bad link still opens a working dashboard.
 */
export function sanitizeSelection(raw: unknown, base: DashboardSelection = DEFAULT_SELECTION): DashboardSelection {
  if (typeof raw !== 'object' || raw === null) return base;
  const r = raw as Record<string, unknown>;
  const window = isWindow(r['window']) ? r['window'] : base.window;
  const site = 'site' in r ? textOrNull(r['site']) : base.site;
  const standard = 'standard' in r ? textOrNull(r['standard']) : base.standard;
  if (window !== 'custom') return { window, from: null, to: null, site, standard };
  const from = 'from' in r ? isoOrNull(r['from']) : base.from;
  const to = 'to' in r ? isoOrNull(r['to']) : base.to;
  if (from === null || to === null || Date.parse(from) >= Date.parse(to)) return { window: 'today', from: null, to: null, site, standard };
  return { window, from, to, site, standard };
}

/** The selection from a URL query string (?window=7d&site=Leeds…); missing parameters take the defaults. */
export function selectionFromSearch(search: string): DashboardSelection {
  const params = new URLSearchParams(search);
  const raw: Record<string, string> = {};
  for (const key of SELECTION_PARAMS) {
    const value = params.get(key);
    if (value !== null) raw[key] = value;
  }
  return sanitizeSelection(raw);
}

/** `search` with the selection written in (defaults left out, other parameters kept). */
export function searchWithSelection(search: string, selection: DashboardSelection): string {
  const params = new URLSearchParams(search);
  for (const key of SELECTION_PARAMS) params.delete(key);
  if (selection.window !== DEFAULT_SELECTION.window) params.set('window', selection.window);
  if (selection.window === 'custom' && selection.from && selection.to) {
    params.set('from', selection.from);
    params.set('to', selection.to);
  }
  if (selection.site) params.set('site', selection.site);
  if (selection.standard) params.set('standard', selection.standard);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function sameSelection(a: DashboardSelection, b: DashboardSelection): boolean {
  return a.window === b.window && a.from === b.from && a.to === b.to && a.site === b.site && a.standard === b.standard;
}

/** The time range a selection covers at `nowMs`, for labels and for choosing the bucket. */
export function selectionRange(selection: DashboardSelection, nowMs: number, todayFromMs: number | null): { fromMs: number; toMs: number } {
  switch (selection.window) {
    case '1h':
      return { fromMs: nowMs - HOUR_MS, toMs: nowMs };
    case 'today': {
      const local = new Date(nowMs);
      return { fromMs: todayFromMs ?? new Date(local.getFullYear(), local.getMonth(), local.getDate()).getTime(), toMs: nowMs };
    }
    case '7d':
      return { fromMs: nowMs - 7 * DAY_MS, toMs: nowMs };
    case '30d':
      return { fromMs: nowMs - 30 * DAY_MS, toMs: nowMs };
    case 'custom':
      return { fromMs: Date.parse(selection.from!), toMs: Date.parse(selection.to!) };
  }
}

/** Buckets for the compliance-over-time chart: minutes for the last hour, hours up to ~6 weeks, then days. */
export function bucketFor(selection: DashboardSelection, rangeMs: number): Bucket {
  if (selection.window === '1h') return 'minute';
  if (selection.window === 'custom') return rangeMs <= 3 * HOUR_MS ? 'minute' : rangeMs <= 45 * DAY_MS ? 'hour' : 'day';
  return 'hour';
}

/** Whether the window ends "now" and so moves with live traffic (everything but a custom range). */
export function isLiveWindow(selection: DashboardSelection): boolean {
  return selection.window !== 'custom';
}

/**
 * Whether the window reaches now (every window but a custom range wholly past): what "no events yet" and "so far"
 * mean; a range that ended has all its events.
 */
export function reachesNow(selection: DashboardSelection, nowMs: number): boolean {
  return selection.window !== 'custom' || Date.parse(selection.to!) > nowMs;
}

/** "today", "last hour", "7 days", "23 Nov 09:00 – 24 Nov 09:00": how tiles and charts name the window. */
export function windowPhrase(selection: DashboardSelection): string {
  switch (selection.window) {
    case '1h':
      return 'last hour';
    case 'today':
      return 'today';
    case '7d':
      return 'last 7 days';
    case '30d':
      return 'last 30 days';
    case 'custom':
      return `${shortDateTime(selection.from!)} – ${shortDateTime(selection.to!)}`;
  }
}

function shortDateTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${formatDayMonth(d)} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
