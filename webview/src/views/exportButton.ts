// The browser page's "Export" button: downloads the same files as the VS Code command
// ("Ringside: Export Compliance History") from /api/v1/export/*, with the page's API key (needs scope audit).
// In VS Code the command does this (files go through a save dialog), so the button is only mounted in a browser.
import type { DashboardSelection, ProblemDetails } from '@ringside/server/protocol';
import { apiUrl, appendIdList, localParts, nextPeriodStart, periodStart, siteLabel } from '@ringside/server/protocol/pure';
import { boardTimeZone } from '../derived';
import type { DashboardState } from '../state';
import { problemText } from '../transport/transport';

const RANGES = [
  { id: 'this-month', label: 'This month' },
  { id: 'last-month', label: 'Last month' },
  { id: 'last-30', label: 'Last 30 days' },
] as const;

const WHAT = [
  { id: 'compliance-csv', label: 'Compliance per day (CSV)', path: 'compliance', format: 'csv', ext: 'csv' },
  { id: 'events-csv', label: 'Events with judgements (CSV)', path: 'events', format: 'csv', ext: 'csv' },
  { id: 'events-ndjson', label: 'Events with judgements (NDJSON)', path: 'events', format: 'ndjson', ext: 'ndjson' },
  { id: 'report', label: 'Audit report (HTML)', path: 'report', format: 'html', ext: 'html' },
] as const;

/** What one download asks for: its range, and the zone its months and days are in. */
export interface ExportPeriod {
  from: string;
  to: string;
  zone: string;
}

/** A period's range, its months those of `zone` (the board's: boardTimeZone), as the file's days will be. */
function exportRange(id: (typeof RANGES)[number]['id'], zone: string, nowMs = Date.now()): ExportPeriod {
  const iso = (ms: number) => new Date(ms).toISOString();
  const thisMonth = periodStart(nowMs, zone, 'month');
  if (id === 'this-month') return { from: iso(thisMonth), to: iso(nextPeriodStart(thisMonth, zone, 'month')), zone };
  if (id === 'last-month') return { from: iso(periodStart(thisMonth - 1, zone, 'month')), to: iso(thisMonth), zone };
  return { from: iso(nowMs - 30 * 86_400_000), to: iso(nowMs), zone };
}

/** The export's address below the server's (keeping a reverse-proxy prefix). */
export function exportUrl(serverUrl: string, what: (typeof WHAT)[number], range: ExportPeriod, selection: Pick<DashboardSelection, 'site' | 'standard'>): string {
  const q = new URLSearchParams({ from: range.from, to: range.to, tz: range.zone });
  if (what.path !== 'report') q.set('format', what.format);
  // One parameter per id (a site id stored before commas were refused may hold one): the server reads it whole.
  appendIdList(q, 'site', selection.site ? [selection.site] : []);
  appendIdList(q, 'standard', selection.standard ? [selection.standard] : []);
  return apiUrl(serverUrl, `/api/v1/export/${what.path}?${q.toString()}`).toString();
}

/**
 * Adds a small "Export…" disclosure to the dashboard's header; returns the element. It behaves as a popover: it
 * closes on Escape, on a click or focus anywhere else (another control opening, such as Custom's form, which it
 * would cover on a phone), and after a download, whose result then reads beside the button.
 */
