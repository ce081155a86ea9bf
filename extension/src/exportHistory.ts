// "Ringside: Export Compliance History": one multi-step quick input (period, what + format, sites, standards;
// Back on every step after the first; the period's days spelled out, "This month: 1–31 Dec 2026"), a save dialog,
// a cancellable progress notification while the server streams the export into the file, then "Open" / "Reveal".
// An HTML report opens in the system browser where VS Code can reach the file (a local desktop window) and inside
// VS Code otherwise (a remote window, code-server: `openExternal` on a file:// URI reaches nothing there).
// From the Sites tree's context menu the site is preselected. The export needs a key with scope `audit`.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { RingsideConnection } from './connection';
import { REPORT_VIEW_TYPE } from './commandIds';
import { apiUrl, EXPORT_SCOPE_MISSING, exportKeyRefusal } from './httpApi';
import type { Messages } from './messages';
import type { QuickPickTracker } from './quickPicks';
import type { ApiKeys } from './secrets';
import { configuredServerUrl } from './settings';
import { withReportPolicy } from './externalLinks';
import { exportPath, rangeDescription, rangeOf, rangeSlug, siteChoices, type ExportRequest } from './exportRequest';
import { BACK, inputStep, pickStep, type StepPosition } from './wizard';

const EXPORT_HISTORY_COMMAND = 'ringside.exportComplianceHistory';
const TITLE = 'Export Compliance History';

type RangeId = 'this-month' | 'last-month' | 'last-30' | 'last-90' | 'this-year' | 'custom';
type RangeItem = vscode.QuickPickItem & { id: RangeId };
type WhatItem = vscode.QuickPickItem & { exportKind: ExportRequest['kind']; format: ExportRequest['format']; ext: string; period?: 'month' };
type IdItem = vscode.QuickPickItem & { id: string };

const RANGE_LABELS: Array<[Exclude<RangeId, 'custom'>, string]> = [
  ['this-month', 'This month'],
  ['last-month', 'Last month'],
  ['last-30', 'Last 30 days'],
  ['last-90', 'Last 90 days'],
  ['this-year', 'This year'],
];

const WHAT: WhatItem[] = [
  { label: 'Compliance per day — CSV', exportKind: 'compliance', format: 'csv', ext: 'csv' },
  { label: 'Compliance per month — CSV', exportKind: 'compliance', format: 'csv', ext: 'csv', period: 'month' },
  { label: 'Compliance per day — JSON', exportKind: 'compliance', format: 'json', ext: 'json' },
  { label: 'Events with judgements — CSV', description: 'verifiable offline', exportKind: 'events', format: 'csv', ext: 'csv' },
  { label: 'Events with judgements — NDJSON', description: 'verifiable offline', exportKind: 'events', format: 'ndjson', ext: 'ndjson' },
  { label: 'Audit report — HTML', description: 'charts, tables, standards, verification; print to PDF', exportKind: 'report', format: 'html', ext: 'html' },
];

/** The period quick pick's items, each with the days it covers. */
function rangeItems(now = new Date()): RangeItem[] {
  return [
    ...RANGE_LABELS.map(([id, label]): RangeItem => {
      const { from, to } = rangeOf(id, now);
      return { id, label, description: rangeDescription(from, to) };
    }),
    { id: 'custom', label: 'Custom range…', description: 'from and to dates' },
  ];
}

