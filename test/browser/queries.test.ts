// The queries a selection stands for, and the VS Code transport's request/response plumbing.
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardRequestHttp } from '../../server/src/protocol/pure';
import { planQueries, reportFitsStandards } from '../../webview/src/queries';
import { CALL_STANDARD, VISIT_STANDARD, answering, complianceReport, fakeTransport, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';
import { DEFAULT_SELECTION } from '../../webview/src/selection';
import { vscodeTransport } from '../../webview/src/transport/vscode';

describe('planQueries', () => {
  it('picks the bucket by window: minutes for the live hour, hours for days, days for long custom ranges', () => {
    const bucket = (selection: Partial<typeof DEFAULT_SELECTION>) => {
      const { request } = planQueries({ ...DEFAULT_SELECTION, ...selection }).report;
      return request.kind === 'compliance' ? request.params.bucket : null;
    };
    expect(bucket({ window: '1h' })).toBe('minute');
    expect(bucket({ window: 'today' })).toBe('hour');
    expect(bucket({ window: '30d' })).toBe('hour');
    expect(bucket({ window: 'custom', from: '2026-11-01T10:00:00.000Z', to: '2026-11-01T12:00:00.000Z' })).toBe('minute');
    expect(bucket({ window: 'custom', from: '2026-09-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' })).toBe('day');
  });

  it('maps every request to the HTTP call the host (or the page) makes', () => {
    const plan = planQueries({ ...DEFAULT_SELECTION, window: '7d', site: 'Leeds & York' });
    expect(dashboardRequestHttp(plan.report.request)).toEqual({ method: 'GET', path: '/api/v1/compliance?window=7d&site=Leeds+%26+York&bucket=hour' });
    expect(dashboardRequestHttp(plan.distribution.request)).toEqual({ method: 'GET', path: '/api/v1/distribution?window=7d&site=Leeds+%26+York' });
    expect(dashboardRequestHttp(plan.groups.request)).toEqual({ method: 'GET', path: '/api/v1/compliance?window=7d&site=Leeds+%26+York&groupBy=agent' });
    expect(dashboardRequestHttp({ kind: 'ack-incidents', ids: [12, 13] })).toEqual({ method: 'POST', path: '/api/v1/incidents/ack', body: '{"ids":[12,13]}' });
    // Same selection, same keys: a refresh does not look like a new selection.
    expect(planQueries({ ...DEFAULT_SELECTION }).report.key).toBe(planQueries({ ...DEFAULT_SELECTION }).report.key);
  });
});

describe('reportFitsStandards', () => {
  const all = { ...DEFAULT_SELECTION, window: '7d' as const };
  it('holds for the same standards in the same order, and for the one selected', () => {
    expect(reportFitsStandards(complianceReport(), all, [CALL_STANDARD, VISIT_STANDARD])).toBe(true);
    expect(reportFitsStandards(complianceReport({ figures: [[CALL_STANDARD, 8, 10]] }), { ...all, standard: CALL_STANDARD.id }, [CALL_STANDARD, VISIT_STANDARD])).toBe(true);
  });
  it('fails for a standard added, retired, renamed, retargeted or with other bands', () => {
    const report = complianceReport();
    expect(reportFitsStandards(report, all, [CALL_STANDARD])).toBe(false);
    expect(reportFitsStandards(report, all, [CALL_STANDARD, VISIT_STANDARD, { ...VISIT_STANDARD, id: 'new' }])).toBe(false);
    expect(reportFitsStandards(report, all, [{ ...CALL_STANDARD, name: 'Calls' }, VISIT_STANDARD])).toBe(false);
    expect(reportFitsStandards(report, all, [{ ...CALL_STANDARD, target: 0.95 }, VISIT_STANDARD])).toBe(false);
    const banded = { ...report, standards: report.standards.map((f) => ({ ...f, band: 'amber' as const })) };
    expect(reportFitsStandards(banded, all, [{ ...CALL_STANDARD, bands: { green: 0.95, amber: 0.85 } }, VISIT_STANDARD])).toBe(false);
    expect(reportFitsStandards(report, { ...all, standard: 'gone' }, [CALL_STANDARD, VISIT_STANDARD])).toBe(false);
  });
});

describe('vscode transport requests', () => {
  it('fails a request the host never answers, with a message saying so', async () => {
    const posted: unknown[] = [];
    const transport = vscodeTransport({ postMessage: (m) => posted.push(m), getState: () => undefined, setState: () => undefined }, window, { timeoutMs: 50 });
    const stop = transport.start(() => {});
    await expect(transport.request!({ kind: 'distribution', params: {} })).rejects.toMatchObject({ status: 0, message: 'the extension did not answer the query in time' });
    expect(posted).toContainEqual({ type: 'request', id: 1, request: { kind: 'distribution', params: {} } });
    stop();
  });

  it('ignores responses to ids it did not ask for and answers the right caller', async () => {
    const transport = vscodeTransport({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined });
    const stop = transport.start(() => {});
    const first = transport.request!({ kind: 'compliance', params: {} });
    const second = transport.request!({ kind: 'compliance', params: { window: '7d' } });
    window.postMessage({ type: 'response', id: 999, kind: 'compliance', ok: true, body: 'stray' }, '*');
    window.postMessage({ type: 'response', id: 2, kind: 'compliance', ok: true, body: 'two' }, '*');
    window.postMessage({ type: 'response', id: 1, kind: 'compliance', ok: true, body: 'one' }, '*');
    expect(await first).toBe('one');
    expect(await second).toBe('two');
    stop();
  });

  it('refuses an answer of another kind than it asked for, and takes a problem as a RequestError', async () => {
    const transport = vscodeTransport({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined });
    const stop = transport.start(() => {});
    const report = transport.request!({ kind: 'compliance', params: {} });
    const ack = transport.request!({ kind: 'ack-incidents', ids: [7] });
    window.postMessage({ type: 'response', id: 1, kind: 'distribution', ok: true, body: { standards: [] } }, '*');
    window.postMessage({ type: 'response', id: 2, kind: 'ack-incidents', ok: false, problem: { type: 'x', title: 'Not Found', status: 404, detail: 'no incident with id 7' } }, '*');
    await expect(report).rejects.toMatchObject({ status: 0, message: 'asked for compliance, the extension answered distribution' });
    await expect(ack).rejects.toMatchObject({ status: 404, message: 'no incident with id 7' });
    stop();
  });

  it('tells the host which request is a periodic refresh, and no other', async () => {
    const posted: unknown[] = [];
    const transport = vscodeTransport({ postMessage: (m) => posted.push(m), getState: () => undefined, setState: () => undefined }, window, { timeoutMs: 10 });
    const stop = transport.start(() => {});
    await expect(transport.request!({ kind: 'distribution', params: {} })).rejects.toMatchObject({ status: 0 });
    await expect(transport.request!({ kind: 'distribution', params: {} }, { periodic: true })).rejects.toMatchObject({ status: 0 });
    expect(posted.filter((m) => (m as { type: string }).type === 'request')).toEqual([
      { type: 'request', id: 1, request: { kind: 'distribution', params: {} } },
      { type: 'request', id: 2, request: { kind: 'distribution', params: {} }, periodic: true },
    ]);
    stop();
  });
});

describe('a selected standard no longer in force', () => {
  afterEach(unmountAll);

  it('is dropped when a snapshot no longer lists it: the board asks for, shows and names all standards alike', async () => {
    const fake = fakeTransport(answering({}));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { site: 'leeds', standard: VISIT_STANDARD.id } });
    feed(dashboard, msg.snapshot(snapshot({ standards: [CALL_STANDARD, VISIT_STANDARD] })));
    await settle();
    expect(fake.requests.some((r) => r.kind === 'compliance' && r.params.standard === VISIT_STANDARD.id)).toBe(true);
    const asked = fake.requests.length;

    // The visit standard is retired while the page is open: the server sends a snapshot without it.
    feed(dashboard, msg.snapshot(snapshot({ standards: [CALL_STANDARD] })));
    await settle();
    dashboard.flush();
    const after = fake.requests.slice(asked);
    // It was still asked for alone (its figure the only one answered), while the tiles showed every other standard with none.
    expect(after.filter((r) => r.kind === 'compliance' || r.kind === 'distribution').map((r) => ('params' in r ? r.params.standard : 'none'))).toEqual([undefined, undefined, undefined]);
    expect(after.some((r) => r.kind === 'staffing-forecast')).toBe(false);
    expect(dashboard.state().selection.standard).toBeNull();
    expect(root.querySelector<HTMLSelectElement>('.rs-select-standard')!.value).toBe('');
    expect((fake.saved() as { standard: string | null }).standard).toBeNull();
  });

  it('is dropped from a link that names it, once the first snapshot says which standards are in force', async () => {
    const fake = fakeTransport(answering({}));
    const { dashboard } = mount({ transport: fake.transport, selection: { standard: 'retired-last-year' } });
    feed(dashboard, msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    expect(dashboard.state().selection.standard).toBeNull();
    expect(fake.requests.filter((r) => r.kind === 'compliance').at(-1)).toMatchObject({ params: { window: 'today' } });
    expect(fake.requests.filter((r) => r.kind === 'compliance').at(-1)!.params).not.toHaveProperty('standard');
  });
});
