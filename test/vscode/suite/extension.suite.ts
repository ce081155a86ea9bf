// What a user of the extension would notice, checked inside a real VS Code against real Ringside servers:
// it connects with the API key given through "Set API Key" (SecretStorage), the dashboard shows events posted
// to the server, the status bar names the worst SITE and counts open alerts, the Sites tree puts figures first and
// follows live data, alerts become notifications (escalations always; "Acknowledge All" acknowledges every alert a
// notification stands for) and rows of the Alerts view (badge, inline Acknowledge), a reconnect catches up on
// everything posted meanwhile, the serializer restores a panel, another server clears the previous one's state,
// "Open in Browser" keeps its query through asExternalUri, the welcome content's button starts the local server
// with demo data and the dashboard goes live, and the local server is found again as after a window reload.
// What VS Code cannot show a test (status bar, trees, notifications, quick picks, the webview's content) is read
// through the extension's test API (extension/src/testApi.ts).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ComplianceReport, IncidentUpdate } from '../../../server/src/protocol';
import { countsPhrase, formatPercent as percentText } from '../../../server/src/protocol/pure';
import type { RingsideTestApi } from '../../../extension/src/testApi';
import type { RunningLocalServer } from '../../../extension/src/localServer';
import type { TreeRow } from '../../../extension/src/sitesTree';
import { call, complianceRatio, getJson, incidents, nameSite, postEvents, postMilestones, useApiKey, visit, watchIncidents } from './ringsideHttp';
import { suiteConfig } from './testConfig';
import { conditionWaiter, withDeadline, type WaitFor } from './waitFor';

const EXTENSION_ID = 'ringside.ringside';
const CALL_STANDARD = 'call-answer-2-rings';
const VISIT_STANDARD = 'visit-greet-30s';
const COMMANDS = [
  'ringside.openDashboard',
  'ringside.connect',
  'ringside.disconnect',
  'ringside.setApiKey',
  'ringside.startLocalServer',
  'ringside.stopLocalServer',
  'ringside.openInBrowser',
  'ringside.showInDashboard',
  'ringside.showStaffing',
  'ringside.refreshSites',
  'ringside.showWorst',
  'ringside.acknowledgeAlert',
  'ringside.acknowledgeAlerts',
  'ringside.exportComplianceHistory',
];

function configuredUrl(): string {
  const url = vscode.workspace.getConfiguration('ringside').get<string>('serverUrl');
  assert.ok(url, 'the test workspace sets ringside.serverUrl');
  return url;
}

function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'Ringside');
}

function siteRow(api: RingsideTestApi, site: string): TreeRow | undefined {
  return api.view().sites.find((row) => row.label === site);
}

/** The row of a standard under a site, by the short label its row ends with ("… · Calls ≤ 2 rings"). */
function standardRow(api: RingsideTestApi, site: string, label: string): TreeRow | undefined {
  return siteRow(api, site)?.children.find((row) => row.label.endsWith(` · ${label}`));
}

/** Seqs [from, to] all present, in order, exactly once in the extension's log. */
function assertNoGap(log: readonly number[], from: number, to: number): void {
  const slice = log.filter((seq) => seq >= from && seq <= to);
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.deepEqual(slice, expected, `seqs ${from}..${to} received in order without a gap`);
}

interface Manifest {
  contributes: {
    views: Record<string, Array<{ id: string; name: string }>>;
    viewsWelcome: Array<{ view: string; contents: string; when?: string }>;
    walkthroughs: Array<{ id: string; steps: Array<{ id: string; description: string }> }>;
  };
}

function manifest(): Manifest {
  const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
  return JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as Manifest;
}

/** The command links of a welcome text, as VS Code runs them when clicked: the command and its JSON arguments. */
function commandLinks(markdown: string): Array<{ label: string; command: string; args: unknown[] }> {
  return [...markdown.matchAll(/\[([^\]]+)\]\(command:([\w.]+)(?:\?([^)]+))?\)/g)].map(([, label, command, args]) => ({
    label: label!,
    command: command!,
    args: args ? (JSON.parse(decodeURIComponent(args)) as unknown[]) : [],
  }));
}

/** A process's group id (Linux /proc): a detached server leads its own group, apart from the extension host's. */
function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

