// The extension host's pure parts (no VS Code needed): the webview's CSP, the status bar wording, and how
// live updates are folded into the remembered snapshot that a newly opened dashboard starts from.
import { describe, expect, it } from 'vitest';
import type { Alert, ComplianceFigure, ComplianceReport, JudgedEvent, Snapshot, Standard } from '../../server/src/protocol';
import { AlertGate } from '../../extension/src/alertNotifier';
import { selectionFromState } from '../../extension/src/selection';
import { apiUrl } from '../../extension/src/httpApi';
import { secretName, validateApiKey } from '../../extension/src/secrets';
import { figureText, sitesFromGroupedReport } from '../../extension/src/siteModel';
import { socketAddress } from '../../extension/src/connection';
import { applyCompliance, applyJudged, RECENT_LIMIT } from '../../extension/src/liveState';
import { shortLabel, statusView } from '../../extension/src/statusText';
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
    outcome: 'answered', rings: 1, answerSeconds: null, greetSeconds: null, queue: null, agent: null, derived: [],
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
});

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
  const withBand = (f: ComplianceFigure): ComplianceFigure => f;
  it('shows the worst standard (band first, then distance below target) with its icon and figure', () => {
    const calls = figure('call-answer-2-rings', 931, 1000);
    const visits = figure('visit-greet-30s', 80, 100);
    expect(statusView({ state: 'connected', serverUrl: 'u', today: [calls] }).text).toBe('$(pass-filled) call-answer-2-rings 93.1 %');
    const both = statusView({ state: 'connected', serverUrl: 'u', today: [calls, visits] });
    expect(both).toMatchObject({ text: '$(error) visit-greet-30s 80.0 %', band: 'red', standardId: 'visit-greet-30s' });
    // Amber (within 5 points below target) loses to red, whatever the margins.
    const amber = statusView({ state: 'connected', serverUrl: 'u', today: [figure('a', 87, 100), figure('b', 84, 100)] });
    expect(amber.text).toBe('$(error) b 84.0 %');
    expect(statusView({ state: 'connected', serverUrl: 'u', today: [figure('a', 87, 100), figure('b', 95, 100)] }).text).toBe('$(warning) a 87.0 %');
    // The server's own band wins over the computed one.
    expect(statusView({ state: 'connected', serverUrl: 'u', today: [withBand({ ...figure('a', 87, 100), band: 'green' })] }).band).toBe('green');
    expect(statusView({ state: 'connected', serverUrl: 'u', today: [figure('call-answer-2-rings', 0, 0)] }).text).toBe('$(pulse) Ringside —');
  });

  it('lists every standard in a Markdown tooltip', () => {
    const view = statusView({ state: 'connected', serverUrl: 'http://x', today: [figure('a', 931, 1000), figure('b', 0, 0)], activeAlerts: 2 });
    expect(view.tooltip).toContain('| $(pass-filled) | a | 93.1 % | 931/1000 | 90.0 % |');
    expect(view.tooltip).toContain('| $(circle-outline) | b | — | 0/0 | 90.0 % |');
    expect(view.tooltip).toContain('2 alerts firing');
  });

  it('names the connection state when not connected, and asks for a key when refused', () => {
    expect(statusView({ state: 'connecting', serverUrl: 'http://x', today: undefined }).text).toBe('$(sync~spin) Ringside connecting…');
    const offline = statusView({ state: 'disconnected', serverUrl: 'http://x', today: undefined, error: 'ECONNREFUSED' });
    expect(offline.text).toBe('$(debug-disconnect) Ringside offline');
    expect(offline.tooltip).toContain('ECONNREFUSED');
    const refused = statusView({ state: 'disconnected', serverUrl: 'http://x', today: undefined, error: 'unauthorized: an API key with scope "read" is required' });
    expect(refused.text).toBe('$(key) Ringside: API key needed');
    expect(refused.tooltip).toContain('Set API Key');
  });

  it('shortens long standard names', () => {
    expect(shortLabel('x'.repeat(60))).toHaveLength(40);
    expect(shortLabel('Visitors greeted within 30 seconds')).toBe('Visitors greeted within 30 seconds');
  });
});

