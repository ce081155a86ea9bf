// The export request of "Ringside: Export Compliance History": pure, no `vscode`, unit-tested.
import { appendIdList, compareText } from '@ringside/server/protocol/pure';

export interface ExportRequest {
  kind: 'compliance' | 'events' | 'report';
  format: 'csv' | 'ndjson' | 'json' | 'html';
  from: string;
  to: string;
  tz: string;
  period?: 'day' | 'week' | 'month';
  sites: string[];
  standards: string[];
}

/** The URL path + query of an export (also used by tests). */
export function exportPath(r: ExportRequest): string {
  const q = new URLSearchParams({ from: r.from, to: r.to, tz: r.tz });
  if (r.kind !== 'report') q.set('format', r.format);
  if (r.period) q.set('period', r.period);
  appendIdList(q, 'site', r.sites);
  appendIdList(q, 'standard', r.standards);
  return `/api/v1/export/${r.kind}?${q.toString()}`;
}

/** Calendar ranges in the local zone, as ISO instants with offset. */
export function rangeOf(choice: 'this-month' | 'last-month' | 'last-30' | 'last-90' | 'this-year', now = new Date()): { from: string; to: string } {
  const y = now.getFullYear();
  const m = now.getMonth();
  const iso = (d: Date) => d.toISOString();
  switch (choice) {
    case 'this-month':
      return { from: iso(new Date(y, m, 1)), to: iso(new Date(y, m + 1, 1)) };
    case 'last-month':
      return { from: iso(new Date(y, m - 1, 1)), to: iso(new Date(y, m, 1)) };
    case 'last-30':
      return { from: iso(new Date(now.getTime() - 30 * 86_400_000)), to: iso(now) };
    case 'last-90':
      return { from: iso(new Date(now.getTime() - 90 * 86_400_000)), to: iso(now) };
    case 'this-year':
      return { from: iso(new Date(y, 0, 1)), to: iso(new Date(y + 1, 0, 1)) };
  }
}


const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * [from, to) as a person reads it, in the local zone, the end day inclusive: "1–31 Dec 2026",
 * "4 Nov – 3 Dec 2026", "1 Dec 2026 – 31 Jan 2027".
 */
export function rangeDescription(from: string, to: string): string {
  const start = new Date(from);
  const end = new Date(Date.parse(to) - 1);
  const day = (d: Date) => d.getDate();
  const month = (d: Date) => MONTHS[d.getMonth()]!;
  if (start.getFullYear() !== end.getFullYear()) return `${day(start)} ${month(start)} ${start.getFullYear()} – ${day(end)} ${month(end)} ${end.getFullYear()}`;
  if (start.getMonth() !== end.getMonth()) return `${day(start)} ${month(start)} – ${day(end)} ${month(end)} ${end.getFullYear()}`;
  if (day(start) === day(end)) return `${day(start)} ${month(start)} ${start.getFullYear()}`;
  return `${day(start)}–${day(end)} ${month(start)} ${start.getFullYear()}`;
}

/** "2026-12-01_to_2026-12-31": the local days covered, the end inclusive (an export's file name). */
export function rangeSlug(from: string, to: string): string {
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const start = iso(new Date(from));
  const end = iso(new Date(Date.parse(to) - 1));
  return start === end ? start : `${start}_to_${end}`;
}

/**
 * The sites step's choices: each site by its name (the id beside it when they differ), listed as the Sites view and
 * the dashboard list sites (compareText by name, then id), not in the server's order of ids, where "Site 10" came
 * before "Site 2" and every capitalised id before "airport".
 */
export function siteChoices(sites: ReadonlyArray<{ id: string; name: string }>): Array<{ label: string; description: string | undefined; id: string }> {
  return sites
    .map((s) => ({ label: s.name.trim() || s.id, description: s.id === s.name ? undefined : s.id, id: s.id }))
    .sort((a, b) => compareText(a.label, b.label) || compareText(a.id, b.id));
}
