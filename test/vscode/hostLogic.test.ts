// The extension host's pure parts (no VS Code needed): the webview's CSP, the status bar wording, and how
// live updates are folded into the remembered snapshot that a newly opened dashboard starts from.
import { describe, expect, it } from 'vitest';
import type { ComplianceFigure, ComplianceReport, Incident, IncidentChangeKind, IncidentSeverity, IncidentUpdate, JudgedEvent, Snapshot, Standard } from '../../server/src/protocol';
import { IncidentGate } from '../../extension/src/alertNotifier';
import { selectionFromState } from '../../extension/src/selection';
import { apiUrl, EXPORT_SCOPE_MISSING, exportKeyRefusal } from '../../extension/src/httpApi';
import { secretName, validateApiKey } from '../../extension/src/secrets';
import { allSitesFromLive, figureText, orderByName, siteRowName, sitesFromGroupedReport, siteTooltipMarkdown, standardTooltipMarkdown } from '../../extension/src/siteModel';
import type { Socket } from 'socket.io-client';
import { RingsideConnection, socketAddress } from '../../extension/src/connection';
import { clockTime } from '../../extension/src/clockTime';
import { SiteFiguresSource } from '../../extension/src/sitesSource';
import { StatusModel } from '../../extension/src/statusModel';
import { LocalServer } from '../../extension/src/localServer';
import { call, removeDir, startTestServer, tempDataDir, type TestServer } from '../integration/support/testServer';
import { applyCompliance, applyJudged, RECENT_LIMIT } from '../../extension/src/liveState';
import { LIVE_POINTS_KEPT } from '../../server/src/protocol/pure';
import { shortSiteName, STATUS_SITE_CHARS, statusView, worstPickView } from '../../extension/src/statusText';
import { worstItems, type WorstItem } from '../../extension/src/worstItems';
import { alertsViewDescription, cannotAcknowledge, extensionProblem, keyProblemOf, shortProblem, sitesViewDescription } from '../../extension/src/problems';
import { reportConnectOutcome } from '../../extension/src/connectOutcome';
import { readFileSync } from 'node:fs';
import { exportPath, rangeDescription, rangeOf, rangeSlug, siteChoices } from '../../extension/src/exportRequest';
import { externalAddress, withReportPolicy } from '../../extension/src/externalLinks';
import { countIncidents, openIncidentsOf } from '../../server/src/protocol/pure';
import { contentSecurityPolicy, createNonce, dashboardHtml } from '../../extension/src/webviewHtml';

const figure = (standardId: string, met: number, total: number): ComplianceFigure => ({
  standardId,
  standardName: standardId,
  target: 0.9,
  formula: 'F3',
  total,
  met,
  missed: total - met,
  ratio: total === 0 ? null : met / total,
});

const judged = (id: string): JudgedEvent => ({
  event: {
    seq: 0, id, type: 'call', site: 's', occurredAt: '2026-11-23T10:00:00Z', receivedAt: '2026-11-23T10:00:00Z',
    outcome: 'answered', rings: 1, answerSeconds: null, greetSeconds: null, queue: null, agent: null, handleSeconds: null, derived: [],
  },
  judgements: [],
});

const snapshot = (recent: JudgedEvent[]): Snapshot => ({
  serverTime: '2026-11-23T10:00:00Z',
  todayFrom: '2026-11-23T00:00:00Z',
  standards: [],
  today: [figure('call-answer-2-rings', 1, 1)],
  series: [{ standardId: 'call-answer-2-rings', bucket: 'minute', points: [{ start: '2026-11-23T10:00:00Z', total: 1, met: 1, ratio: 1 }] }],
  recent,
  openIncidents: [],
});

let nextIncident = 1;
let nextChange = 1;
/** An open incident as the server sends it. */
const incident = (standardId: string, site: string, severity: IncidentSeverity = 'red', extra: Partial<Incident> = {}): Incident => ({
  id: nextIncident++, standardId, standardVersion: 1, site, siteName: site, standardLabel: standardId, target: 0.9, state: 'open', severity, peakSeverity: severity,
  openedAt: '2026-12-01T10:00:00Z', changedAt: '2026-12-01T10:00:00Z', recoveredAt: null, acknowledgedAt: null, acknowledgedBy: null, acknowledgedSeverity: null,
  summary: `${site} ${standardId}: 73.0 % in the last hour — target 90 %`,
  detail: { band: { window: { name: '1h', durationMs: 3_600_000, counted: 100, met: 73, compliance: 0.73 }, amberBelow: 0.9, redBelow: 0.85, severity }, burnRates: [], burnSeverity: null, lines: [] },
  lastChangeSeq: 0, ...extra,
});
/** A change of `of` (opened, escalated, …) and the incident after it. */
const change = (of: Incident, kind: IncidentChangeKind = 'opened', extra: Partial<Incident> = {}): IncidentUpdate => {
  const seq = nextChange++;
  const after = { ...of, ...extra, lastChangeSeq: seq };
  return { change: { seq, incidentId: of.id, kind, at: 't', severity: after.severity, previousSeverity: null, summary: after.summary, detail: after.detail, by: null }, incident: after };
};

describe('dashboard HTML', () => {
  it('allows only the nonce’d script and the webview’s own resources', () => {
    const csp = contentSecurityPolicy('https://webview.test', 'abc');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const html = dashboardHtml({ cspSource: 'https://webview.test', scriptUri: 'https://webview.test/d.js', styleUri: 'https://webview.test/d.css' }, 'abc');
    expect(html).toContain('<script nonce="abc" src="https://webview.test/d.js"></script>');
    expect(html).toContain('<div id="app"></div>');
  });

  it('uses a different nonce on every load', () => {
    expect(createNonce()).not.toBe(createNonce());
  });
});

