// "Ringside: Export Compliance History": quick picks for range, what + format, sites and standards,
// a save dialog, a cancellable progress notification while the server streams the export into the file,
// then "Open" / "Reveal". From the Sites tree's context menu the site is preselected. The export needs a key
// with scope `audit` (Set API Key).
import { createWriteStream } from 'node:fs';
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { apiUrl } from './httpApi';
import type { ApiKeys } from './secrets';
import { configuredServerUrl } from './settings';
import { exportPath, rangeOf, type ExportRequest } from './exportRequest';

export const EXPORT_HISTORY_COMMAND = 'ringside.exportComplianceHistory';

async function getJson<T>(serverUrl: string, key: string | undefined, path: string): Promise<T> {
  const res = await fetch(apiUrl(serverUrl, path), { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${path} → ${res.status}`);
  return (await res.json()) as T;
}

export function registerExportHistory(context: vscode.ExtensionContext, connection: RingsideConnection, keys: ApiKeys): void {
  context.subscriptions.push(vscode.commands.registerCommand(EXPORT_HISTORY_COMMAND, (arg?: unknown) => exportHistory(connection, keys, arg)));
}

async function exportHistory(connection: RingsideConnection, keys: ApiKeys, arg?: unknown): Promise<vscode.Uri | undefined> {
  const serverUrl = connection.serverUrl || configuredServerUrl();
  const key = await keys.get(serverUrl);
  const preselectedSite = arg && typeof arg === 'object' && typeof (arg as { site?: unknown }).site === 'string' ? (arg as { site: string }).site : undefined;

  const range = await vscode.window.showQuickPick(
    [
      { label: 'This month', id: 'this-month' as const },
      { label: 'Last month', id: 'last-month' as const },
      { label: 'Last 30 days', id: 'last-30' as const },
      { label: 'Last 90 days', id: 'last-90' as const },
      { label: 'This year', id: 'this-year' as const },
      { label: 'Custom range…', id: 'custom' as const },
    ],
    { title: 'Export compliance history (1/4): period', placeHolder: 'Which period?' },
  );
  if (!range) return undefined;
  let from: string;
  let to: string;
  if (range.id === 'custom') {
    const valid = (v: string) => (Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}/.test(v) ? 'an ISO date or date-time, e.g. 2026-03-01 or 2026-03-01T00:00:00+01:00' : undefined);
    const f = await vscode.window.showInputBox({ title: 'From (inclusive)', prompt: 'ISO date or date-time', validateInput: valid });
    if (!f) return undefined;
    const t = await vscode.window.showInputBox({ title: 'To (exclusive)', prompt: 'ISO date or date-time', validateInput: valid });
    if (!t) return undefined;
    from = new Date(f.length === 10 ? `${f}T00:00:00` : f).toISOString();
    to = new Date(t.length === 10 ? `${t}T00:00:00` : t).toISOString();
  } else {
    ({ from, to } = rangeOf(range.id));
  }

  const what = await vscode.window.showQuickPick(
    [
      { label: 'Compliance per day — CSV', exportKind: 'compliance' as const, format: 'csv' as const, ext: 'csv' },
      { label: 'Compliance per month — CSV', exportKind: 'compliance' as const, format: 'csv' as const, ext: 'csv', period: 'month' as const },
      { label: 'Compliance per day — JSON', exportKind: 'compliance' as const, format: 'json' as const, ext: 'json' },
      { label: 'Events with judgements — CSV', description: 'verifiable offline', exportKind: 'events' as const, format: 'csv' as const, ext: 'csv' },
      { label: 'Events with judgements — NDJSON', description: 'verifiable offline', exportKind: 'events' as const, format: 'ndjson' as const, ext: 'ndjson' },
      { label: 'Audit report — HTML', description: 'charts, tables, standards, verification; print to PDF', exportKind: 'report' as const, format: 'html' as const, ext: 'html' },
    ],
    { title: 'Export compliance history (2/4): what and format' },
  );
  if (!what) return undefined;

  let sites: string[] = [];
  let standards: string[] = [];
  try {
    const [siteList, standardList] = await Promise.all([
      getJson<{ sites: Array<{ id: string; name: string }> }>(serverUrl, key, '/api/v1/sites'),
      getJson<{ standards: Array<{ id: string; name: string }> }>(serverUrl, key, '/api/v1/standards'),
    ]);
    const pickedSites = await vscode.window.showQuickPick(
      siteList.sites.map((s) => ({ label: s.name, description: s.id === s.name ? undefined : s.id, id: s.id, picked: s.id === preselectedSite })),
      { title: 'Export compliance history (3/4): sites (none selected = all sites)', canPickMany: true },
    );
    if (!pickedSites) return undefined;
    sites = pickedSites.map((s) => s.id);
    const pickedStandards = await vscode.window.showQuickPick(
      standardList.standards.map((s) => ({ label: s.name, description: s.id, id: s.id })),
      { title: 'Export compliance history (4/4): standards (none selected = all)', canPickMany: true },
    );
    if (!pickedStandards) return undefined;
    standards = pickedStandards.map((s) => s.id);
  } catch (error) {
    void vscode.window.showErrorMessage(`Ringside: could not list sites and standards from ${serverUrl}: ${(error as Error).message}`);
    return undefined;
  }

  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const request: ExportRequest = { kind: what.exportKind, format: what.format, from, to, tz, ...(what.period ? { period: what.period } : {}), sites, standards };
  const defaultName = `ringside-${what.exportKind}-${from.slice(0, 10)}_${to.slice(0, 10)}.${what.ext}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the export',
    defaultUri: folder ? vscode.Uri.joinPath(folder, defaultName) : vscode.Uri.file(defaultName),
    filters: { [what.format.toUpperCase()]: [what.ext] },
  });
  if (!target) return undefined;

  const ok = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ringside: exporting ${what.label}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      try {
        const res = await fetch(apiUrl(serverUrl, exportPath(request)), { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: abort.signal });
        if (!res.ok || !res.body) {
          const text = await res.text();
          let detail = text;
          try {
            detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
          } catch {
            /* not problem+json */
          }
          throw new Error(res.status === 403 ? `this API key lacks the "audit" scope (${detail})` : `${res.status}: ${detail}`);
        }
        const out = createWriteStream(target.fsPath);
        let bytes = 0;
        let lastReport = 0;
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.byteLength;
          if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
          if (bytes - lastReport > 1_000_000) {
            lastReport = bytes;
            progress.report({ message: `${(bytes / 1e6).toFixed(1)} MB written` });
          }
        }
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
        return true;
      } catch (error) {
        if (token.isCancellationRequested) void vscode.window.showWarningMessage('Ringside: export cancelled; the file is incomplete (it has no trailing manifest).');
        else void vscode.window.showErrorMessage(`Ringside: export failed: ${(error as Error).message}`);
        return false;
      }
    },
  );
  if (!ok) return undefined;
  void vscode.window.showInformationMessage(`Ringside: exported to ${target.fsPath}`, 'Open', 'Reveal').then((choice) => {
    if (choice === 'Open') void (what.format === 'html' ? vscode.env.openExternal(target) : vscode.commands.executeCommand('vscode.open', target));
    if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', target);
  });
  return target;
}