export function mountExportButton(root: HTMLElement, serverUrl: string, state: () => Pick<DashboardState, 'selection' | 'siteNames' | 'standards' | 'queries' | 'serverTimeZone'>, token: () => string | null): HTMLElement {
  const { box, summary, form, range, what, scope, button, status } = buildPopover();
  // The last download's result, once the panel has closed on it; cleared when the panel opens again.
  const done = small('rs-export-done');
  done.setAttribute('role', 'status');
  box.addEventListener('toggle', () => {
    const { selection: s, siteNames, standards } = state();
    // Named as the standard filter names it (an id only where the board knows no name).
    const standard = s.standard ? (standards.find((x) => x.id === s.standard)?.name ?? s.standard) : 'all';
    scope.textContent = `Sites: ${s.site ? siteLabel(s.site, siteNames) : 'all'} · Standards: ${standard} (from the dashboard's selection) · Days in ${boardTimeZone(state())}, as on the board`;
    if (!box.open) return;
    done.textContent = '';
    if (!button.disabled) status.textContent = '';
    keepInView(form);
  });
  const close = closeWhenLeft(box, summary);
  button.addEventListener('click', () => {
    const w = WHAT.find((x) => x.id === what.value)!;
    const r = exportRange(range.value as (typeof RANGES)[number]['id'], boardTimeZone(state()));
    const day = (iso: string) => localParts(Date.parse(iso), r.zone).date;
    const fileName = `ringside-${w.path}-${day(r.from)}_${day(r.to)}.${w.ext}`;
    button.disabled = true;
    status.textContent = 'Exporting…';
    download(exportUrl(serverUrl, w, r, state().selection), token(), fileName).then(
      (bytes) => {
        status.textContent = '';
        done.textContent = `Downloaded ${fileName} (${(bytes / 1024).toFixed(0)} KB).`;
        // The focus goes back to "Export…" unless the user moved it on: disabling the button meanwhile made the
        // browser drop the focus from it to the body, which is where a keyboard user's place was lost.
        const active = document.activeElement;
        close(box.contains(active) || active === null || active === document.body);
      },
      // A failure stays in the open panel, beside the choices to change.
      (error: unknown) => {
        status.textContent = `Export failed: ${(error as Error).message}`;
      },
    ).finally(() => {
      button.disabled = false;
    });
  });
  (root.querySelector('.rs-brand') ?? root).append(box, done);
  return box;
}

/** The disclosure and its panel, drawn with the page's own controls (dashboard.css: rs-select, rs-button). */
function buildPopover() {
  const box = document.createElement('details');
  box.className = 'rs-export';
  const summary = document.createElement('summary');
  summary.className = 'rs-button rs-button--small rs-export-summary';
  summary.textContent = 'Export…';
  const form = document.createElement('div');
  form.className = 'rs-export-panel';
  const range = labelledSelect(form, 'Period', RANGES);
  const what = labelledSelect(form, 'What', WHAT);
  const scope = small('rs-export-scope');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'rs-button';
  button.textContent = 'Download';
  const status = small('rs-export-status');
  status.setAttribute('role', 'status');
  form.append(scope, button, status);
  box.append(summary, form);
  return { box, summary, form, range, what, scope, button, status };
}

function small(className: string): HTMLElement {
  const node = document.createElement('small');
  node.className = className;
  return node;
}

/**
 * Closes the open popover on Escape (the focus back on its button) and when the user turns to anything else: a
 * pointer pressed, or the focus moved (Tab), outside it. Returns how to close it (`focusSummary`: move the focus
 * back to its button, when it was inside).
 */
function closeWhenLeft(box: HTMLDetailsElement, summary: HTMLElement): (focusSummary: boolean) => void {
  const close = (focusSummary: boolean) => {
    if (!box.open) return;
    box.open = false;
    if (focusSummary) summary.focus();
  };
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !box.open) return;
    event.preventDefault();
    close(true);
  });
  const outside = (event: Event) => {
    if (box.open && event.target instanceof Node && !box.contains(event.target)) close(false);
  };
  document.addEventListener('pointerdown', outside, true);
  document.addEventListener('focusin', outside);
  return close;
}

/**
 * The panel opens below "Export…", which sits near the right edge on a phone: moved left as far as it sticks out
 * past the viewport (never past the left edge), so no part of it needs horizontal scrolling.
 */
function keepInView(form: HTMLElement): void {
  form.style.left = '0px';
  const margin = 8;
  const rect = form.getBoundingClientRect();
  const over = rect.right - (document.documentElement.clientWidth - margin);
  if (over > 0) form.style.left = `${-Math.max(0, Math.min(over, rect.left - margin))}px`;
}

function labelledSelect(form: HTMLElement, label: string, options: ReadonlyArray<{ id: string; label: string }>): HTMLSelectElement {
  const wrap = document.createElement('label');
  wrap.className = 'rs-export-field';
  const name = document.createElement('span');
  name.className = 'rs-field-label';
  name.textContent = label;
  const s = document.createElement('select');
  s.className = 'rs-select';
  for (const o of options) s.append(new Option(o.label, o.id));
  wrap.append(name, s);
  form.append(wrap);
  return s;
}

/** Fetches the export and hands it to the browser as a download named `fileName`; resolves with its size. */
async function download(url: string, key: string | null, fileName: string): Promise<number> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) {
    const detail = problemText((await res.json().catch(() => ({}))) as Partial<ProblemDetails>) || String(res.status);
    throw new Error(res.status === 401 || res.status === 403 ? `needs an API key with scope "audit" (${detail})` : detail);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  return blob.size;
}