describe('status bar text', () => {
  const standards = [
    { id: 'calls', name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9 },
    { id: 'visits', name: 'Visitors greeted within 30 seconds', eventType: 'visit', measure: 'greetSeconds', operator: '<=', threshold: 30, target: 0.9 },
  ] as unknown as Standard[];
  const named = (id: string, met: number, total: number) => ({ ...figure(id, met, total), standardName: standards.find((s) => s.id === id)!.name });
  const groupedReport = (groups: Record<string, Array<[string, number, number]>>) =>
    ({
      from: 'f', to: 't', site: null, bucket: null, groupBy: 'site',
      standards: Object.entries(groups).map(([id, list]) => ({
        ...named(id, 0, 0),
        groups: list.map(([key, numerator, denominator]) => ({ key, numerator, denominator, ratio: numerator / denominator, companions: {} })),
      })),
    }) as unknown as ComplianceReport;
  const view = (today: ComplianceFigure[], groups: Record<string, Array<[string, number, number]>>, open: Incident[] = []) => {
    const sites = [allSitesFromLive(today, standards), ...sitesFromGroupedReport(groupedReport(groups), standards)];
    const incidents = openIncidentsOf(open);
    return statusView({ state: 'connected', serverUrl: 'http://x', items: worstItems(sites, incidents, standards, new Map()), counts: countIncidents(incidents) });
  };

  it('names the worst SITE (not the all-sites figure) with the short standard label, and counts open incidents', () => {
    // All sites together is green (93.1 %) while harbour is red: the status bar must say harbour.
    const today = [named('calls', 931, 1000), named('visits', 95, 100)];
    const groups = { calls: [['airport', 900, 900], ['harbour', 31, 100]] as Array<[string, number, number]>, visits: [['harbour', 95, 100]] as Array<[string, number, number]> };
    const quiet = view(today, groups);
    expect(quiet).toMatchObject({ text: '$(error) harbour: Calls ≤ 2 rings 31.0 %', band: 'red', site: 'harbour', standardId: 'calls' });
    const alerting = view(today, groups, [incident('calls', 'harbour', 'red'), incident('visits', 'airport', 'red'), incident('visits', 'north', 'amber')]);
    expect(alerting.text).toBe('$(error) 2 red · 1 amber · harbour: Calls ≤ 2 rings 31.0 %');
    expect(alerting.counts).toMatchObject({ open: 3, red: 2, amber: 1, unacknowledgedRed: 2 });
    expect(alerting.tooltip).toContain('Open incidents: 2 red · 1 amber');
    expect(alerting.tooltip).toContain('| $(error) | harbour | Calls ≤ 2 rings | 31.0 % | 90 % | red incident |');
  });

  it('names the site as the dashboard does: its display name, or its id when it has none; `site` stays the id', () => {
    const today = [named('calls', 931, 1000), named('visits', 95, 100)];
    const groups = { calls: [['airport', 900, 900], ['harbour', 31, 100]] as Array<[string, number, number]>, visits: [['north', 80, 100]] as Array<[string, number, number]> };
    const sites = [allSitesFromLive(today, standards), ...sitesFromGroupedReport(groupedReport(groups), standards)];
    const siteNames = new Map([['harbour', 'Harbour Street'], ['airport', 'Airport']]);
    const shown = statusView({ state: 'connected', serverUrl: 'http://x', items: worstItems(sites, [], standards, siteNames), siteNames });
    expect(shown).toMatchObject({ text: '$(error) Harbour Street: Calls ≤ 2 rings 31.0 %', site: 'harbour', siteLabel: 'Harbour Street' });
    expect(shown.tooltip).toContain('| $(error) | Harbour Street | Calls ≤ 2 rings | 31.0 % | 90 % |  |');
    // north has no display name: its id, as the dashboard shows it.
    expect(shown.tooltip).toContain('| $(error) | north | Visits ≤ 30 s | 80.0 % | 90 % |  |');
  });

  it('shortens a long site name in its text, keeping the standard and figure in view; the tooltip and spoken label keep it whole', () => {
    const today = [named('calls', 931, 1000)];
    const groups = { calls: [['hosp-44', 31, 100], ['airport', 900, 900]] as Array<[string, number, number]> };
    const sites = [allSitesFromLive(today, standards), ...sitesFromGroupedReport(groupedReport(groups), standards)];
    const long = 'Besançon — Recepção Principal do Hospital Universitário 44';
    const siteNames = new Map([['hosp-44', long]]);
    const shown = statusView({ state: 'connected', serverUrl: 'http://x', items: worstItems(sites, [], standards, siteNames), siteNames });
    // Its start and its end (where names of one estate differ), the standard and its figure whole.
    expect(shown.text).toBe('$(error) Besançon — Recep…niversitário 44: Calls ≤ 2 rings 31.0 %');
    expect(Array.from(shortSiteName(long))).toHaveLength(STATUS_SITE_CHARS);
    expect(shown).toMatchObject({ site: 'hosp-44', siteLabel: long });
    expect(shown.tooltip).toContain(`| $(error) | ${long} | Calls ≤ 2 rings | 31.0 % | 90 % |  |`);
    expect(shown.ariaLabel).toContain(`${long}: Calls ≤ 2 rings 31.0 %`);
    // A name that fits stays whole; an astral character is never cut in half.
    expect(shortSiteName('Harbour Street')).toBe('Harbour Street');
    const astral = shortSiteName('𝔸'.repeat(40));
    expect(astral).toBe(`${'𝔸'.repeat(16)}…${'𝔸'.repeat(15)}`);
  });

  it('names, of equally bad sites, the first in the dashboard’s order (by the name shown: "Site 2" before "Site 10")', () => {
    const today = [named('calls', 80, 300)];
    const groups = { calls: [['Site 10', 30, 100], ['Site 9', 30, 100], ['Site 2', 30, 100]] as Array<[string, number, number]> };
    const sites = [allSitesFromLive(today, standards), ...sitesFromGroupedReport(groupedReport(groups), standards)];
    expect(worstItems(sites, [], standards, new Map()).map((i) => i.site)).toEqual(['Site 2', 'Site 9', 'Site 10']);
    expect(view(today, groups).text).toBe('$(error) Site 2: Calls ≤ 2 rings 30.0 %');
    const renamed = new Map([['Site 2', 'Zone 2'], ['Site 9', 'Zone 10'], ['Site 10', 'Zone 1']]);
    expect(worstItems(sites, [], standards, renamed).map((i) => i.site)).toEqual(['Site 10', 'Site 2', 'Site 9']);
  });

  it('ranks an open red incident above an amber figure, and falls back to all sites when no site counted', () => {
    const today = [named('calls', 87, 100)];
    const amberOnly = view(today, { calls: [['north', 87, 100]] });
    expect(amberOnly.text).toBe('$(warning) north: Calls ≤ 2 rings 87.0 %');
    const redAlert = view(today, { calls: [['north', 87, 100], ['south', 95, 100]] }, [incident('calls', 'south', 'red')]);
    expect(redAlert.text).toBe('$(error) 1 red · south: Calls ≤ 2 rings 95.0 %');
    expect(view(today, {}).text).toBe('$(warning) All sites: Calls ≤ 2 rings 87.0 %');
    expect(view([named('calls', 0, 0)], {}).text).toBe('$(pulse) Ringside —');
  });

  it('says what is wrong in plain words when not connected, and asks for a key when refused', () => {
    expect(statusView({ state: 'connecting', serverUrl: 'http://x' }).text).toBe('$(sync~spin) Ringside connecting…');
    const unreachable = extensionProblem('http://127.0.0.1:4870', 'xhr poll error');
    const offline = statusView({ state: 'disconnected', serverUrl: 'http://127.0.0.1:4870', problem: unreachable });
    expect(offline.text).toBe('$(debug-disconnect) Ringside offline');
    expect(unreachable.text).toBe('Cannot reach the Ringside server at http://127.0.0.1:4870: is it running? Start the local server or check ringside.serverUrl.');
    expect(offline.tooltip).not.toContain('xhr');
    // A team server: starting one here would not bring it back.
    const team = extensionProblem('https://ops.example/ringside', 'xhr poll error');
    expect(team.text).toBe('Cannot reach the Ringside server at https://ops.example/ringside: is it running? Check that it runs and that ringside.serverUrl and the network (VPN, proxy) lead to it.');
    expect(extensionProblem('https://ops.example', 'something odd').text).not.toContain('local server');
    expect(extensionProblem('http://localhost:4870', 'something odd').text).toContain('start the local server');
    const refused = statusView({ state: 'disconnected', serverUrl: 'http://x', problem: extensionProblem('http://x', 'unauthorized: an API key with scope "read" is required (auth: { token })') });
    expect(refused.text).toBe('$(key) Ringside: API key needed');
    expect(refused.tooltip).toContain('Set API Key');
    expect(refused.tooltip).not.toContain('auth');
  });

  it('gives screen readers plain words: no codicons, Markdown escapes or table pipes in the spoken label', () => {
    const url = 'http://127.0.0.1:4870';
    const offline = statusView({ state: 'disconnected', serverUrl: url, problem: extensionProblem(url, 'xhr poll error') });
    expect(offline.ariaLabel).toBe('Ringside offline. Cannot reach the Ringside server at http://127.0.0.1:4870: is it running? Start the local server or check ringside.serverUrl.');
    const refused = statusView({ state: 'disconnected', serverUrl: url, problem: extensionProblem(url, 'unauthorized: the API key is revoked') });
    expect(refused.ariaLabel).toBe('Ringside: API key refused. The Ringside server at http://127.0.0.1:4870 refused the API key (it is revoked). Run "Ringside: Set API Key" with a valid key.');
    const today = [named('calls', 87, 100)];
    const connected = view(today, { calls: [['north', 87, 100]] }, [incident('calls', 'north', 'red')]);
    expect(connected.ariaLabel).toMatch(/^Ringside: red, 1 red · north: Calls ≤ 2 rings 87\.0 %\. Open incidents: 1 red\. Open cases: none breached\. Click for the worst sites and standards\.$/);
    for (const label of [offline.ariaLabel, refused.ariaLabel, connected.ariaLabel]) expect(label).not.toMatch(/\\|\$\(|\|/);
  });

  it('tells a key refused (mistyped, revoked) or without "read" apart from a key missing, in the status bar and the Sites view', () => {
    const url = 'http://127.0.0.1:4870';
    const statusFor = (raw: string) => statusView({ state: 'disconnected', serverUrl: url, problem: extensionProblem(url, raw) });
    const missing = 'unauthorized: an API key with scope "read" is required (auth: { token })';
    expect(statusFor(missing).text).toBe('$(key) Ringside: API key needed');
    expect(shortProblem(extensionProblem(url, missing).kind, url)).toBe('127.0.0.1:4870 needs an API key');
    for (const raw of ['unauthorized: the API key is not recognised', 'unauthorized: the API key is revoked']) {
      expect(statusFor(raw).text).toBe('$(key) Ringside: API key refused');
      expect(shortProblem(extensionProblem(url, raw).kind, url)).toBe('127.0.0.1:4870 refused the API key');
    }
    const forbidden = 'forbidden: this key may not read';
    expect(statusFor(forbidden).text).toBe('$(key) Ringside: API key refused');
    expect(shortProblem(extensionProblem(url, forbidden).kind, url)).toBe('the API key may not read 127.0.0.1:4870');
    expect(shortProblem(extensionProblem(url, 'xhr poll error').kind, url)).toBe('cannot reach 127.0.0.1:4870');
  });

  /** The Sites view's welcome content VS Code shows for these context keys (package.json viewsWelcome `when`: terms joined by &&). */
  const sitesWelcome = (context: Record<string, string | boolean>): string[] => {
    const manifest = JSON.parse(readFileSync(new URL('../../extension/package.json', import.meta.url), 'utf8')) as { contributes: { viewsWelcome: Array<{ view: string; when?: string; contents: string }> } };
    const holds = (term: string): boolean => {
      const t = term.trim();
      const compared = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(t);
      if (compared) return (String(context[compared[1]!] ?? '') === compared[3]) === (compared[2] === '==');
      return t.startsWith('!') ? !context[t.slice(1)] : Boolean(context[t]);
    };
    return manifest.contributes.viewsWelcome.filter((w) => w.view === 'ringside.sites' && (w.when ?? '').split('&&').every(holds)).map((w) => w.contents);
  };

  it('after a key the server refused, the Sites view says it was refused (the server\'s reason in its heading), not that a key is needed', () => {
    const url = 'http://127.0.0.1:4870';
    const shownFor = (raw: string) => {
      const problem = extensionProblem(url, raw);
      const keyProblem = keyProblemOf('disconnected', problem);
      return { keyProblem, welcome: sitesWelcome({ 'ringside.connection': 'disconnected', 'ringside.needsKey': keyProblem !== '', 'ringside.keyProblem': keyProblem }), heading: sitesViewDescription('disconnected', url, problem, undefined, Date.now()) };
    };
    const refused = shownFor('unauthorized: the API key is not recognised');
    expect(refused.keyProblem).toBe('key-refused');
    expect(refused.heading).toBe('127.0.0.1:4870 refused the API key (it is not recognised)');
    expect(refused.welcome).toHaveLength(1);
    expect(refused.welcome[0]).toMatch(/^The server refused the API key: it does not recognise it \(mistyped\?\), or the key has expired or been revoked\./);
    expect(refused.welcome[0]).toContain('[Set API Key](command:ringside.setApiKey)');
    expect(refused.welcome[0]).not.toContain('needs an API key');
    expect(shownFor('unauthorized: the API key has expired').heading).toBe('127.0.0.1:4870 refused the API key (it is expired)');
    const forbidden = shownFor('forbidden: the live feed needs a key with scope "read"');
    expect(forbidden.welcome).toHaveLength(1);
    expect(forbidden.welcome[0]).toMatch(/^The server recognised the API key, but the key lacks scope "read"/);
    const missing = shownFor('unauthorized: an API key with scope "read" is required (auth: { token })');
    expect(missing.welcome).toHaveLength(1);
    expect(missing.welcome[0]).toMatch(/^The server needs an API key with scope "read"\./);
    // Not a key problem: the first-run welcome, and no key problem while connecting.
    const offline = shownFor('xhr poll error');
    expect(offline.keyProblem).toBe('');
    expect(offline.welcome[0]).toMatch(/^No Ringside server is connected\./);
    expect(keyProblemOf('connecting', extensionProblem(url, 'unauthorized: the API key is revoked'))).toBe('');
  });

  it('"Set API Key" with a key the server refuses: one error naming why, with a "Set API Key" button; a good key: none', async () => {
    const dataDir = tempDataDir();
    const server = await startTestServer({ dataDir });
    const connection = new RingsideConnection();
    const shown: Array<{ text: string; actions: string[] }> = [];
    const executed: string[] = [];
    const deps = {
      connection,
      showError: (text: string, ...actions: string[]) => (shown.push({ text, actions }), Promise.resolve('Set API Key')),
      execute: (command: string) => (executed.push(command), Promise.resolve()),
    };
    try {
      connection.connect(server.url, 'rs_mistyped-key-0000000000');
      // The key's change reconnects too (extension.ts): the same attempt, still one message.
      connection.connect(server.url, 'rs_mistyped-key-0000000000');
      await reportConnectOutcome(deps);
      expect(shown).toEqual([{ text: `Ringside: The Ringside server at ${server.url} refused the API key (it is not recognised). Run "Ringside: Set API Key" with a valid key.`, actions: ['Set API Key'] }]);
      expect(executed).toEqual(['ringside.setApiKey']);
      connection.connect(server.url, server.apiKey);
      await reportConnectOutcome(deps);
      expect(connection.state).toBe('connected');
      expect(shown).toHaveLength(1);
    } finally {
      connection.dispose();
      await server.close();
      removeDir(dataDir);
    }
  }, 30_000);

  it('offers "Start Local Server" after a failed connect only for the local server this extension started', async () => {
    const offered = async (url: string, error: string, ownLocalServer: boolean): Promise<string[]> => {
      const problem = extensionProblem(url, error, ownLocalServer);
      const shown: string[][] = [];
      const connection = { state: 'disconnected' as const, problem, onMessage: () => ({ dispose: () => undefined }) };
      await reportConnectOutcome({ connection, showError: (_text, ...actions) => (shown.push(actions), Promise.resolve(undefined)), execute: () => Promise.resolve() });
      return shown.flat();
    };
    // A team server that cannot be reached is not the local server's to fix: starting one would not bring it back.
    expect(await offered('https://ops.example/ringside', 'xhr poll error', false)).toEqual(['Connect to Another Server']);
    expect(await offered('http://127.0.0.1:4870', 'xhr poll error', false)).toEqual(['Connect to Another Server']);
    expect(await offered('http://127.0.0.1:4870', 'xhr poll error', true)).toEqual(['Start Local Server', 'Connect to Another Server']);
    expect(await offered('http://127.0.0.1:4870', 'unauthorized: the API key is revoked', true)).toEqual(['Set API Key']);
  });

  it('says an address without http:// is not one, rather than "not connected" as if the server were down', () => {
    const typed = '127.0.0.1:4870';
    const problem = extensionProblem(typed, 'not a valid http(s) URL');
    expect(problem.text).toBe('"127.0.0.1:4870" is not an http:// or https:// address. Check ringside.serverUrl.');
    expect(sitesViewDescription('disconnected', typed, problem, undefined, Date.now())).toBe('"127.0.0.1:4870" is not an http(s) address');
  });
});

/** Settles when `condition` holds: at once, or after the event that makes it so. */
const when = <T>(event: (listener: (value: T) => void) => { dispose(): void }, condition: () => boolean) =>
  new Promise<void>((resolve) => {
    if (condition()) return resolve();
    const subscription = event(() => {
      if (!condition()) return;
      subscription.dispose();
      resolve();
    });
  });

describe('reconnecting after a loss (a team server restarting) is not offline', () => {
  const team = 'https://ops.example/ringside';
  const local = 'http://127.0.0.1:4870';
  const since = new Date(2026, 11, 6, 14, 5, 12).getTime();
  const reconnecting = { since, figuresAt: new Date(2026, 11, 6, 14, 4, 30).toISOString() };
  /** The moment the texts are for: the same local day as `since`, whatever day the test runs. */
  const now = new Date(2026, 11, 6, 14, 6).getTime();

  it('the status bar says reconnecting, since when and as of when, with the last incidents; the local-server advice only for the local server the extension started', () => {
    const lost = extensionProblem(team, 'transport close');
    const counts = countIncidents(openIncidentsOf([incident('calls', 'harbour', 'red')]));
    const view = statusView({ state: 'connecting', serverUrl: team, problem: lost, reconnecting, counts, now });
    expect(view).toMatchObject({ text: '$(sync~spin) Ringside reconnecting…', band: null, counts: { red: 1 } });
    expect(view.ariaLabel).toBe('Ringside reconnecting since 14:05. Lost the connection to the Ringside server at https://ops.example/ringside; reconnecting… Showing figures as of 14:04. Open incidents then: 1 red.');
    expect(view.tooltip).toContain('**Ringside** — reconnecting since 14:05');
    expect(view.tooltip).toContain('Showing figures as of 14:04');
    for (const text of [view.tooltip, view.ariaLabel]) expect(text).not.toMatch(/offline|local server/i);
    const localView = statusView({ state: 'connecting', serverUrl: local, problem: extensionProblem(local, 'transport close', true), reconnecting, now });
    expect(localView.text).toBe('$(sync~spin) Ringside reconnecting…');
    expect(localView.ariaLabel).toContain('If the local server stopped, run "Ringside: Start Local Server".');
    // A server on this machine that the extension did not start (`pnpm start` in a terminal): Start Local Server
    // would start another one, so it is not offered.
    const terminal = statusView({ state: 'connecting', serverUrl: local, problem: extensionProblem(local, 'transport close', false), reconnecting, now });
    expect(terminal.ariaLabel).not.toMatch(/local server/i);
    // Never connected (or given up): offline, with the first-run advice; for a team server, not the local server's.
    const never = statusView({ state: 'disconnected', serverUrl: team, problem: extensionProblem(team, 'xhr poll error') });
    expect(never.text).toBe('$(debug-disconnect) Ringside offline');
    expect(never.ariaLabel).toContain('Check that it runs and that ringside.serverUrl and the network (VPN, proxy) lead to it.');
    expect(statusView({ state: 'disconnected', serverUrl: local, problem: extensionProblem(local, 'xhr poll error') }).ariaLabel).toContain('Start the local server or check ringside.serverUrl.');
  });

  it('the Sites view says to where it is reconnecting and how old its figures are; otherwise the short problem', () => {
    expect(sitesViewDescription('connecting', team, extensionProblem(team, 'transport close'), reconnecting, now)).toBe('reconnecting to ops.example/ringside… figures as of 14:04');
    expect(sitesViewDescription('connecting', team, undefined, undefined, now)).toBe('connecting…');
    expect(sitesViewDescription('disconnected', team, extensionProblem(team, 'xhr poll error'), undefined, now)).toBe('cannot reach ops.example/ringside');
    expect(sitesViewDescription('connected', team, undefined, undefined, now)).toBeUndefined();
  });

  it('figures kept from another day (an overnight outage, a laptop asleep) name their day, as the dashboard does', () => {
    const overnight = { since: new Date(2026, 11, 5, 23, 50).getTime(), figuresAt: new Date(2026, 11, 5, 17, 59, 30).toISOString() };
    expect(clockTime(overnight.figuresAt, now)).toBe('5 Dec 17:59');
    expect(clockTime(reconnecting.figuresAt, now)).toBe('14:04');
    expect(sitesViewDescription('connecting', team, undefined, overnight, now)).toBe('reconnecting to ops.example/ringside… figures as of 5 Dec 17:59');
    const view = statusView({ state: 'connecting', serverUrl: team, problem: extensionProblem(team, 'transport close'), reconnecting: overnight, now });
    expect(view.ariaLabel).toMatch(/^Ringside reconnecting since 5 Dec 23:50\. .* Showing figures as of 5 Dec 17:59\.$/);
    expect(alertsViewDescription(2, overnight, now)).toBe('2 open as of 5 Dec 17:59 (reconnecting)');
    // Just after midnight the same figures gain their day.
    expect(sitesViewDescription('connecting', team, undefined, reconnecting, new Date(2026, 11, 7, 0, 1).getTime())).toBe('reconnecting to ops.example/ringside… figures as of 6 Dec 14:04');
  });

  it('the worst-items quick pick dates the kept figures: "as of 14:04 (reconnecting)", each figure "then", not "today"', () => {
    const harbour = incident('calls', 'harbour', 'red');
    const items: WorstItem[] = [{
      site: 'harbour', standardId: 'calls', label: 'Calls ≤ 2 rings', standardName: 'Calls answered within 2 rings', incident: harbour, rank: 2,
      figure: { standardId: 'calls', standardName: 'Calls answered within 2 rings', label: 'Calls ≤ 2 rings', site: 'harbour', ratio: 0.73, numerator: 73, denominator: 100, target: 0.9, band: 'red' },
    }];
    const names = new Map([['harbour', 'Harbour']]);
    const live = worstPickView(items, names, 'connected', undefined, now);
    expect(live.title).toBe('Ringside: worst sites and standards now');
    expect(live.items).toEqual([{ label: '$(error) Harbour · Calls ≤ 2 rings', description: '73.0 % today (73/100), target 90 %', detail: `Red incident: ${harbour.summary}`, selection: { site: 'harbour', standard: 'calls' } }]);
    const kept = worstPickView(items, names, 'connecting', reconnecting, now);
    expect(kept.title).toBe('Ringside: worst sites and standards as of 14:04 (reconnecting)');
    expect(kept.items[0]!.description).toBe('73.0 % then (73/100), target 90 %');
    expect(worstPickView(items, names, 'connecting', { since, figuresAt: undefined }, now).title).toBe('Ringside: worst sites and standards (reconnecting)');
  });

  it('the Alerts view says its incidents are as of when while reconnecting, and Acknowledge is not sent then', () => {
    expect(alertsViewDescription(3, undefined, now)).toBe('3 open');
    expect(alertsViewDescription(3, reconnecting, now)).toBe('3 open as of 14:04 (reconnecting)');
    expect(alertsViewDescription(0, reconnecting, now)).toBeUndefined();
    expect(cannotAcknowledge(team, undefined, now)).toBeUndefined();
    expect(cannotAcknowledge(team, reconnecting, now)).toBe(
      'Ringside: cannot acknowledge while reconnecting to ops.example/ringside; try again once it is back. The alerts shown are as of 14:04.',
    );
  });

  it('a real server stopped and started again: the connection retries as "reconnecting", the Sites view keeps its figures, then live again', async () => {
    const dataDir = tempDataDir();
    let server: TestServer | undefined = await startTestServer({ dataDir });
    const connection = new RingsideConnection();
    const sites = new SiteFiguresSource(connection);
    try {
      expect((await server.postEvents({ events: [call({ site: 'harbour' }), call({ site: 'harbour', rings: 5 })] })).status).toBe(201);
      connection.connect(server.url, server.apiKey);
      await when(sites.onDidChange, () => sites.current.some((row) => row.site === 'harbour'));
      const shown = sites.current;
      const { port, url } = server;
      // The first retry that fails (nothing listens): socket.io-client's manager reports it after the socket's
      // connect_error, which used to turn the connection "offline".
      const socket = (connection as unknown as { socket: Socket }).socket;
      const retryFailed = new Promise((resolve) => socket.io.once('reconnect_error', resolve));
      await server.close();
      server = undefined;
      await retryFailed;
      expect(connection.state).toBe('connecting');
      expect(connection.problem?.kind).toBe('lost');
      // A server on 127.0.0.1 that the extension did not start: no "Start Local Server" advice.
      expect(connection.problem?.text).not.toMatch(/local server/i);
      expect(connection.reconnecting?.figuresAt).toBe(connection.snapshot!.serverTime);
      expect(sites.current).toEqual(shown);
      const at = Date.now();
      expect(sitesViewDescription(connection.state, connection.serverUrl, connection.problem, connection.reconnecting, at)).toBe(
        `reconnecting to 127.0.0.1:${port}… figures as of ${clockTime(connection.snapshot!.serverTime, at)}`,
      );
      expect(cannotAcknowledge(connection.serverUrl, connection.reconnecting, at)).toMatch(/^Ringside: cannot acknowledge while reconnecting to 127\.0\.0\.1:/);
      const { problem, reconnecting: since } = connection;
      expect(statusView({ state: connection.state, serverUrl: url, problem, reconnecting: since }).text).toBe('$(sync~spin) Ringside reconnecting…');

      server = await startTestServer({ dataDir, port });
      await when(connection.onMessage, () => connection.state === 'connected');
      expect(connection.reconnecting).toBeUndefined();
      expect(cannotAcknowledge(connection.serverUrl, connection.reconnecting, Date.now())).toBeUndefined();
      await when(sites.onDidChange, () => sites.current.some((row) => row.site === 'harbour'));
    } finally {
      sites.dispose();
      connection.dispose();
      await server?.close();
      removeDir(dataDir);
    }
  }, 30_000);
});

describe('the status bar follows what can change it, not every message', () => {
  it('ranks the worst items again for figures and each batch of incidents, never for pushed events or for each incident of a catch-up; says it changed only when it did', async () => {
    const server = await startTestServer({ alerts: { intervalMs: 0, policy: { minSample: 1, burnRules: [], openAfterMs: 0, recoverAfterMs: 0, deescalateAfterMs: 0 } } });
    const connection = new RingsideConnection();
    const sites = new SiteFiguresSource(connection);
    // Around the model's own listener: how many rankings each message and each incident batch caused.
    const ref: { model?: StatusModel } = {};
    let before = 0;
    const perMessage: Array<{ type: string; ranked: number }> = [];
    const perBatch: Array<{ updates: number; ranked: number }> = [];
    const beforeMessage = connection.onMessage(() => (before = ref.model?.computeCount ?? 0));
    const beforeBatch = connection.onIncidents(() => (before = ref.model?.computeCount ?? 0));
    const model = (ref.model = new StatusModel(connection, sites));
    const afterMessage = connection.onMessage((message) => perMessage.push({ type: message.type, ranked: model.computeCount - before }));
    const afterBatch = connection.onIncidents((batch) => perBatch.push({ updates: batch.updates.length, ranked: model.computeCount - before }));
    const shown: string[] = [];
    const changes = model.onDidChange(() => shown.push(JSON.stringify(model.current)));
    const places = ['s1', 's2', 's3', 's4', 's5', 's6'];
    try {
      connection.connect(server.url, server.apiKey);
      await when(connection.onMessage, () => connection.state === 'connected' && connection.snapshot !== undefined);
      for (const site of places) expect((await server.postEvents({ events: [call({ site, rings: 1 })] })).status).toBe(201);
      await when(sites.onDidChange, () => sites.current.filter((row) => row.site !== null).length === places.length);
      // The sites in the order shown are sorted once per fetch, not on every read (the tree reads them per row).
      expect(sites.perSite).toBe(sites.perSite);
      await when(connection.onMessage, () => perMessage.filter((m) => m.type === 'judged').length >= places.length);
      // Away while every site misses and an incident opens at each: the catch-up brings them in one batch.
      connection.disconnect();
      for (const site of places) expect((await server.postEvents({ events: [call({ site, rings: 6 }), call({ site, rings: 6 })] })).status).toBe(201);
      await server.testApi.evaluateAlerts();
      const opened = (await server.getJson('/api/v1/incidents?state=open')).body as { incidents: Incident[] };
      expect(opened.incidents.map((i) => i.site).sort()).toEqual(places);
      connection.connect(server.url, server.apiKey);
      await when(connection.onIncidents, () => perBatch.some((b) => b.updates >= places.length));
      await when(model.onDidChange, () => model.current.counts.open === places.length);

      expect(perMessage.filter((m) => m.type === 'judged').length).toBeGreaterThanOrEqual(places.length);
      expect(perMessage.filter((m) => m.type === 'judged' || m.type === 'incident').every((m) => m.ranked === 0)).toBe(true);
      expect(perMessage.filter((m) => m.type === 'compliance').every((m) => m.ranked === 1)).toBe(true);
      const catchUp = perBatch.find((b) => b.updates >= places.length)!;
      expect(catchUp.ranked).toBe(1);
      expect(model.current.text).toMatch(/^\$\(error\) 6 red · s\d: Calls ≤ 2 rings 33\.3 %$/);
      // Told of a change only when there was one: no two notices in a row show the same thing.
      expect(shown.length).toBeGreaterThan(1);
      expect(shown.filter((view, i) => i > 0 && view === shown[i - 1])).toEqual([]);
    } finally {
      changes.dispose();
      for (const s of [beforeMessage, beforeBatch, afterMessage, afterBatch]) s.dispose();
      model.dispose();
      sites.dispose();
      connection.dispose();
      await server.close();
      removeDir(server.dataDir);
    }
  }, 30_000);
});

describe('a lost local server: "Start Local Server" only for the one the extension runs', () => {
  it('knows the address of the server it found in its data folder after that server stops; a server started elsewhere is not its own', async () => {
    const ownDir = tempDataDir();
    const otherDir = tempDataDir();
    let own: TestServer | undefined = await startTestServer({ dataDir: ownDir });
    const other = await startTestServer({ dataDir: otherDir });
    const localServer = new LocalServer();
    const connection = new RingsideConnection((url) => localServer.ran(url));
    try {
      expect((await localServer.adopt(ownDir))?.url).toBe(own.url);
      expect([localServer.ran(own.url), localServer.ran(`${own.url}/`), localServer.ran(other.url)]).toEqual([true, true, false]);
      connection.connect(own.url, own.apiKey);
      await new Promise<void>((resolve) => {
        const subscription = connection.onMessage(() => connection.state === 'connected' && (subscription.dispose(), resolve()));
      });
      const socket = (connection as unknown as { socket: Socket }).socket;
      const retryFailed = new Promise((resolve) => socket.io.once('reconnect_error', resolve));
      const ownUrl = own.url;
      await own.close();
      own = undefined;
      await retryFailed;
      expect(connection.problem?.kind).toBe('lost');
      expect(connection.problem?.text).toContain('If the local server stopped, run "Ringside: Start Local Server".');
      expect(localServer.ran(ownUrl)).toBe(true);
    } finally {
      connection.dispose();
      await own?.close();
      await other.close();
      removeDir(ownDir);
      removeDir(otherDir);
    }
  }, 30_000);
});

describe('incident notifications (quiet period per standard, site and level, escalations, mute, summary)', () => {
  const on = { enabled: true, minSeverity: 'amber' as const, quietMs: 5 * 60_000 };

  it('notifies an escalation (amber, then red 4 s later at the same site) at once: the same incident, escalated', () => {
    const gate = new IncidentGate();
    const airport = incident('visits', 'airport', 'amber');
    expect(gate.decide([change(airport)], 0, on)).toMatchObject([{ kind: 'incident', level: 'amber', urgent: false, incident: { id: airport.id } }]);
    const escalated = gate.decide([change(airport, 'escalated', { severity: 'red' })], 4_000, on);
    expect(escalated).toMatchObject([{ kind: 'incident', level: 'red', urgent: true, incident: { id: airport.id }, covers: [{ id: airport.id }] }]);
    expect(escalated[0]!.text).toBe(`Ringside Red, now worse: ${airport.summary}`);
    // A de-escalation and a recovery notify nobody.
    expect(gate.decide([change(airport, 'de-escalated', { severity: 'amber' })], 5_000, on)).toEqual([]);
    expect(gate.decide([change(airport, 'recovered', { state: 'recovered' })], 6_000, on)).toEqual([]);
  });

  it('keeps sites apart: one site’s notification does not silence another’s', () => {
    const gate = new IncidentGate();
    expect(gate.decide([change(incident('calls', 'north'))], 0, on)).toHaveLength(1);
    expect(gate.decide([change(incident('calls', 'south'))], 1_000, on)).toHaveLength(1);
    expect(gate.decide([change(incident('visits', 'north'))], 2_000, on)).toHaveLength(1);
  });

  it('stands for exactly the incidents it names: one held back in the quiet period is covered by the next one there', () => {
    const gate = new IncidentGate();
    const first = incident('calls', 'north', 'amber');
    expect(gate.decide([change(first)], 0, on)).toMatchObject([{ covers: [{ id: first.id }] }]);
    // It recovered and a new incident opened at the same place, still amber, within the quiet period: held back.
    gate.decide([change(first, 'recovered', { state: 'recovered' })], 30_000, on);
    const again = incident('calls', 'north', 'amber');
    expect(gate.decide([change(again)], 60_000, on)).toEqual([]);
    const third = incident('calls', 'north', 'amber');
    gate.decide([change(third)], 70_000, on);
    const [next] = gate.decide([change(third, 'escalated', { severity: 'red' })], 120_000, on);
    expect(next?.kind).toBe('incident');
    expect(next!.covers.map((i) => i.id).sort()).toEqual([again.id, third.id].sort());
    expect(next!.text).toBe(`Ringside Red, now worse: ${third.summary} (+1 earlier incident there)`);
  });

  it('ignores repeats of the same change (a replay overlapping the live feed), acknowledged and recovered incidents', () => {
    const gate = new IncidentGate();
    const opened = change(incident('calls', 'x'));
    expect(gate.decide([opened], 0, { ...on, quietMs: 0 })).toHaveLength(1);
    expect(gate.decide([opened], 1, { ...on, quietMs: 0 })).toEqual([]);
    expect(gate.decide([change(incident('calls', 'y'), 'opened', { acknowledgedAt: 'x', acknowledgedSeverity: 'red' })], 2, { ...on, quietMs: 0 })).toEqual([]);
    expect(gate.decide([change(incident('calls', 'z'), 'opened', { state: 'recovered' })], 3, { ...on, quietMs: 0 })).toEqual([]);
  });

  it('can be muted, or limited to red incidents', () => {
    expect(new IncidentGate().decide([change(incident('calls', 'a'))], 0, { ...on, enabled: false })).toEqual([]);
    const urgentOnly = { ...on, minSeverity: 'red' as const };
    expect(new IncidentGate().decide([change(incident('calls', 'a', 'amber'))], 0, urgentOnly)).toEqual([]);
    expect(new IncidentGate().decide([change(incident('calls', 'a', 'red'))], 0, urgentOnly)).toHaveLength(1);
  });

  it('sums up a burst at many places (e.g. a catch-up) in one notification covering all of them', () => {
    const burst = ['a', 'b', 'c', 'd', 'e'].map((s) => change(incident('calls', s, 'amber')));
    const shown = new IncidentGate().decide(burst, 0, on);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ kind: 'summary', urgent: false, text: 'Ringside: 5 incidents need attention (5 amber) at a, b, c and 2 more' });
    expect(shown[0]!.covers).toHaveLength(5);
  });
});