describe('alert notifications (rate limit, mute, summary)', () => {
  let nextId = 1;
  const alert = (standardId: string, severity: Alert['severity'] = 'red', site: string | null = null, extra: Partial<Alert> = {}): Alert => ({
    id: nextId++, key: `band:${standardId}:${site ?? '*'}`, kind: 'band', severity, state: 'firing', standardId, standardVersion: 1, site, target: 0.9,
    previousId: null, at: 't', startedAt: 't', endedAt: null, windows: [], message: `${standardId} at ${site ?? 'all sites'}: ${severity}`,
    acknowledgedAt: null, acknowledgedBy: null, ...extra,
  });
  const on = { enabled: true, minSeverity: 'amber' as const, quietMs: 5 * 60_000 };

  it('notifies once per standard per quiet period and counts the rest into the next one', () => {
    const gate = new AlertGate();
    const first = gate.decide([alert('calls', 'amber', null), alert('calls', 'red', 'north')], 0, on);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: 'alert', alsoCount: 1, urgent: true });
    expect(first[0]!.kind === 'alert' && first[0]!.alert.site).toBe('north'); // red beats amber
    expect(gate.decide([alert('calls', 'red', 'south')], 60_000, on)).toEqual([]);
    expect(gate.decide([alert('visits', 'amber')], 60_000, on)).toHaveLength(1); // another standard is not held back
    const later = gate.decide([alert('calls', 'amber', 'east')], 6 * 60_000, on);
    expect(later[0]).toMatchObject({ alsoCount: 1 });
    expect(later[0]!.text).toContain('(+1 more alert on this standard)');
  });

  it('ignores repeats of the same id (acknowledged, superseded), recoveries and acknowledged alerts', () => {
    const gate = new AlertGate();
    const a = alert('calls');
    expect(gate.decide([a], 0, { ...on, quietMs: 0 })).toHaveLength(1);
    expect(gate.decide([{ ...a, acknowledgedAt: 'now' }], 1, { ...on, quietMs: 0 })).toEqual([]);
    expect(gate.decide([alert('calls', 'red', null, { state: 'recovered' })], 2, { ...on, quietMs: 0 })).toEqual([]);
    expect(gate.decide([alert('calls', 'red', null, { acknowledgedAt: 'x' })], 3, { ...on, quietMs: 0 })).toEqual([]);
  });

  it('can be muted, or limited to urgent alerts', () => {
    expect(new AlertGate().decide([alert('calls')], 0, { ...on, enabled: false })).toEqual([]);
    const urgentOnly = { ...on, minSeverity: 'red' as const };
    expect(new AlertGate().decide([alert('calls', 'amber'), alert('visits', 'ticket')], 0, urgentOnly)).toEqual([]);
    expect(new AlertGate().decide([alert('calls', 'page')], 0, urgentOnly)).toHaveLength(1);
  });

  it('sums up a burst on many standards (e.g. a catch-up) in one notification', () => {
    const burst = ['a', 'b', 'c', 'd', 'e'].map((s) => alert(s, 'amber'));
    const shown = new AlertGate().decide(burst, 0, on);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ kind: 'summary', urgent: false, text: 'Ringside: 5 alerts on 5 standards (a, b, c, d, e)' });
  });
});

describe('sites tree model', () => {
  const standards = [{ id: 'calls', bands: { green: 0.9, amber: 0.8 } }] as unknown as Standard[];
  const report = {
    from: 'f', to: 't', site: null, bucket: null, groupBy: 'site',
    standards: [{
      ...figure('calls', 15, 20), standardName: 'Calls',
      groups: [
        { key: 'north', numerator: 9, denominator: 10, ratio: 0.9, companions: {} },
        { key: 'south', numerator: 6, denominator: 10, ratio: 0.6, companions: {} },
        { key: 'empty', numerator: 0, denominator: 0, ratio: null, companions: {} },
      ],
    }],
  } as unknown as ComplianceReport;

  it('puts "All sites" first, then sites alphabetically with their figures and bands (the standard’s own bands)', () => {
    const sites = sitesFromGroupedReport(report, standards);
    expect(sites.map((s) => s.site)).toEqual([null, 'north', 'south']);
    expect(sites[0]).toMatchObject({ band: 'red', standards: [{ ratio: 0.75, numerator: 15, denominator: 20 }] });
    expect(sites[1]).toMatchObject({ band: 'green' });
    expect(sites[2]).toMatchObject({ band: 'red', standards: [{ numerator: 6, denominator: 10 }] });
    expect(figureText(sites[2]!.standards[0]!)).toBe('60.0 % (6/10)');
    expect(figureText({ ratio: null, numerator: 0, denominator: 0 })).toBe('— (nothing counted)');
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
});

describe('socket address', () => {
  it('uses the default Socket.IO path at the root, and keeps a reverse-proxy prefix as a path, not a namespace', () => {
    expect(socketAddress('http://127.0.0.1:4870')).toEqual({ origin: 'http://127.0.0.1:4870', path: '/socket.io' });
    expect(socketAddress('https://ops.example/ringside/')).toEqual({ origin: 'https://ops.example', path: '/ringside/socket.io' });
    expect(() => socketAddress('ringside.local:4870')).toThrow();
  });
});
