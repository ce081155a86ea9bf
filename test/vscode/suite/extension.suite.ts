// What a user of the extension would notice, checked inside a real VS Code against real Ringside servers:
// it connects with the API key given through "Set API Key" (SecretStorage), the dashboard shows events posted
// to the server, the status bar names the worst standard, the Sites tree follows live data, alerts become
// notifications, a reconnect catches up on everything posted meanwhile, the serializer restores a panel,
// "Connect to Server", "Open in Browser" and "Start Local Server" work. What VS Code cannot show a test (status
// bar, tree, notifications, the webview's content) is read through the extension's test API (extension/src/testApi.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Alert, ComplianceReport } from '../../../server/src/protocol';
import { formatPercent as percentText } from '../../../server/src/protocol/pure';
import type { RingsideTestApi } from '../../../extension/src/testApi';
import type { RunningLocalServer } from '../../../extension/src/localServer';
import type { TreeRow } from '../../../extension/src/sitesTree';
import { alerts, call, complianceRatio, getJson, postEvents, useApiKey, visit, watchAlerts } from './ringsideHttp';
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
  'ringside.refreshSites',
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

/** Seqs [from, to] all present, in order, exactly once in the extension's log. */
function assertNoGap(log: readonly number[], from: number, to: number): void {
  const slice = log.filter((seq) => seq >= from && seq <= to);
  const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.deepEqual(slice, expected, `seqs ${from}..${to} received in order without a gap`);
}