describe('sites tree model', () => {
  const standards = [{ id: 'calls', name: 'Calls answered within 2 rings', eventType: 'call', measure: 'rings', operator: '<=', threshold: 2, target: 0.9, bands: { green: 0.9, amber: 0.8 } }] as unknown as Standard[];
  const report = {
    from: 'f', to: 't', site: null, bucket: null, groupBy: 'site',
    standards: [{
      ...figure('calls', 15, 20), standardName: 'Calls answered within 2 rings',
      groups: [
        { key: 'south', numerator: 6, denominator: 10, ratio: 0.6, companions: {} },
        { key: 'north', numerator: 9, denominator: 10, ratio: 0.9, companions: {} },
        { key: 'empty', numerator: 0, denominator: 0, ratio: null, companions: {} },
      ],
    }],
  } as unknown as ComplianceReport;

  it('lists sites alphabetically with their figures, bands (the standard’s own) and short labels', () => {
    const sites = sitesFromGroupedReport(report, standards);
    expect(sites.map((s) => s.site)).toEqual(['north', 'south']);
    expect(sites[0]).toMatchObject({ band: 'green' });
    expect(sites[1]).toMatchObject({ band: 'red', standards: [{ numerator: 6, denominator: 10, label: 'Calls ≤ 2 rings', standardName: 'Calls answered within 2 rings' }] });
    expect(figureText(sites[1]!.standards[0]!)).toBe('60.0 % (6/10)');
    expect(figureText({ ratio: null, numerator: 0, denominator: 0 })).toBe('— (nothing counted)');
  });

  it('names each site by its display name (its id when it has none) and lists them by the name shown', () => {
    const names = new Map([['south', 'Anchor Bay'], ['north', ' ']]);
    expect(siteRowName(null, names)).toBe('All sites');
    expect(siteRowName('south', names)).toBe('Anchor Bay');
    expect(siteRowName('north', names)).toBe('north');
    const sites = sitesFromGroupedReport(report, standards);
    expect(orderByName(sites, names).map((s) => s.site)).toEqual(['south', 'north']);
    expect(orderByName(sites, new Map()).map((s) => s.site)).toEqual(['north', 'south']);
  });

  it('lists sites in the dashboard’s order (compareText: "Site 2" before "Site 10"), by the name shown, then by id', () => {
    const numbered = {
      ...report,
      standards: [{ ...report.standards[0]!, groups: ['Site 10', 'Site 9', 'Site 2', 'Site 1', 'b2', 'b10'].map((key) => ({ key, numerator: 9, denominator: 10, ratio: 0.9, companions: {} })) }],
    } as unknown as ComplianceReport;
    const sites = sitesFromGroupedReport(numbered, standards);
    expect(sites.map((s) => s.site)).toEqual(['b2', 'b10', 'Site 1', 'Site 2', 'Site 9', 'Site 10']);
    // By the display name: "Depot 2" (id b10) before "Depot 10" (id b2); two sites of one name by id.
    const names = new Map([['b2', 'Depot 10'], ['b10', 'Depot 2'], ['Site 1', 'Site 10'], ['Site 10', 'Site 10']]);
    expect(orderByName(sites, names).map((s) => s.site)).toEqual(['b10', 'b2', 'Site 2', 'Site 9', 'Site 1', 'Site 10']);
    expect(orderByName([...sites].reverse(), new Map()).map((s) => s.site)).toEqual(sites.map((s) => s.site));
  });

  it('escapes the names in its Markdown tooltips, so *, [ and < show as typed, not as bold, a link or HTML', () => {
    const name = '*Harbour* [north](https://evil.example) <img src=x>';
    const south = sitesFromGroupedReport(report, standards).find((s) => s.site === 'south')!;
    const marked = { ...south, standards: south.standards.map((f) => ({ ...f, standardName: 'Calls *fast* <b>' })) };
    const site = siteTooltipMarkdown('south', siteRowName('south', new Map([['south', name]])), marked, '');
    expect(site.split('\n')[0]).toBe('**\\*Harbour\\* \\[north\\]\\(https://evil\\.example\\) \\<img src=x\\>** — today');
    expect(site).toContain('- Calls \\*fast\\* \\<b\\>: 60.0 % (6/10), target 90 %');
    const row = standardTooltipMarkdown('south', name, marked.standards[0]!);
    expect(row.split('\n')[0]).toBe('**Calls \\*fast\\* \\<b\\>** at \\*Harbour\\* \\[north\\]\\(https://evil\\.example\\) \\<img src=x\\> — today');
    // A name with nothing to escape reads as before.
    expect(siteTooltipMarkdown(null, 'All sites', south, '2 open').split('\n')).toEqual(['**All sites** — today', '', '- Calls answered within 2 rings: 60.0 % (6/10), target 90 %', '', 'Open now: 2 open']);
  });

  it('takes "All sites" from the live figures (what the dashboard’s tiles show)', () => {
    const all = allSitesFromLive([{ ...figure('calls', 15, 20), standardName: 'Calls answered within 2 rings' }], standards);
    expect(all).toMatchObject({ site: null, band: 'red', standards: [{ ratio: 0.75, numerator: 15, denominator: 20, label: 'Calls ≤ 2 rings' }] });
  });
});

