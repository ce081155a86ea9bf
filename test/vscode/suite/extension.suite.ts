// What a user of the extension would notice, checked inside a real VS Code against a real Ringside server:
// it activates and connects, the dashboard opens and shows events posted to the server, the status bar
// follows the call standard, and "Connect to Server" switches servers.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RingsideApi } from '../../../extension/src/api';
import { call, complianceRatio, percentText, postEvents } from './ringsideHttp';
import { suiteConfig } from './testConfig';
import { waitFor } from './waitFor';

const EXTENSION_ID = 'ringside.ringside';
const CALL_STANDARD = 'call-answer-2-rings';

function configuredUrl(): string {
  const url = vscode.workspace.getConfiguration('ringside').get<string>('serverUrl');
  assert.ok(url, 'the test workspace sets ringside.serverUrl');
  return url;
}

function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'Ringside');
}

export function registerExtensionSuite(): void {
  describe('Ringside extension', () => {
    let api: RingsideApi;
    let serverUrl: string;

    before(async () => {
      const extension = vscode.extensions.getExtension<RingsideApi>(EXTENSION_ID);
      assert.ok(extension, `${EXTENSION_ID} is installed in the development host`);
      api = await extension.activate();
      serverUrl = configuredUrl();
    });

    it('activates and connects to the server named in ringside.serverUrl', async () => {
      await waitFor('connection', () => api.connection.state === 'connected');
      assert.equal(api.connection.serverUrl, serverUrl);
    });

    it('contributes both commands', async () => {
      const commands = await vscode.commands.getCommands(true);
      assert.ok(commands.includes('ringside.openDashboard'));
      assert.ok(commands.includes('ringside.connect'));
    });

    it('opens the dashboard in a webview panel that reports it is connected', async () => {
      await vscode.commands.executeCommand('ringside.openDashboard');
      await waitFor('a Ringside webview tab', () => dashboardTabs().length === 1);
      const summary = await waitFor('a rendered summary', () => api.lastRenderedSummary()?.connection === 'connected' && api.lastRenderedSummary());
      assert.ok(CALL_STANDARD in summary.tiles, `tiles for ${CALL_STANDARD}: ${JSON.stringify(summary.tiles)}`);
    });

    it('shows an event posted to the server in the feed and in the compliance tiles', async () => {
      const met = call(1);
      await postEvents(serverUrl, [met]);
      await waitFor(`${met.id} at the top of the feed`, () => api.lastRenderedSummary()?.newestEventId === met.id);
      const expected = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      await waitFor(`call tile "${expected}"`, () => api.lastRenderedSummary()?.tiles[CALL_STANDARD] === expected);

      // A miss moves the figure: the tile follows the server's own compliance report.
      const missed = call(6);
      await postEvents(serverUrl, [missed]);
      const after = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      assert.notEqual(after, expected, 'a missed call changes the call compliance');
      await waitFor(`call tile "${after}" after a miss`, () => {
        const summary = api.lastRenderedSummary();
        return summary !== undefined && summary.newestEventId === missed.id && summary.tiles[CALL_STANDARD] === after;
      });
    });

    it('shows the call standard compliance in the status bar', async () => {
      const expected = percentText(await complianceRatio(serverUrl, CALL_STANDARD));
      const status = await waitFor('status bar figure', () => api.statusBar()?.text.endsWith(`Calls ${expected}`) && api.statusBar());
      assert.match(status.text, /^\$\((pass|warning)\) Calls /);
    });

    it('reveals the one panel instead of opening a second, and a reopened panel starts from current data', async () => {
      await vscode.commands.executeCommand('ringside.openDashboard');
      assert.equal(dashboardTabs().length, 1);

      const latest = call(2);
      await postEvents(serverUrl, [latest]);
      await waitFor('the extension host to see the event', () => api.connection.snapshot?.recent[0]?.event.id === latest.id);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await waitFor('the panel to close', () => !api.isDashboardOpen() && dashboardTabs().length === 0);
      assert.equal(api.lastRenderedSummary(), undefined, 'a closed dashboard shows nothing');

      await vscode.commands.executeCommand('ringside.openDashboard');
      await waitFor(`${latest.id} in the reopened panel`, () => dashboardTabs().length === 1 && api.lastRenderedSummary()?.newestEventId === latest.id);
    });

    it('"Connect to Server" with a new URL stores it and reconnects', async function () {
      const second = suiteConfig().secondServerUrl;
      if (!second) this.skip();
      await vscode.commands.executeCommand('ringside.connect', second);
      await waitFor('connection to the second server', () => api.connection.serverUrl === second && api.connection.state === 'connected');
      assert.equal(configuredUrl(), second);

      const there = call(1);
      await postEvents(second!, [there]);
      await waitFor(`${there.id} from the second server in the feed`, () => api.lastRenderedSummary()?.newestEventId === there.id);
      assert.match(api.statusBar()?.text ?? '', /Calls 100\.0 %$/, 'the second server has only met calls');
    });

    it('says so in the status bar and on the dashboard when the server cannot be reached', async () => {
      // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
      await vscode.commands.executeCommand('ringside.connect', 'http://127.0.0.1:9');
      await waitFor('the offline status bar item', () => api.statusBar()?.text === '$(debug-disconnect) Ringside offline');
      await waitFor('the dashboard to show it is disconnected', () => api.lastRenderedSummary()?.connection === 'disconnected');
    });
  });
}