async function getJson<T>(serverUrl: string, key: string | undefined, path: string): Promise<T> {
  const res = await fetch(apiUrl(serverUrl, path), { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`${path} → ${res.status}`);
  return (await res.json()) as T;
}

export interface ExportDeps {
  context: vscode.ExtensionContext;
  connection: RingsideConnection;
  keys: ApiKeys;
  quickPicks: QuickPickTracker;
  messages: Messages;
}

export function registerExportHistory(deps: ExportDeps): void {
  deps.context.subscriptions.push(vscode.commands.registerCommand(EXPORT_HISTORY_COMMAND, (arg?: unknown) => exportHistory(deps, arg)));
}

interface Answers {
  range?: RangeItem;
  from?: string;
  to?: string;
  what?: WhatItem;
  sites?: IdItem[];
  standards?: IdItem[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
function validDate(value: string): string | undefined {
  return Number.isNaN(Date.parse(value)) || !ISO_DATE.test(value) ? 'An ISO date or date-time, e.g. 2026-03-01 or 2026-03-01T00:00:00+01:00' : undefined;
}
function isoInstant(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00` : value).toISOString();
}

type SiteAndStandardLists = [{ sites: Array<{ id: string; name: string }> }, { standards: Array<{ id: string; name: string }> }];

/** The wizard: resolves with the answers, or undefined when the user cancelled. */
async function askExport(deps: ExportDeps, serverUrl: string, key: string | undefined, preselectedSite: string | undefined): Promise<Required<Pick<Answers, 'what' | 'sites' | 'standards'>> & { from: string; to: string } | undefined> {
  const lists: Promise<SiteAndStandardLists> = Promise.all([
    getJson<SiteAndStandardLists[0]>(serverUrl, key, '/api/v1/sites'),
    getJson<SiteAndStandardLists[1]>(serverUrl, key, '/api/v1/standards'),
  ]);
  lists.catch(() => undefined); // looked at (and reported) when the sites step needs it
  const wizard: Wizard = { deps, serverUrl, lists, preselectedSite, ranges: rangeItems(), answers: {} };
  let step = 0;
  for (;;) {
    const custom = wizard.answers.range?.id === 'custom';
    const steps: StepName[] = custom ? ['range', 'from', 'to', 'what', 'sites', 'standards'] : ['range', 'what', 'sites', 'standards'];
    if (step >= steps.length) break;
    const position: StepPosition = { title: TITLE, step: step + 1, totalSteps: steps.length };
    const result = await askStep(wizard, steps[step]!, position);
    if (result === undefined) return undefined;
    step = result === BACK ? Math.max(0, step - 1) : step + 1;
  }
  return completeAnswers(deps, wizard.answers);
}

type StepName = 'range' | 'from' | 'to' | 'what' | 'sites' | 'standards';

interface Wizard {
  deps: ExportDeps;
  serverUrl: string;
  lists: Promise<SiteAndStandardLists>;
  preselectedSite: string | undefined;
  ranges: RangeItem[];
  answers: Answers;
}

/** Asks one step and records its answer; resolves with what the step returned (BACK, or undefined if cancelled). */
async function askStep(wizard: Wizard, name: StepName, position: StepPosition): Promise<unknown> {
  const { deps, answers } = wizard;
  if (name === 'range') {
    const result = await pickStep(deps.quickPicks, position, { items: wizard.ranges, placeholder: 'Which period?', ...(answers.range ? { active: answers.range } : {}) });
    if (Array.isArray(result)) answers.range = result[0];
    return result;
  }
  if (name === 'from' || name === 'to') {
    const result = await inputStep(deps.quickPicks, position, {
      prompt: name === 'from' ? 'From (inclusive): an ISO date or date-time' : 'To (exclusive): an ISO date or date-time',
      placeholder: name === 'from' ? '2026-03-01' : '2026-04-01',
      value: answers[name] ?? '',
      validate: validDate,
    });
    if (typeof result === 'string') answers[name] = result;
    return result;
  }
  if (name === 'what') {
    const result = await pickStep(deps.quickPicks, position, { items: WHAT, placeholder: 'What, and in which format?', ...(answers.what ? { active: answers.what } : {}) });
    if (Array.isArray(result)) answers.what = result[0];
    return result;
  }
  return askListStep(wizard, name, position);
}

/** The sites or standards step: a multiple choice from the server's lists (none ticked means all). */
async function askListStep(wizard: Wizard, name: 'sites' | 'standards', position: StepPosition): Promise<unknown> {
  const { deps, answers } = wizard;
  let list: SiteAndStandardLists;
  try {
    list = await wizard.lists;
  } catch (error) {
    void deps.messages.error(`Ringside: could not list sites and standards from ${wizard.serverUrl}: ${(error as Error).message}`);
    return undefined;
  }
  if (name === 'sites') {
    const items: IdItem[] = siteChoices(list[0].sites);
    const selected = answers.sites ?? items.filter((i) => i.id === wizard.preselectedSite);
    const result = await pickStep(deps.quickPicks, position, { items, placeholder: 'Which sites? Tick some, or none for all sites; Enter to go on', canSelectMany: true, selected: items.filter((i) => selected.some((s) => s.id === i.id)) });
    if (Array.isArray(result)) answers.sites = result;
    return result;
  }
  const items = list[1].standards.map((s): IdItem => ({ label: s.name, description: s.id, id: s.id }));
  const selected = answers.standards ?? [];
  const result = await pickStep(deps.quickPicks, position, { items, placeholder: 'Which standards? Tick some, or none for all; Enter to export', canSelectMany: true, selected: items.filter((i) => selected.some((s) => s.id === i.id)) });
  if (Array.isArray(result)) answers.standards = result;
  return result;
}

/** The answers with the period resolved to instants, or undefined (said to the user) when "to" is not after "from". */
function completeAnswers(deps: ExportDeps, answers: Answers): Required<Pick<Answers, 'what' | 'sites' | 'standards'>> & { from: string; to: string } | undefined {
  const { range, what, sites = [], standards = [] } = answers;
  if (!range || !what) return undefined;
  const { from, to } = range.id === 'custom' ? { from: isoInstant(answers.from!), to: isoInstant(answers.to!) } : rangeOf(range.id);
  if (Date.parse(from) >= Date.parse(to)) {
    void deps.messages.error('Ringside: the export’s "to" must be after its "from".');
    return undefined;
  }
  return { from, to, what, sites, standards };
}

async function exportHistory(deps: ExportDeps, arg?: unknown): Promise<vscode.Uri | undefined> {
  const { connection, keys, messages } = deps;
  const serverUrl = connection.serverUrl || configuredServerUrl();
  const key = await keys.get(serverUrl);
  const preselectedSite = arg && typeof arg === 'object' && typeof (arg as { site?: unknown }).site === 'string' ? (arg as { site: string }).site : undefined;
  const answers = await askExport(deps, serverUrl, key, preselectedSite);
  if (!answers) return undefined;
  const { from, to, what } = answers;

  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const request: ExportRequest = { kind: what.exportKind, format: what.format, from, to, tz, ...(what.period ? { period: what.period } : {}), sites: answers.sites.map((s) => s.id), standards: answers.standards.map((s) => s.id) };
  const defaultName = `ringside-${what.exportKind}-${rangeSlug(from, to)}.${what.ext}`;
  const url = apiUrl(serverUrl, exportPath(request));
  let refusal: string | null;
  try {
    refusal = await exportKeyRefusal(url, key);
  } catch (error) {
    void messages.error(`Ringside: export failed: could not reach ${serverUrl} (${(error as Error).message}).`);
    return undefined;
  }
  if (refusal) {
    void messages.error(`Ringside: cannot export: ${refusal}.`);
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the export',
    defaultUri: folder ? vscode.Uri.joinPath(folder, defaultName) : vscode.Uri.file(defaultName),
    filters: { [what.format.toUpperCase()]: [what.ext] },
  });
  if (!target) return undefined;

  const ok = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Ringside: exporting ${what.label} (${rangeDescription(from, to)})`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      try {
        await download(url, key, target.fsPath, abort.signal, (message) => progress.report({ message }));
        return true;
      } catch (error) {
        if (token.isCancellationRequested) void messages.warning('Ringside: export cancelled; the file is incomplete (it has no trailing manifest).');
        else void messages.error(`Ringside: export failed: ${(error as Error).message}`);
        return false;
      }
    },
  );
  if (!ok) return undefined;
  void messages.info(`Ringside: exported to ${target.fsPath}`, 'Open', 'Reveal').then((choice) => {
    if (choice === 'Open') void (what.format === 'html' ? openReport(deps.context, target) : vscode.commands.executeCommand('vscode.open', target));
    if (choice === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', target);
  });
  return target;
}

/** Streams an export into a file, reporting every megabyte; throws the server's problem in words. */
async function download(url: URL | string, key: string | undefined, path: string, signal: AbortSignal, report: (message: string) => void): Promise<void> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal });
  if (!res.ok || !res.body) {
    const text = await res.text();
    let detail = text;
    try {
      detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
    } catch {
      /* not problem+json */
    }
    throw new Error(res.status === 403 ? `${EXPORT_SCOPE_MISSING} (${detail})` : `${res.status}: ${detail}`);
  }
  const out = createWriteStream(path);
  let bytes = 0;
  let lastReport = 0;
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
    if (bytes - lastReport > 1_000_000) {
      lastReport = bytes;
      report(`${(bytes / 1e6).toFixed(1)} MB written`);
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Whether the system browser can open a file this extension host wrote: only in a local desktop window. */
function canOpenFilesExternally(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined;
}

/**
 * An exported HTML report: in the system browser where it can reach the file, else in a panel inside VS Code (the
 * report is self-contained HTML: inline CSS and SVG, no script, so scripts stay off).
 */
export async function openReport(context: vscode.ExtensionContext, file: vscode.Uri): Promise<'external' | 'panel'> {
  if (canOpenFilesExternally() && (await vscode.env.openExternal(file))) return 'external';
  const html = await readFile(file.fsPath, 'utf8');
  const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Report: ${basename(file.fsPath)}`, vscode.ViewColumn.Active, { enableScripts: false, localResourceRoots: [] });
  panel.webview.html = withReportPolicy(html);
  context.subscriptions.push(panel);
  return 'panel';
}