export function registerExtensionSuite(): void {
  describe('Ringside extension', () => {
    let api: RingsideTestApi;
    let waitFor: WaitFor;
    let serverUrl: string;
    const config = suiteConfig();
    const view = () => api.view();
    const summary = () => view().dashboard.summary;
    const settings = () => vscode.workspace.getConfiguration('ringside');

    before(async () => {
      const extension = vscode.extensions.getExtension<RingsideTestApi | undefined>(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is installed in the development host`);
      const exported = await extension.activate();
      assert.ok(exported, 'the extension returns its test API when VS Code runs it under test');
      api = exported;
      // The extension's own change events, and VS Code's for its tabs (the dashboard panel's tab).
      waitFor = conditionWaiter([api.onDidChange, vscode.window.tabGroups.onDidChangeTabs]);
      serverUrl = configuredUrl();
      useApiKey(config.apiKey);
      await api.localServerReady?.();
    });

    it('is refused without a key: the Sites view is left empty for its welcome buttons, and "Set API Key" connects', async function () {
      if (!config.apiKey) this.skip();
      await waitFor('the refusal', () => view().connection.state === 'disconnected' && view().connection.problem?.kind === 'needs-key');
      assert.equal(view().statusBar?.text, '$(key) Ringside: API key needed');
      assert.equal(view().connection.problem?.text, `The Ringside server at ${serverUrl} needs an API key. Run "Ringside: Set API Key".`);
      // Welcome content shows only for an empty tree without a message.
      assert.deepEqual(view().sites, []);
      assert.equal(view().sitesView.message, undefined);
      assert.match(view().sitesView.description ?? '', /needs an API key$/);
      await vscode.commands.executeCommand('ringside.setApiKey', config.apiKey);
      await waitFor('connection with the key', () => view().connection.state === 'connected');
      assert.equal(view().connection.serverUrl, serverUrl);
      assert.equal(view().connection.apiKey, config.apiKey);
      const settingsText = JSON.stringify(settings());
      assert.ok(!settingsText.includes(config.apiKey), 'the key is not in any setting');
    });

    it('"Connect to Server" with the dashboard link the server printed uses its key, kept in SecretStorage, never in the setting', async function () {
      if (!config.apiKey) this.skip();
      // Forget the key, so only the link can bring it.
      await vscode.commands.executeCommand('ringside.setApiKey', '');
      await waitFor('the refusal without a key', () => view().connection.problem?.kind === 'needs-key');
      await vscode.commands.executeCommand('ringside.connect', `${serverUrl}/#token=${config.apiKey}`);
      assert.equal(configuredUrl(), serverUrl, 'the setting holds the address alone');
      await waitFor('connection with the link’s key', () => view().connection.state === 'connected' && view().connection.serverUrl === serverUrl);
      assert.equal(view().connection.apiKey, config.apiKey);
      assert.ok(!JSON.stringify(settings()).includes(config.apiKey), 'the key is not in any setting');
      // The API's base (the README's $RS) names the same server.
      await vscode.commands.executeCommand('ringside.connect', `${serverUrl}/api/v1`);
      assert.equal(configuredUrl(), serverUrl);
      await waitFor('connected to the server itself', () => view().connection.state === 'connected' && view().connection.serverUrl === serverUrl);
    });

    it('contributes its commands, the Alerts view, welcome content whose buttons are commands, and a walkthrough', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const command of COMMANDS) assert.ok(commands.includes(command), command);
      const contributes = manifest().contributes;
      assert.deepEqual(contributes.views['ringside']!.map((v) => v.id), ['ringside.sites', 'ringside.alerts']);
      const links = contributes.viewsWelcome.flatMap((w) => commandLinks(w.contents));
      assert.ok(links.some((l) => l.label === 'Start Local Server with Demo Data' && l.command === 'ringside.startLocalServer'));
      for (const link of links) assert.ok(link.command.startsWith('workbench.') || commands.includes(link.command), `${link.label} runs ${link.command}`);
      const walkthrough = contributes.walkthroughs.find((w) => w.id === 'ringside.gettingStarted');
      assert.ok(walkthrough && walkthrough.steps.length >= 4, 'a walkthrough with its steps');
    });

    it('opens the dashboard in a webview panel that reports it is connected', async () => {
      await vscode.commands.executeCommand('ringside.openDashboard');
      await waitFor('a Ringside webview tab', () => dashboardTabs().length === 1);
      const shown = await waitFor('a rendered summary with the standards', () => {
        const s = summary();
        return s?.connection === 'connected' && CALL_STANDARD in s.tiles && s;
      });
      assert.ok(VISIT_STANDARD in shown.tiles, `tiles: ${JSON.stringify(shown.tiles)}`);
    });

    it('shows an event posted to the server in the feed and in the compliance tiles, and the Sites view’s "All sites" agrees at once', async () => {
      const met = call(1);
      await postEvents(serverUrl, [met]);
      await waitFor(`${met.id} at the top of the feed`, () => summary()?.newestEventId === met.id);
      const expected = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      await waitFor(`call tile "${expected}"`, () => summary()?.tiles[CALL_STANDARD] === expected);

      // A miss moves the figure: the tile follows the server's own compliance report.
      const missed = call(6);
      await postEvents(serverUrl, [missed]);
      const after = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      assert.notEqual(after, expected, 'a missed call changes the call compliance');
      await waitFor(`call tile "${after}" after a miss`, () => {
        const s = summary();
        return s !== undefined && s.newestEventId === missed.id && s.tiles[CALL_STANDARD] === after;
      });
      // The tree's "All sites" comes from the same live message as the tile: no second for them to disagree in.
      assert.equal(standardRow(api, 'All sites', 'Calls ≤ 2 rings')?.label, `${after} · Calls ≤ 2 rings`);
    });

    it('names the worst SITE and standard in the status bar, with the short label, and lists the worst in its tooltip', async () => {
      // At vscode-suite calls are at 50 % (one met, one missed); two slow greetings and one quick put visits at 33.3 %: the worst.
      await postEvents(serverUrl, [visit(5), visit(50), visit(70)]);
      const status = await waitFor('visits at vscode-suite in the status bar', () => view().statusBar?.text === '$(error) vscode-suite: Visits ≤ 30 s 33.3 %' && view().statusBar);
      assert.equal(status.standardId, VISIT_STANDARD);
      assert.equal(status.site, 'vscode-suite');
      assert.equal(status.band, 'red');
      assert.match(status.tooltip, /\| vscode\\-suite \| Calls ≤ 2 rings \| 50\.0 %/);

      // Enough met calls and greetings later, calls (now the lower margin) become the worst.
      await postEvents(serverUrl, [...Array.from({ length: 8 }, () => visit(3)), ...Array.from({ length: 2 }, () => call(1))]);
      assert.equal(percentText(await complianceRatio(serverUrl, VISIT_STANDARD)), '81.8 %');
      assert.equal(percentText(await complianceRatio(serverUrl, CALL_STANDARD)), '75.0 %');
      // Eleven greetings at the site are enough for a band alert: the open alerts are counted in front.
      await waitFor('calls as the worst', () => /^\$\(error\) (\d+ red( · \d+ amber)? · )?vscode-suite: Calls ≤ 2 rings 75\.0 %$/.test(view().statusBar?.text ?? ''));
    });

    it('lists sites → standards in the Sites view, figure first, with RAG icons, following live data', async () => {
      await postEvents(serverUrl, [call(1, 'answered', 'north'), call(2, 'answered', 'north'), call(5, 'answered', 'south'), call(1, 'answered', 'south')]);
      const north = await waitFor('north in the tree', () => siteRow(api, 'north'));
      assert.equal(north.colour, 'charts.green');
      assert.equal(north.icon, 'pass-filled');
      assert.equal(north.description, '100.0 % · Calls ≤ 2 rings');
      const northCalls = standardRow(api, 'north', 'Calls ≤ 2 rings');
      assert.equal(northCalls?.label, '100.0 % · Calls ≤ 2 rings');
      assert.equal(northCalls?.description, '2/2');
      assert.equal(northCalls?.colour, 'charts.green');
      const south = await waitFor('south at 50 %', () => standardRow(api, 'south', 'Calls ≤ 2 rings')?.label === '50.0 % · Calls ≤ 2 rings' && siteRow(api, 'south'));
      assert.equal(south.colour, 'charts.red');
      assert.equal(south.icon, 'error');
      assert.equal(view().sites[0]?.label, 'All sites', '"All sites" comes first');

      // The tree agrees with the server's own groupBy=site report.
      const report = await getJson<ComplianceReport>(serverUrl, '/api/v1/compliance?window=today&groupBy=site');
      const southGroup = report.standards.find((s) => s.standardId === CALL_STANDARD)?.groups?.find((g) => g.key === 'south');
      assert.equal(southGroup?.ratio, 0.5);

      // Live: more met calls at south turn it amber (≥ 85 %) then green (≥ 90 %); the tree follows.
      const fetchesBefore = view().siteFetches;
      const startedAt = Date.now();
      await postEvents(serverUrl, Array.from({ length: 5 }, () => call(1, 'answered', 'south')));
      await waitFor('south at 6/7 (amber)', () => standardRow(api, 'south', 'Calls ≤ 2 rings')?.label === '85.7 % · Calls ≤ 2 rings');
      assert.equal(siteRow(api, 'south')?.colour, 'charts.yellow');
      assert.equal(siteRow(api, 'south')?.icon, 'warning');
      for (let i = 0; i < 5; i += 1) await postEvents(serverUrl, [call(1, 'answered', 'south')]);
      await waitFor('south at 11/12 (green)', () => standardRow(api, 'south', 'Calls ≤ 2 rings')?.description === '11/12');
      assert.equal(siteRow(api, 'south')?.colour, 'charts.green');
      // Six batches, at most one fetch a second (plus the one in flight when they began).
      const seconds = (Date.now() - startedAt) / 1000;
      assert.ok(view().siteFetches - fetchesBefore <= Math.ceil(seconds) + 2, `fetches ${view().siteFetches - fetchesBefore} in ${seconds.toFixed(1)} s`);
    });

    it('opens each site showing its standards in a small estate; in a large one (more than 12 sites) only "All sites", each site showing its worst figure', async () => {
      await waitFor('north and south in the tree', () => siteRow(api, 'north') && siteRow(api, 'south'));
      assert.equal(view().sites[0]?.expanded, true, '"All sites" opens');
      assert.equal(siteRow(api, 'north')?.expanded, true, 'a site of a small estate opens');
      const estate = Array.from({ length: 12 }, (_, i) => `estate-${i + 1}`);
      await postEvents(serverUrl, estate.map((site) => call(1, 'answered', site)));
      const closed = await waitFor('the large estate in the tree', () => estate.every((site) => siteRow(api, site)) && siteRow(api, 'north'));
      assert.equal(closed.expanded, false, 'a site of a large estate shows its worst figure, closed');
      assert.equal(closed.description, '100.0 % · Calls ≤ 2 rings');
      assert.equal(siteRow(api, 'estate-7')?.expanded, false);
      assert.equal(view().sites[0]?.expanded, true, '"All sites" still opens');
      // Its standards are there when opened.
      assert.equal(standardRow(api, 'north', 'Calls ≤ 2 rings')?.description, '2/2');
    });

    it('names a site by its display name in the Sites view, the status bar, its quick pick and the Alerts view, as the dashboard does; a rename follows at once', async () => {
      // vscode-suite was auto-created by its first event, so it is named by its id; it is the worst site (calls at 75 %).
      const before = await waitFor('vscode-suite by its id as the worst', () => view().statusBar?.site === 'vscode-suite' && siteRow(api, 'vscode-suite') && view().statusBar);
      assert.equal(before.siteLabel, 'vscode-suite');
      // Renamed on the server: it pushes a fresh snapshot with the sites' names, and no event is needed for the views.
      const name = 'VS Code suite';
      await nameSite(serverUrl, 'vscode-suite', name);
      const row = await waitFor(`the Sites view row "${name}"`, () => siteRow(api, name));
      assert.equal(siteRow(api, 'vscode-suite'), undefined, 'no row by the id any more');
      assert.match(row.tooltip ?? '', /^\*\*VS Code suite\*\* — today\n\nsite id: vscode\\-suite\n/);
      assert.match(row.children.find((c) => c.label.endsWith(' · Calls ≤ 2 rings'))?.tooltip ?? '', /^\*\*.+\*\* at VS Code suite — today\n\nsite id: vscode\\-suite\n/);
      const status = await waitFor('the status bar naming it', () => view().statusBar?.siteLabel === name && view().statusBar);
      assert.equal(status.site, 'vscode-suite', 'the selection keeps the id');
      assert.match(status.text, / VS Code suite: Calls ≤ 2 rings 75\.0 %$/);
      assert.ok(status.tooltip.includes('| VS Code suite | Calls ≤ 2 rings | 75.0 % |'), status.tooltip);
      // The Alerts view's site groups (vscode-suite's slow greetings may have an incident open) name it the same way.
      for (const level of view().alerts.rows) assert.ok(!level.children.some((c) => c.label === 'vscode-suite'), `${level.label}: ${level.children.map((c) => c.label).join(', ')}`);
      // The status bar's quick pick: named, and picking still filters by the id.
      const picked = vscode.commands.executeCommand('ringside.showWorst');
      const pick = await waitFor('the worst-items quick pick', () => view().quickPick?.title === 'Ringside: worst sites and standards now' && view().quickPick);
      assert.ok(pick.items[0]!.label.endsWith(`${name} · Calls ≤ 2 rings`), pick.items[0]!.label);
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.deepEqual(await picked, { site: 'vscode-suite', standard: CALL_STANDARD });
      await waitFor('the dashboard filtered to vscode-suite', () => summary()?.selection?.site === 'vscode-suite');
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
      await waitFor('the filter cleared', () => summary()?.selection?.site === null);
    });

    it('opens the dashboard filtered to a tree item when it is clicked', async () => {
      await vscode.commands.executeCommand('ringside.showInDashboard', { kind: 'standard', site: 'south', standardId: CALL_STANDARD, figure: {} });
      await waitFor('the selection sent to the dashboard', () => view().dashboard.selection?.site === 'south' && view().dashboard.selection?.standard === CALL_STANDARD);
      // The page itself reports what it is filtered to.
      await waitFor('the dashboard filtered to south', () => summary()?.selection?.site === 'south' && summary()?.selection?.standard === CALL_STANDARD);
      assert.equal(dashboardTabs().length, 1, 'the one panel is reused');
      // A standard row's Show Staffing: the same panel on that site and standard, whose Staffing view then shows them.
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
      await vscode.commands.executeCommand('ringside.showStaffing', { kind: 'standard', site: 'south', standardId: VISIT_STANDARD, figure: {} });
      await waitFor('the dashboard on south and the visit standard', () => summary()?.selection?.site === 'south' && summary()?.selection?.standard === VISIT_STANDARD);
      assert.equal(dashboardTabs().length, 1, 'the one panel is reused');
      // Back to everything, for the tests that follow.
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
      await waitFor('the filter cleared', () => summary()?.selection?.site === null);
    });

    it('turns an incident into a notification, a row of the Alerts view (badge, inline Acknowledge) and the same counts everywhere', async () => {
      // Twelve missed greetings at one site: a red incident for that standard and site (minimum sample 10) within a
      // second (the suite's servers open incidents without a hold: --open-after 0).
      await postEvents(serverUrl, Array.from({ length: 12 }, () => visit(90, 'alarm')));
      const incident = await waitFor('an open incident at site alarm', () => view().connection.openIncidents.find((i) => i.site === 'alarm'));
      assert.equal(incident.standardId, VISIT_STANDARD);
      assert.ok((await incidents(serverUrl, '?state=open&site=alarm')).some((i) => i.id === incident.id), 'the server lists it as open');
      const shown = await waitFor('its notification', () => view().notifications.find((n) => n.incidentIds.includes(incident.id)));
      assert.equal(shown.urgent, true);
      // The plain summary first: the site, what is measured, the figure and the target.
      assert.match(shown.text, /^Ringside Red: alarm visits: \d+\.\d % greeted within 30 s in the last hour — target 90 %$/);
      assert.deepEqual(shown.incidentIds, [incident.id]);
      assert.deepEqual(shown.actions, ['Open Dashboard', 'Acknowledge']);

      // The Alerts view: Red → alarm → its standard, with the inline Acknowledge (contextValue) on the open incident.
      const red = await waitFor('a Red group with alarm', () => view().alerts.rows.find((r) => r.label === 'Red' && r.children.some((c) => c.label === 'alarm')));
      const alarm = red.children.find((c) => c.label === 'alarm')!;
      assert.equal(alarm.children[0]?.label, 'Visits ≤ 30 s');
      assert.equal(alarm.children[0]?.contextValue, 'ringside.incident.open');
      // Its SRE detail is the tooltip on hover, not handed over (and parsed by VS Code) with every redraw.
      assert.match(alarm.children[0]?.tooltip ?? '', /^\*\*Red\*\* — alarm\n\n/);
      assert.equal(alarm.children[0]?.markdownOnRedraw, undefined);
      const { counts, badge } = view().alerts;
      assert.ok(counts.red >= 1);
      assert.equal(badge, counts.unacknowledgedRed, 'the badge counts unacknowledged red incidents');
      // The status bar, the dashboard's banner and the server count the very same incidents.
      assert.deepEqual(view().statusBar?.counts, counts);
      assert.ok(view().statusBar?.text.includes(`${countsPhrase(counts)} · `), view().statusBar?.text);
      await waitFor('the banner’s count', () => summary()?.openIncidents === view().alerts.counts.open);
      assert.equal((await incidents(serverUrl, '?state=open')).length, counts.open, 'the server’s open incidents');

      // Inline Acknowledge acknowledges exactly that incident on the server.
      await vscode.commands.executeCommand('ringside.acknowledgeAlert', { kind: 'incident', incident });
      const after = await incidents(serverUrl, '?site=alarm&state=open');
      assert.ok(after.find((i) => i.id === incident.id)?.acknowledgedAt, `incident ${incident.id} acknowledged on the server`);
      await waitFor('the badge to drop by one', () => view().alerts.badge === badge - 1 && view().alerts.counts.unacknowledgedRed === badge - 1);
      assert.equal(view().alerts.rows.find((r) => r.label === 'Red')?.children.find((c) => c.label === 'alarm')?.children[0]?.contextValue, 'ringside.incident');
    });

    it('opens a quick pick of the worst items from the status bar; picking one opens the dashboard filtered to it', async () => {
      const status = view().statusBar!;
      assert.ok(status.standardId !== null, status.text);
      void vscode.commands.executeCommand('ringside.showWorst');
      const pick = await waitFor('the worst-items quick pick', () => view().quickPick?.title === 'Ringside: worst sites and standards now' && view().quickPick);
      const label = status.standardId === VISIT_STANDARD ? 'Visits ≤ 30 s' : 'Calls ≤ 2 rings';
      // Both name the site the same way (its display name, or its id when it has none).
      assert.ok(pick.items[0]!.label.endsWith(`${status.siteLabel} · ${label}`), `${pick.items[0]!.label} vs ${status.text}`);
      assert.ok(status.text.endsWith(`${status.siteLabel}: ${label} ${pick.items[0]!.description!.split(' ')[0]} %`), `${status.text} vs ${pick.items[0]!.description}`);
      assert.match(pick.items[0]!.description ?? '', /% today \(\d+\/\d+\), target 90 %/);
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await waitFor('the dashboard filtered to the worst item', () => summary()?.selection?.site === status.site && summary()?.selection?.standard === status.standardId);
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
      await waitFor('the filter cleared', () => summary()?.selection?.site === null && summary()?.selection?.standard === null);
    });

    it('notifies an escalation within the quiet period; its Acknowledge acknowledges exactly that incident', async () => {
      await settings().update('notifications.quietMinutes', 5, vscode.ConfigurationTarget.Workspace);
      try {
        // 17 of 20 calls within 2 rings at a fresh site: an amber incident (85 %, and a slow burn).
        const before = view().notifications.length;
        await postEvents(serverUrl, [...Array.from({ length: 17 }, () => call(1, 'answered', 'escalate')), ...Array.from({ length: 3 }, () => call(5, 'answered', 'escalate'))]);
        const amber = await waitFor('the amber notification', () => view().notifications.slice(before).find((n) => n.place === `${CALL_STANDARD}|escalate`));
        assert.equal(amber.urgent, false);
        // Within the quiet period, ten more misses: the same incident escalates to red, and that notifies at once.
        await postEvents(serverUrl, Array.from({ length: 10 }, () => call(6, 'answered', 'escalate')));
        const red = await waitFor('the red notification', () => view().notifications.find((n) => n.id > amber.id && n.place === `${CALL_STANDARD}|escalate` && n.urgent));
        const [incident] = await incidents(serverUrl, '?site=escalate&standard=call-answer-2-rings');
        assert.ok(incident && incident.severity === 'red' && incident.state === 'open', JSON.stringify(incident));
        assert.deepEqual(amber.incidentIds, [incident.id], 'the amber notification was about this incident');
        assert.deepEqual(red.incidentIds, [incident.id], 'the red one too: one incident escalated in place');
        assert.match(red.text, /^Ringside Red, now worse: escalate calls: \d+\.\d % answered within 2 rings in the last hour — target 90 %$/);
        assert.deepEqual(red.actions, ['Open Dashboard', 'Acknowledge']);
        await api.respondToNotification(red.id, 'Acknowledge');
        const [acknowledged] = await incidents(serverUrl, '?site=escalate&standard=call-answer-2-rings');
        assert.equal(acknowledged?.acknowledgedSeverity, 'red', 'acknowledged on the server at red');
      } finally {
        await settings().update('notifications.quietMinutes', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('"Acknowledge All" in the Alerts view acknowledges every open incident on the server', async () => {
      await postEvents(serverUrl, [...Array.from({ length: 12 }, () => call(6, 'answered', 'all-1')), ...Array.from({ length: 12 }, () => visit(90, 'all-2'))]);
      await waitFor('two more open incidents', () => ['all-1', 'all-2'].every((site) => view().connection.openIncidents.some((i) => i.site === site)));
      const open = await incidents(serverUrl, '?state=open');
      assert.ok(open.filter((i) => i.acknowledgedAt === null).length >= 2, 'several unacknowledged incidents on the server');
      await vscode.commands.executeCommand('ringside.acknowledgeAlerts');
      const after = await incidents(serverUrl, '?state=open');
      assert.deepEqual(after.filter((i) => i.acknowledgedAt === null).map((i) => i.id), [], 'every open incident acknowledged on the server');
      await waitFor('the badge gone', () => view().alerts.badge === 0 && view().alerts.counts.unacknowledged === 0);
      assert.equal(view().alerts.counts.open, after.length);
    });

    it('notifies a breach (a call still ringing past its deadline), counts it in the status bar and shows the open case in the Sites view', async () => {
      // A site with a display name, and a finished call first, so the site has a row in the Sites view today.
      await nameSite(serverUrl, 'late-desk', 'Late desk');
      await postEvents(serverUrl, [call(1, 'answered', 'late-desk')]);
      await waitFor('Late desk in the Sites view', () => siteRow(api, 'Late desk'));
      // A call that started ringing 30 s ago and is still ringing: 2 rings (12 s) are long gone, so the server
      // breaches it as soon as it hears of it and pushes the breach.
      const caseId = `vscode-breach-${Date.now()}`;
      await postMilestones(serverUrl, [{ type: 'call', site: 'late-desk', caseId, milestone: 'started', at: new Date(Date.now() - 30_000).toISOString() }]);
      const shown = await waitFor('the breach notification', () => view().notifications.find((n) => n.kind === 'breach' && n.text.includes(caseId)));
      // Named as the Sites view and the dashboard name the site; the quiet period's place keeps the id.
      assert.match(shown.text, new RegExp(`^Ringside: Late desk call ${caseId} is past its deadline \\(Calls ≤ 2 rings, due \\d\\d:\\d\\d\\)$`));
      assert.deepEqual(shown.actions, ['Open Dashboard']);
      assert.equal(shown.place, 'call|late-desk');
      await waitFor('the status bar to count it', () => (view().statusBar?.breached ?? 0) >= 1 && view().statusBar!.text.includes(' breached'));
      await waitFor('the Sites view to show the open case', () => siteRow(api, 'Late desk')?.description.includes(' breached'));
      // Answered at last: the case closes and leaves every count.
      await postMilestones(serverUrl, [{ type: 'call', site: 'late-desk', caseId, milestone: 'answered', at: new Date().toISOString() }]);
      await waitFor('the open case gone from the Sites view', () => !siteRow(api, 'Late desk')?.description.includes('open'));
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
    });

    it('shows no breach notification when notifications are muted in settings', async () => {
      await settings().update('notifications.enabled', false, vscode.ConfigurationTarget.Workspace);
      try {
        const caseId = `vscode-muted-breach-${Date.now()}`;
        const before = view().notifications.length;
        await postMilestones(serverUrl, [{ type: 'call', site: 'late-muted', caseId, milestone: 'started', at: new Date(Date.now() - 30_000).toISOString() }]);
        await waitFor('the breached case to reach the extension', () => (view().statusBar?.breached ?? 0) >= 1);
        assert.equal(view().notifications.length, before, 'no notification while muted');
        await postMilestones(serverUrl, [{ type: 'call', site: 'late-muted', caseId, milestone: 'abandoned', at: new Date().toISOString() }]);
      } finally {
        await settings().update('notifications.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('shows no notification when notifications are muted in settings', async () => {
      await settings().update('notifications.enabled', false, vscode.ConfigurationTarget.Workspace);
      try {
        const before = view().notifications.length;
        await postEvents(serverUrl, Array.from({ length: 12 }, () => visit(90, 'muted')));
        await waitFor('the extension to receive an open incident at site muted', () => view().connection.openIncidents.some((i) => i.site === 'muted'));
        // Notifications are decided in the same listener call that records the alert, before onDidChange fires:
        // had one been shown, it would be in the list already.
        assert.equal(view().notifications.length, before, 'no notification while muted');
      } finally {
        await settings().update('notifications.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('catches up after "Disconnect": events and alerts posted meanwhile arrive, in seq order, without a gap', async () => {
      const seen = view().connection.lastSeq;
      assert.ok(seen !== undefined && seen > 0);
      await vscode.commands.executeCommand('ringside.disconnect');
      await waitFor('disconnected', () => view().connection.state === 'disconnected');
      const posted = await postEvents(serverUrl, Array.from({ length: 5 }, (_, i) => call(i % 3, 'answered', 'away')));
      // An incident opens while the extension is away; a live client of the test's own sees the server open it.
      const watcher = await watchIncidents(serverUrl, (u) => u.incident.site === 'away-alarm' && u.change.kind === 'opened');
      let missed: IncidentUpdate;
      try {
        await postEvents(serverUrl, Array.from({ length: 12 }, () => call(7, 'answered', 'away-alarm')));
        missed = await withDeadline('an incident while away', watcher.update);
      } finally {
        watcher.close();
      }
      const lastPosted = posted.results.at(-1)!.seq;
      assert.ok(lastPosted > seen);

      await vscode.commands.executeCommand('ringside.connect', serverUrl);
      await waitFor('the catch-up', () => view().connection.state === 'connected' && (view().connection.lastSeq ?? 0) >= lastPosted + 12);
      assertNoGap(view().connection.receivedSeqs, seen, lastPosted + 12);
      const catchUp = view().connection.lastCatchUp;
      assert.ok(catchUp && catchUp.events >= 17 && !catchUp.gap, JSON.stringify(catchUp));
      assert.ok(catchUp.incidents >= 1, 'the missed incident change was replayed');
      await waitFor('a notification for the incident opened while away', () => view().notifications.some((n) => n.incidentIds.includes(missed.incident.id)));
    });

    it('reconnects by itself after a network drop and catches up', async () => {
      const seen = view().connection.lastSeq!;
      const sitesBefore = view().sites;
      assert.ok(sitesBefore.length > 0);
      api.dropConnection();
      // Lost and retrying (backoff ≥ 0.5 s) is not offline: the status bar says reconnecting, the Sites view keeps
      // its figures and says how old they are, no welcome buttons.
      await waitFor('the reconnecting status bar item', () => view().statusBar?.text === '$(sync~spin) Ringside reconnecting…');
      assert.equal(view().connection.problem?.kind, 'lost');
      assert.ok(view().connection.reconnecting);
      assert.deepEqual(view().sites.map((row) => row.label), sitesBefore.map((row) => row.label), 'the Sites view keeps its rows while reconnecting');
      assert.match(String(view().sitesView.description), /^reconnecting to 127\.0\.0\.1:\d+… figures as of \d\d:\d\d$/);
      assert.doesNotMatch(view().statusBar?.tooltip ?? '', /offline|Start the local server/);
      // Posted right away: the client is reconnecting (backoff) while these are stored.
      const posted = await postEvents(serverUrl, Array.from({ length: 4 }, () => call(1, 'answered', 'drop')));
      const last = posted.results.at(-1)!.seq;
      await waitFor('reconnected and caught up', () => view().connection.state === 'connected' && (view().connection.lastSeq ?? 0) >= last, 30_000);
      assertNoGap(view().connection.receivedSeqs, seen, last);
    });

    it('the serializer restores a dashboard panel with its filters and current data', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await waitFor('the panel to close', () => !view().dashboard.open && dashboardTabs().length === 0);
      // What VS Code does after a reload: a panel of the persisted view type, handed to the registered serializer
      // with the page's last setState value.
      const panel = vscode.window.createWebviewPanel('ringside.dashboard', 'Ringside', vscode.ViewColumn.One, { enableScripts: true });
      const state = { selection: { window: '7d', from: null, to: null, site: 'north', standard: CALL_STANDARD } };
      await api.restoreDashboard(panel, state);
      assert.ok(view().dashboard.open);
      await waitFor('the restored page, connected and filtered to north over 7 days', () => {
        const s = summary();
        return s?.connection === 'connected' && s.selection?.site === 'north' && s.selection.window === '7d' && s.selection.standard === CALL_STANDARD;
      });
      assert.deepEqual(view().dashboard.selection, state.selection);
      // Live data reaches the restored page: a new event at north tops its (north-only) feed.
      const latest = call(1, 'answered', 'north');
      await postEvents(serverUrl, [latest]);
      await waitFor(`${latest.id} in the restored panel`, () => summary()?.newestEventId === latest.id);
      await vscode.commands.executeCommand('ringside.openDashboard', { window: 'today', site: null, standard: null });
      await waitFor('the filter cleared', () => summary()?.selection?.site === null && summary()?.selection?.window === 'today');
    });

    it('"Open in Browser" opens an address the browser can reach (asExternalUri), keeping site, standard and, when asked, the key (after #)', async () => {
      // The command's result is the address it handed to the browser (the tab itself is outside VS Code).
      const plain = new URL((await vscode.commands.executeCommand<string>('ringside.openInBrowser', { kind: 'site', site: 'north' }, { includeKey: false })));
      const external = new URL((await vscode.env.asExternalUri(vscode.Uri.parse(`${serverUrl}/`))).toString(true));
      console.log(`      (asExternalUri(${serverUrl}/) = ${external.toString()})`);
      assert.equal(plain.origin, external.origin);
      assert.ok(plain.pathname.endsWith('/'), plain.pathname);
      assert.equal(plain.searchParams.get('site'), 'north');
      assert.equal(plain.searchParams.get('token'), null);
      assert.equal(plain.hash, '');
      const withKey = new URL((await vscode.commands.executeCommand<string>('ringside.openInBrowser', { kind: 'standard', site: 'south', standardId: CALL_STANDARD }, { includeKey: true })));
      assert.equal(withKey.searchParams.get('site'), 'south');
      assert.equal(withKey.searchParams.get('standard'), CALL_STANDARD);
      // The key after '#', never in the query: a browser sends no fragment, so no proxy on the way logs it.
      assert.equal(withKey.searchParams.get('token'), null);
      assert.equal(new URLSearchParams(withKey.hash.slice(1)).get('token'), config.apiKey ?? null);
    });

    it('switching servers clears the previous server’s figures, alerts and Acknowledge buttons everywhere before the new snapshot', async function () {
      const second = config.secondServerUrl;
      if (!second) this.skip();
      await vscode.commands.executeCommand('ringside.openDashboard');
      await waitFor('alerts and figures from the first server', () => view().alerts.counts.open > 0 && (summary()?.openIncidents ?? 0) > 0 && view().sites.length > 1);
      // An address where no snapshot will ever come from: what shows meanwhile must not be the old server's.
      await vscode.commands.executeCommand('ringside.connect', 'http://127.0.0.1:9');
      assert.deepEqual(view().sites, [], 'tree emptied at once');
      assert.deepEqual(view().alerts.rows, [], 'Alerts view emptied at once');
      assert.equal(view().alerts.badge, 0);
      assert.doesNotMatch(view().statusBar!.text, /%/, 'no figure in the status bar');
      await waitFor('the dashboard emptied (no tiles, feed or alerts)', () => {
        const s = summary();
        return s !== undefined && Object.keys(s.tiles).length === 0 && s.feedCount === 0 && s.openIncidents === 0 && s.connection !== 'connected';
      });

      // Then a real second server: its own (empty) picture.
      await vscode.commands.executeCommand('ringside.connect', second);
      await waitFor('connection to the second server', () => view().connection.serverUrl === second && view().connection.state === 'connected');
      assert.equal(configuredUrl(), second);
      const there = call(1);
      await postEvents(second, [there], undefined);
      await waitFor(`${there.id} from the second server in the feed`, () => summary()?.newestEventId === there.id);
      await waitFor('the second server’s status', () => view().statusBar?.text === '$(pass-filled) vscode-suite: Calls ≤ 2 rings 100.0 %');
      await waitFor('its tree', () => standardRow(api, 'vscode-suite', 'Calls ≤ 2 rings')?.description === '1/1');
      assert.equal(view().alerts.counts.open, 0);
    });

    it('opens an exported HTML report inside VS Code where the browser cannot reach the file (this web window)', async function () {
      // A local desktop window (the test-electron runner) hands the file to the system browser instead.
      if (vscode.env.uiKind === vscode.UIKind.Desktop && vscode.env.remoteName === undefined) this.skip();
      const folder = vscode.workspace.workspaceFolders![0]!.uri;
      const file = vscode.Uri.joinPath(folder, 'ringside-report-test.html');
      await vscode.workspace.fs.writeFile(file, Buffer.from('<!doctype html><html><head><title>Audit</title><style>h1{color:teal}</style></head><body><h1>Audit report</h1></body></html>'));
      const how = await vscode.commands.executeCommand<string>('ringside.openReport', file);
      assert.equal(how, 'panel');
      await waitFor('the report’s tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === 'Report: ringside-report-test.html'));
    });

    describe('the local server', () => {
      let blocker: Server | undefined;
      const port = () => settings().get<number>('localServer.port')!;

      after(async () => {
        blocker?.close();
        await vscode.commands.executeCommand('ringside.stopLocalServer');
      });

      it('asks "With demo data" or "Empty" when started from the palette; the deprecated localServer.demo only orders the choices', async () => {
        await settings().update('localServer.demo', false, vscode.ConfigurationTarget.Global);
        try {
          const result = vscode.commands.executeCommand<RunningLocalServer | undefined>('ringside.startLocalServer');
          const pick = await waitFor('the demo choice', () => view().quickPick?.title === 'Ringside: Start Local Server' && view().quickPick);
          assert.deepEqual(
            pick.items.map((i) => i.label),
            ['$(server-process) Empty', '$(beaker) With demo data'],
          );
          await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
          assert.equal(await result, undefined, 'cancelled: nothing started');
          assert.equal(view().localServer, undefined);
        } finally {
          await settings().update('localServer.demo', undefined, vscode.ConfigurationTarget.Global);
        }
      });

      it('says plainly when its port is taken by another program', async () => {
        // Another program on the port: a web server that is not Ringside.
        blocker = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not here'));
        await new Promise<void>((resolve) => blocker!.listen(port(), '127.0.0.1', resolve));
        const before = view().messages.length;
        const result = await vscode.commands.executeCommand<RunningLocalServer | undefined>('ringside.startLocalServer', { demo: true });
        assert.equal(result, undefined);
        const message = view().messages.slice(before).find((m) => m.severity === 'error');
        assert.ok(message, 'an error message');
        assert.equal(message.text, `Ringside: cannot start the local server: port ${port()} on 127.0.0.1 is already in use by another program. Set ringside.localServer.port to a free port (0 picks one).`);
        assert.deepEqual(message.actions, ['Change Port']);
        blocker.closeAllConnections();
        await new Promise<void>((resolve) => blocker!.close(() => resolve()));
        blocker = undefined;
      });

      it('starts with demo data from the Sites view’s welcome button, connects with its admin.key, and the dashboard goes live', async () => {
        // The welcome content shown while not connected; its button runs this command with these arguments.
        const welcome = manifest().contributes.viewsWelcome.find((w) => w.view === 'ringside.sites' && w.when?.includes('!ringside.needsKey'))!;
        const button = commandLinks(welcome.contents).find((l) => l.label === 'Start Local Server with Demo Data')!;
        assert.deepEqual(button.args, [{ demo: true }]);
        const local = await vscode.commands.executeCommand<RunningLocalServer | undefined>(button.command, ...button.args);
        assert.ok(local, 'the local server started');
        assert.equal(local.url, `http://127.0.0.1:${port()}`, 'on the configured port');
        assert.equal(local.demo, true);
        assert.ok(local.apiKey, 'the admin.key written by the fresh server was read');
        await waitFor('connected to it', () => view().connection.serverUrl === local.url && view().connection.state === 'connected', 30_000);
        assert.equal(configuredUrl(), local.url, 'ringside.serverUrl now names it, so a reload comes back to it');
        assert.equal(view().connection.apiKey, local.apiKey);
        assert.ok(view().messages.some((m) => m.text.startsWith(`Ringside: local server running at ${local.url} with demo data`) && m.actions.includes('Open Dashboard')));
        // "Open Dashboard" on that message: demo traffic arrives in the page by itself.
        await vscode.commands.executeCommand('ringside.openDashboard');
        const first = await waitFor('a demo event in the dashboard', () => summary()?.connection === 'connected' && summary()?.newestEventId);
        // The next one is the first live call or visit to end (seconds after the history), later on a loaded machine.
        await waitFor('another demo event', () => summary()?.newestEventId !== first && summary()?.newestEventId, 90_000);
      }).timeout(150_000);

      it('keeps running apart from the window, and is found again as after a reload (lock file and health check)', async () => {
        const local = view().localServer!;
        assert.ok(local.startedHere);
        if (process.platform === 'linux') {
          assert.equal(processGroup(local.pid), local.pid, 'the server leads its own process group (detached)');
          assert.notEqual(processGroup(process.pid), local.pid);
        }
        const found = await api.findLocalServer();
        assert.ok(found, 'found through its data folder');
        assert.equal(found.pid, local.pid);
        assert.equal(found.url, local.url);
        assert.equal(found.demo, true);
        assert.equal(found.apiKey, local.apiKey);
        assert.equal(found.startedHere, false);
        // Starting again (e.g. a second window) uses it instead of a second server.
        const again = await vscode.commands.executeCommand<RunningLocalServer>('ringside.startLocalServer', { demo: true });
        assert.equal(again?.pid, local.pid);

        await vscode.commands.executeCommand('ringside.stopLocalServer');
        assert.equal(view().connection.state, 'disconnected');
        await assert.rejects(fetch(new URL('/api/v1/health', local.url)), 'nothing listens there any more');
        assert.equal(await api.findLocalServer(), undefined);
      });
    });

    it('says plainly in the status bar, the Sites view and the dashboard when the server cannot be reached', async () => {
      await vscode.commands.executeCommand('ringside.openDashboard');
      // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
      await vscode.commands.executeCommand('ringside.connect', 'http://127.0.0.1:9');
      await waitFor('the offline status bar item', () => view().statusBar?.text === '$(debug-disconnect) Ringside offline');
      assert.equal(view().connection.problem?.kind, 'unreachable');
      assert.equal(view().statusBar?.tooltip, 'Cannot reach the Ringside server at http://127\\.0\\.0\\.1:9: is it running? Start the local server or check ringside\\.serverUrl\\.');
      await waitFor('the dashboard to show it is disconnected', () => summary()?.connection === 'disconnected');
      assert.deepEqual(view().sites, [], 'the tree is empty while offline');
      assert.equal(view().sitesView.message, undefined, 'no message: the welcome buttons show');
      assert.equal(view().sitesView.description, 'cannot reach 127.0.0.1:9');
    });
  });
}