describe('export periods and links', () => {
  it('spells out the days a period covers (the end day inclusive) and names files by them', () => {
    const now = new Date(2026, 11, 3, 10, 0);
    const month = rangeOf('this-month', now);
    expect(rangeDescription(month.from, month.to)).toBe('1–31 Dec 2026');
    expect(rangeSlug(month.from, month.to)).toBe('2026-12-01_to_2026-12-31');
    const last = rangeOf('last-month', now);
    expect(rangeDescription(last.from, last.to)).toBe('1–30 Nov 2026');
    const year = rangeOf('this-year', now);
    expect(rangeDescription(year.from, year.to)).toBe('1 Jan – 31 Dec 2026');
    expect(rangeDescription(new Date(2026, 11, 20).toISOString(), new Date(2027, 0, 5).toISOString())).toBe('20 Dec 2026 – 4 Jan 2027');
  });

  it('offers the sites by name in the Sites view’s order, not the server’s order of ids', () => {
    // GET /api/v1/sites lists by id: capitalised ids first, "Site 10" before "Site 2".
    const server = [{ id: 'Site 10', name: 'Site 10' }, { id: 'Site 2', name: 'Site 2' }, { id: 'airport', name: 'Airport' }, { id: 'harbour', name: 'Harbour' }, { id: 'x9', name: 'Depot' }, { id: 'x1', name: 'Depot' }];
    expect(siteChoices(server).map((c) => [c.label, c.description])).toEqual([
      ['Airport', 'airport'], ['Depot', 'x1'], ['Depot', 'x9'], ['Harbour', 'harbour'], ['Site 2', undefined], ['Site 10', undefined],
    ]);
  });

  it('puts the query back onto the external address, keeps the page’s folder, and the key after #', () => {
    const query = new URLSearchParams({ site: 'harbour', standard: 'calls' });
    expect(externalAddress('http://127.0.0.1:8080/proxy/4870', query, 'rs_k')).toBe('http://127.0.0.1:8080/proxy/4870/?site=harbour&standard=calls#token=rs_k');
    expect(externalAddress('http://127.0.0.1:8080/proxy/4870/', new URLSearchParams(), 'rs_k-_0')).toBe('http://127.0.0.1:8080/proxy/4870/#token=rs_k-_0');
    expect(externalAddress('https://h/ringside/?site=old', new URLSearchParams({ site: 'new' }))).toBe('https://h/ringside/?site=new');
  });

  it('finds a key that cannot export before asking where to save, and lets an audit key through', async () => {
    const dataDir = tempDataDir();
    const server = await startTestServer({ dataDir });
    try {
      const made = await fetch(`${server.url}/api/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.apiKey}` }, body: JSON.stringify({ name: 'wall', scopes: ['read'] }) });
      const readKey = ((await made.json()) as { key: string }).key;
      const request = { ...rangeOf('last-30'), tz: 'UTC', sites: [], standards: [] };
      for (const kind of [{ kind: 'compliance', format: 'csv' }, { kind: 'report', format: 'html' }] as const) {
        const url = apiUrl(server.url, exportPath({ ...request, ...kind }));
        expect(await exportKeyRefusal(url, readKey)).toBe(EXPORT_SCOPE_MISSING);
        expect(await exportKeyRefusal(url, 'rs_mistyped-key-0000000000')).toMatch(/refused this API key/);
        expect(await exportKeyRefusal(url, server.apiKey)).toBeNull();
      }
    } finally {
      await server.close();
      removeDir(dataDir);
    }
  });

  it('shows a report inside VS Code with its own styles only', () => {
    const html = withReportPolicy('<!doctype html><html><head><title>r</title></head><body></body></html>');
    expect(html).toContain(`<head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });
});

describe('small pieces', () => {
  it('finds the selection in the page’s saved state', () => {
    expect(selectionFromState({ selection: { site: 'north', standard: null, window: '7d' } })).toEqual({ site: 'north', standard: null, window: '7d' });
    expect(selectionFromState({ site: 'x' })).toEqual({ site: 'x' });
    expect(selectionFromState(undefined)).toBeUndefined();
    expect(selectionFromState({ other: 1 })).toBeUndefined();
  });

  it('keeps one API key per server (origin and path prefix)', () => {
    expect(secretName('http://127.0.0.1:4870/')).toBe('ringside.apiKey:http://127.0.0.1:4870');
    expect(secretName('https://ops.example/ringside/')).toBe('ringside.apiKey:https://ops.example/ringside');
    expect(validateApiKey('rs_abc')).toBeUndefined();
    expect(validateApiKey('a b')).toBeDefined();
  });

  it('builds API URLs under a reverse-proxy prefix', () => {
    expect(apiUrl('http://h:1', '/api/v1/compliance?groupBy=site').toString()).toBe('http://h:1/api/v1/compliance?groupBy=site');
    expect(apiUrl('https://ops.example/ringside', '/api/v1/alerts/3/ack').toString()).toBe('https://ops.example/ringside/api/v1/alerts/3/ack');
  });
});

describe('remembered snapshot', () => {
  it('puts judged events on top, newest first, and keeps a bounded list', () => {
    const start = snapshot([judged('old')]);
    expect(applyJudged(start, [judged('a'), judged('b')]).recent.map((j) => j.event.id)).toEqual(['b', 'a', 'old']);
    const many = Array.from({ length: RECENT_LIMIT + 5 }, (_, i) => judged(`e${i}`));
    expect(applyJudged(start, many).recent).toHaveLength(RECENT_LIMIT);
  });

  it('replaces today’s figures and updates the series point of the same minute, appending a new minute', () => {
    const start = snapshot([]);
    const sameMinute = applyCompliance(start, {
      serverTime: 't',
      today: [figure('call-answer-2-rings', 1, 2)],
      points: [{ standardId: 'call-answer-2-rings', point: { start: '2026-11-23T10:00:00Z', total: 2, met: 1, ratio: 0.5 } }],
    });
    expect(sameMinute.today[0]?.ratio).toBe(0.5);
    expect(sameMinute.series[0]?.points).toEqual([{ start: '2026-11-23T10:00:00Z', total: 2, met: 1, ratio: 0.5 }]);
    const nextMinute = applyCompliance(sameMinute, {
      serverTime: 't',
      today: [figure('call-answer-2-rings', 2, 3)],
      points: [{ standardId: 'call-answer-2-rings', point: { start: '2026-11-23T10:01:00Z', total: 1, met: 1, ratio: 1 } }],
    });
    expect(nextMinute.series[0]?.points.map((p) => p.start)).toEqual(['2026-11-23T10:00:00Z', '2026-11-23T10:01:00Z']);
  });

  it('replaces an older minute’s point where it is (a push for several batches, a back-dated event), as the dashboard does', () => {
    const minute = (m: number, total: number) => ({ start: `2026-11-23T10:${String(m).padStart(2, '0')}:00Z`, total, met: total, ratio: 1 });
    const pushed = (...points: Array<ReturnType<typeof minute>>) => ({ serverTime: 't', today: [], points: points.map((point) => ({ standardId: 'call-answer-2-rings', point })) });
    let state = applyCompliance(snapshot([]), pushed(minute(0, 1), minute(1, 1), minute(2, 1)));
    state = applyCompliance(state, pushed(minute(0, 4), minute(2, 3)));
    expect(state.series[0]?.points).toEqual([minute(0, 4), minute(1, 1), minute(2, 3)]);
    // A long-running host keeps the newest two hours, not every minute since it connected.
    for (let m = 3; m < 200; m += 1) state = applyCompliance(state, pushed({ ...minute(0, 1), start: new Date(Date.parse('2026-11-23T10:00:00Z') + m * 60_000).toISOString() }));
    expect(state.series[0]?.points).toHaveLength(LIVE_POINTS_KEPT);
  });
});

describe('socket address', () => {
  it('uses the default Socket.IO path at the root, and keeps a reverse-proxy prefix as a path, not a namespace', () => {
    expect(socketAddress('http://127.0.0.1:4870')).toEqual({ origin: 'http://127.0.0.1:4870', path: '/socket.io' });
    expect(socketAddress('https://ops.example/ringside/')).toEqual({ origin: 'https://ops.example', path: '/ringside/socket.io' });
    expect(() => socketAddress('ringside.local:4870')).toThrow();
  });
});