export function registerExtensionSuite(): void {
  describe('Ringside extension', () => {
    let api: RingsideTestApi;
    let waitFor: WaitFor;
    let serverUrl: string;
    const config = suiteConfig();
    const view = () => api.view();
    const summary = () => view().dashboard.summary;

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
    });

    it('is refused without a key, and connects once "Set API Key" stores one (in SecretStorage, not settings)', async function () {
      if (!config.apiKey) this.skip();
      await waitFor('the refusal', () => view().connection.state === 'disconnected' && /unauthori[sz]ed/i.test(view().connection.error ?? ''));
      assert.equal(view().statusBar?.text, '$(key) Ringside: API key needed');
      await vscode.commands.executeCommand('ringside.setApiKey', config.apiKey);
      await waitFor('connection with the key', () => view().connection.state === 'connected');
      assert.equal(view().connection.serverUrl, serverUrl);
      assert.equal(view().connection.apiKey, config.apiKey);
      const settingsText = JSON.stringify(vscode.workspace.getConfiguration('ringside'));
      assert.ok(!settingsText.includes(config.apiKey!), 'the key is not in any setting');
    });

    it('contributes its commands', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const command of COMMANDS) assert.ok(commands.includes(command), command);
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

    it('shows an event posted to the server in the feed and in the compliance tiles', async () => {
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
    });

    it('names the worst standard in the status bar, and lists every standard in its tooltip', async () => {
      // Calls are at 50 % (one met, one missed); two slow greetings and one quick put visits at 33.3 %: the worst.
      await postEvents(serverUrl, [visit(5), visit(50), visit(70)]);
      const visits = percentText(await complianceRatio(serverUrl, VISIT_STANDARD));
      assert.equal(visits, '33.3 %');
      const status = await waitFor('the visit standard in the status bar', () => view().statusBar?.text.endsWith(`Visitors greeted within 30 seconds ${visits}`) && view().statusBar);
      assert.equal(status.text, `$(error) Visitors greeted within 30 seconds ${visits}`);
      assert.equal(status.standardId, VISIT_STANDARD);
      assert.equal(status.band, 'red');
      const calls = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      assert.match(status.tooltip, new RegExp(`Calls answered within 2 rings \\| ${calls.replace('.', '\\.')}`));
      assert.match(status.tooltip, /Visitors greeted within 30 seconds/);

      // Enough met calls and greetings later, calls (now the lower margin) become the worst.
      await postEvents(serverUrl, [...Array.from({ length: 8 }, () => visit(3)), ...Array.from({ length: 2 }, () => call(1))]);
      const callsNow = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      const visitsNow = percentText(await complianceRatio(serverUrl, VISIT_STANDARD));
      assert.equal(visitsNow, '81.8 %');
      assert.equal(callsNow, '75.0 %');
      await waitFor('calls as the worst standard', () => view().statusBar?.text === `$(error) Calls answered within 2 rings ${callsNow}`);
    });

    it('lists sites → standards in the Sites view with RAG icons and today’s figures, following live data', async () => {
      await postEvents(serverUrl, [call(1, 'answered', 'north'), call(2, 'answered', 'north'), call(5, 'answered', 'south'), call(1, 'answered', 'south')]);
      const north = await waitFor('north in the tree', () => siteRow(api, 'north'));
      assert.equal(north.colour, 'charts.green');
      assert.equal(north.icon, 'pass-filled');
      const northCalls = north.children.find((row) => row.label === 'Calls answered within 2 rings');
      assert.equal(northCalls?.description, '100.0 % (2/2)');
      assert.equal(northCalls?.colour, 'charts.green');
      const south = await waitFor('south at 50 %', () => siteRow(api, 'south')?.children[0]?.description === '50.0 % (1/2)' && siteRow(api, 'south'));
      assert.equal(south.colour, 'charts.red');
      assert.equal(south.icon, 'error');
      assert.equal(view().sites[0]?.label, 'All sites', '"All sites" comes first');

      // The tree agrees with the server's own groupBy=site report.
      const report = await getJson<ComplianceReport>(serverUrl, '/api/v1/compliance?groupBy=site');
      const southGroup = report.standards.find((s) => s.standardId === CALL_STANDARD)?.groups?.find((g) => g.key === 'south');
      assert.equal(southGroup?.ratio, 0.5);

      // Live: more met calls at south turn it amber (≥ 85 %) then green (≥ 90 %); the tree follows.
      const fetchesBefore = view().siteFetches;
      const startedAt = Date.now();
      await postEvents(serverUrl, Array.from({ length: 5 }, () => call(1, 'answered', 'south')));
      await waitFor('south at 6/7 (amber)', () => siteRow(api, 'south')?.children[0]?.description === '85.7 % (6/7)');
      assert.equal(siteRow(api, 'south')?.colour, 'charts.yellow');
      assert.equal(siteRow(api, 'south')?.icon, 'warning');
      for (let i = 0; i < 5; i += 1) await postEvents(serverUrl, [call(1, 'answered', 'south')]);
      await waitFor('south at 11/12 (green)', () => siteRow(api, 'south')?.children[0]?.description === '91.7 % (11/12)');
      assert.equal(siteRow(api, 'south')?.colour, 'charts.green');
      // Six batches, at most one fetch a second (plus the one in flight when they began).
      const seconds = (Date.now() - startedAt) / 1000;
      assert.ok(view().siteFetches - fetchesBefore <= Math.ceil(seconds) + 2, `fetches ${view().siteFetches - fetchesBefore} in ${seconds.toFixed(1)} s`);
    });

    it('opens the dashboard filtered to a tree item when it is clicked', async () => {
      const south = view().sites.find((row) => row.label === 'south');
      assert.ok(south);
      await vscode.commands.executeCommand('ringside.showInDashboard', { kind: 'standard', site: 'south', standardId: CALL_STANDARD, figure: {} });
      await waitFor('the selection sent to the dashboard', () => view().dashboard.selection?.site === 'south' && view().dashboard.selection?.standard === CALL_STANDARD);
      // The page itself reports what it is filtered to.
      await waitFor('the dashboard filtered to south', () => summary()?.selection?.site === 'south' && summary()?.selection?.standard === CALL_STANDARD);
      assert.equal(dashboardTabs().length, 1, 'the one panel is reused');
      // Back to everything, for the tests that follow.
      await vscode.commands.executeCommand('ringside.openDashboard', { site: null, standard: null });
      await waitFor('the filter cleared', () => summary()?.selection?.site === null);
    });

    it('turns an alert into a notification with "Open Dashboard" and "Acknowledge"', async () => {
      // Twelve missed greetings at one site: a red band alert for that site (minimum sample 10) within a second.
      await postEvents(serverUrl, Array.from({ length: 12 }, () => visit(90, 'alarm')));
      // The server pushes the alert it raised; the extension's own live feed is what the notification comes from.
      const alert = await waitFor('a firing alert for site alarm', () => view().connection.activeAlerts.find((a) => a.site === 'alarm'));
      assert.equal(alert.standardId, VISIT_STANDARD);
      assert.ok((await alerts(serverUrl, '?state=active&site=alarm')).some((a) => a.id === alert.id), 'the server lists it as active');
      const shown = await waitFor('its notification', () => view().notifications.find((n) => n.alertIds.includes(alert.id)));
      assert.deepEqual(shown.actions, ['Open Dashboard', 'Acknowledge']);
      assert.match(shown.text, /Visitors greeted within 30 seconds/);

      // "Acknowledge" posts to the server with the extension's key.
      // It resolves once the server has answered the acknowledgement.
      await api.acknowledgeAlerts([alert.id]);
      const after = (await alerts(serverUrl, '?site=alarm')).find((a) => a.id === alert.id);
      assert.ok(after?.acknowledgedAt, 'the server lists the alert as acknowledged');
    });

    it('shows no notification when notifications are muted in settings', async () => {
      const config = vscode.workspace.getConfiguration('ringside');
      await config.update('notifications.enabled', false, vscode.ConfigurationTarget.Workspace);
      try {
        const before = view().notifications.length;
        await postEvents(serverUrl, Array.from({ length: 12 }, () => visit(90, 'muted')));
        await waitFor('the extension to receive a firing alert for site muted', () => view().connection.activeAlerts.some((a) => a.site === 'muted'));
        // Notifications are decided in the same listener call that records the alert, before onDidChange fires:
        // had one been shown, it would be in the list already.
        assert.equal(view().notifications.length, before, 'no notification while muted');
      } finally {
        await config.update('notifications.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('catches up after "Disconnect": events and alerts posted meanwhile arrive, in seq order, without a gap', async () => {
      const seen = view().connection.lastSeq;
      assert.ok(seen !== undefined && seen > 0);
      await vscode.commands.executeCommand('ringside.disconnect');
      await waitFor('disconnected', () => view().connection.state === 'disconnected');
      const posted = await postEvents(serverUrl, Array.from({ length: 5 }, (_, i) => call(i % 3, 'answered', 'away')));
      // An alert fires while the extension is away; a live client of the test's own sees the server raise it.
      const watcher = await watchAlerts(serverUrl, (a) => a.site === 'away-alarm' && a.state === 'firing');
      let missedAlert: Alert;
      try {
        await postEvents(serverUrl, Array.from({ length: 12 }, () => call(7, 'answered', 'away-alarm')));
        missedAlert = await withDeadline('an alert while away', watcher.alert);
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
      assert.ok(catchUp.alerts >= 1, 'the missed alert was replayed');
      await waitFor('a notification for the alert missed while away', () => view().notifications.some((n) => n.alertIds.includes(missedAlert.id)));
    });

    it('reconnects by itself after a network drop and catches up', async () => {
      const seen = view().connection.lastSeq!;
      api.dropConnection();
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

    it('"Open in Browser" opens the dashboard page for a tree item, with the key only when asked to', async () => {
      // The command's result is the address it handed to the browser (the tab itself is outside VS Code).
      const plain = new URL((await vscode.commands.executeCommand<string>('ringside.openInBrowser', { kind: 'site', site: 'north' }, { includeKey: false }))!);
      assert.equal(plain.origin, new URL(serverUrl).origin);
      assert.equal(plain.searchParams.get('site'), 'north');
      assert.equal(plain.searchParams.get('token'), null);
      const withKey = new URL((await vscode.commands.executeCommand<string>('ringside.openInBrowser', { kind: 'standard', site: 'south', standardId: CALL_STANDARD }, { includeKey: true }))!);
      assert.equal(withKey.searchParams.get('standard'), CALL_STANDARD);
      assert.equal(withKey.searchParams.get('token'), config.apiKey ?? null);
    });

    it('"Connect to Server" with a new URL stores it and reconnects', async function () {
      const second = config.secondServerUrl;
      if (!second) this.skip();
      await vscode.commands.executeCommand('ringside.connect', second);
      await waitFor('connection to the second server', () => view().connection.serverUrl === second && view().connection.state === 'connected');
      assert.equal(configuredUrl(), second);

      const there = call(1);
      await postEvents(second!, [there], undefined);
      await vscode.commands.executeCommand('ringside.openDashboard');
      await waitFor(`${there.id} from the second server in the feed`, () => summary()?.newestEventId === there.id);
      await waitFor('the second server’s figure', () => view().statusBar?.text === '$(pass-filled) Calls answered within 2 rings 100.0 %');
      await waitFor('its tree', () => siteRow(api, 'vscode-suite')?.children[0]?.description === '100.0 % (1/1)');
    });

    it('"Start Local Server" runs the bundled server on its own data folder and connects with its admin.key', async () => {
      // The command resolves once the server listens (or has failed to start, with undefined).
      const local = await vscode.commands.executeCommand<RunningLocalServer | undefined>('ringside.startLocalServer');
      assert.ok(local, 'the local server started');
      assert.ok(local.apiKey, 'the admin.key written by the fresh server was read');
      await waitFor('connected to it', () => view().connection.serverUrl === local.url && view().connection.state === 'connected', 30_000);
      assert.equal(view().connection.apiKey, local.apiKey);
      await postEvents(local.url, [call(1, 'answered', 'local')], local.apiKey);
      await waitFor('its tree', () => siteRow(api, 'local')?.children[0]?.description === '100.0 % (1/1)');
      // The command resolves once the process has exited.
      await vscode.commands.executeCommand('ringside.stopLocalServer');
      assert.equal(view().connection.state, 'disconnected');
      await assert.rejects(fetch(new URL('/api/v1/health', local.url)), 'nothing listens there any more');
    });

    it('says so in the status bar and on the dashboard when the server cannot be reached', async () => {
      await vscode.commands.executeCommand('ringside.openDashboard');
      // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
      await vscode.commands.executeCommand('ringside.connect', 'http://127.0.0.1:9');
      await waitFor('the offline status bar item', () => view().statusBar?.text === '$(debug-disconnect) Ringside offline');
      await waitFor('the dashboard to show it is disconnected', () => summary()?.connection === 'disconnected');
      assert.deepEqual(view().sites, [], 'the tree is empty while offline');
    });
  });
}
