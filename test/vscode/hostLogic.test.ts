// The extension host's pure parts (no VS Code needed): the webview's CSP, the status bar wording, and how
// live updates are folded into the remembered snapshot that a newly opened dashboard starts from.
import { describe, expect, it } from 'vitest';
import type { ComplianceFigure, JudgedEvent, Snapshot } from '../../server/src/protocol';
import { socketAddress } from '../../extension/src/connection';
import { applyCompliance, applyJudged, RECENT_LIMIT } from '../../extension/src/liveState';
import { statusView } from '../../extension/src/statusText';
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
  it('shows the call standard’s compliance, with a warning below target', () => {
    expect(statusView('connected', 'u', [figure('call-answer-2-rings', 931, 1000)]).text).toBe('$(pass) Calls 93.1 %');
    const below = statusView('connected', 'u', [figure('call-answer-2-rings', 85, 100)]);
    expect(below).toMatchObject({ text: '$(warning) Calls 85.0 %', belowTarget: true });
    expect(statusView('connected', 'u', [figure('call-answer-2-rings', 0, 0)]).text).toBe('$(pulse) Calls —');
  });

  it('names the connection state when not connected', () => {
    expect(statusView('connecting', 'http://x', undefined).text).toBe('$(sync~spin) Ringside connecting…');
    const offline = statusView('disconnected', 'http://x', undefined, 'ECONNREFUSED');
    expect(offline.text).toBe('$(debug-disconnect) Ringside offline');
    expect(offline.tooltip).toContain('ECONNREFUSED');
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
