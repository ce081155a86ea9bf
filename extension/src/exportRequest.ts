// The export request of "Ringside: Export Compliance History": pure, no `vscode`, unit-tested.
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
  for (const s of r.sites) q.append('site', s);
  for (const s of r.standards) q.append('standard', s);
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

