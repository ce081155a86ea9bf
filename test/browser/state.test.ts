import { describe, expect, it } from 'vitest';
import { FEED_LIMIT, SERIES_LIMIT, initialState, reduce } from '../../webview/src/state';
import { renderedSummary } from '../../webview/src/summary';
import {
  CALL_STANDARD,
  VISIT_STANDARD,
  complianceReport,
  complianceUpdate,
  figure,
  group,
  incident,
  incidentChange,
  judgedCall,
  judgedVisit,
  minuteSeries,
  msg,
  point,
  snapshot,
} from './fixtures';

const apply = (...messages: Parameters<typeof reduce>[1][]) => messages.reduce(reduce, initialState);

describe('reduce', () => {
  it('starts connecting, with nothing to show', () => {
    expect(initialState.connection.state).toBe('connecting');
    expect(initialState.hasSnapshot).toBe(false);
    expect(renderedSummary(initialState)).toEqual({
      connection: 'connecting',
      tiles: {},
      feedCount: 0,
      newestEventId: null,
      eventsToday: 0,
      selection: { window: 'today', from: null, to: null, site: null, standard: null },
      openIncidents: 0,
      feedPaused: false,
    });
  });

  it('takes standards, today figures, series and the recent feed from a snapshot', () => {
    const recent = [judgedCall({ id: 'newest' }), judgedVisit({ id: 'older' })];
    const state = apply(
      msg.snapshot(snapshot({ recent, series: { [CALL_STANDARD.id]: minuteSeries(5) } })),
    );
    expect(state.hasSnapshot).toBe(true);
    expect(state.connection.state).toBe('connected');
    expect(state.standards.map((s) => s.id)).toEqual([CALL_STANDARD.id, VISIT_STANDARD.id]);
    expect(state.today[CALL_STANDARD.id]).toMatchObject({ met: 134, total: 144 });
    expect(state.series[CALL_STANDARD.id]).toHaveLength(5);
    expect(state.series[VISIT_STANDARD.id]).toEqual([]);
    expect(state.feed.map((e) => e.event.id)).toEqual(['newest', 'older']);
    // 144 calls + 48 visits; 10 + 7 misses.
    expect(state.eventsToday).toBe(192);
    expect(state.missesToday).toBe(17);
    expect(state.lastUpdated).toBe('2026-11-23T14:30:20.000Z');
    expect(renderedSummary(state)).toEqual({
      connection: 'connected',
      tiles: { [CALL_STANDARD.id]: '93.0 %', [VISIT_STANDARD.id]: '85.4 %' },
      feedCount: 2,
      newestEventId: 'newest',
      eventsToday: 192,
      selection: { window: 'today', from: null, to: null, site: null, standard: null },
      openIncidents: 0,
      feedPaused: false,
    });
  });

  it('prefers the server\'s own count of events today when it sends one', () => {
    const state = apply(msg.snapshot({ ...snapshot(), eventsToday: 200 }));
    expect(state.eventsToday).toBe(200);
    const next = reduce(state, msg.compliance({ ...complianceUpdate([figure(CALL_STANDARD, 135, 145)], []), eventsToday: 201 }));
    expect(next.eventsToday).toBe(201);
  });

  it('puts judged events (sent oldest first) on top of the feed, newest first', () => {
    const state = apply(
      msg.snapshot(snapshot({ recent: [judgedCall({ id: 'a' })] })),
      msg.judged([judgedCall({ id: 'b' }), judgedVisit({ id: 'c' })]),
    );
    expect(state.feed.map((e) => e.event.id)).toEqual(['c', 'b', 'a']);
  });

  it('never shows the same event twice when it arrives again', () => {
    const again = judgedCall({ id: 'dup' });
    const state = apply(msg.judged([again]), msg.judged([judgedCall({ id: 'x' }), again]));
    expect(state.feed.map((e) => e.event.id)).toEqual(['dup', 'x']);
  });

  it(`keeps only the latest ${FEED_LIMIT} events`, () => {
    const batch = Array.from({ length: 70 }, (_, i) => judgedCall({ id: `call-${i}` }));
    const state = apply(msg.judged(batch.slice(0, 30)), msg.judged(batch.slice(30)));
    expect(state.feed).toHaveLength(FEED_LIMIT);
    expect(state.feed[0]!.event.id).toBe('call-69');
    expect(state.feed.at(-1)!.event.id).toBe('call-20');
  });

  it('replaces a series point for the same minute and appends a new minute', () => {
    const base = apply(msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(2, 9, 10), point(1, 8, 10)] } })));
    const replaced = reduce(
      base,
      msg.compliance(complianceUpdate([figure(CALL_STANDARD, 135, 145)], [{ standardId: CALL_STANDARD.id, point: point(1, 9, 11) }])),
    );
    expect(replaced.series[CALL_STANDARD.id]!.map((p) => [p.met, p.total])).toEqual([[9, 10], [9, 11]]);
    expect(replaced.today[CALL_STANDARD.id]).toMatchObject({ met: 135, total: 145 });
    // The visit figure was not in the update and stays as it was.
    expect(replaced.today[VISIT_STANDARD.id]).toMatchObject({ met: 41, total: 48 });
    expect(replaced.eventsToday).toBe(145 + 48);

    const appended = reduce(
      replaced,
      msg.compliance(complianceUpdate([figure(CALL_STANDARD, 136, 146)], [{ standardId: CALL_STANDARD.id, point: point(0, 1, 1) }])),
    );
    expect(appended.series[CALL_STANDARD.id]!.map((p) => p.start)).toEqual([point(2, 0, 0).start, point(1, 0, 0).start, point(0, 0, 0).start]);
    // Unchanged parts keep their identity, so views can skip them.
    expect(appended.series[VISIT_STANDARD.id]).toBe(replaced.series[VISIT_STANDARD.id]);
  });

  it(`bounds each series to the newest ${SERIES_LIMIT} minutes`, () => {
    let state = apply(msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: minuteSeries(SERIES_LIMIT) } })));
    state = reduce(state, msg.compliance(complianceUpdate([], [{ standardId: CALL_STANDARD.id, point: point(-1, 3, 3) }])));
    const points = state.series[CALL_STANDARD.id]!;
    expect(points).toHaveLength(SERIES_LIMIT);
    expect(points.at(-1)).toMatchObject({ met: 3, total: 3 });
  });

  it('starts a series for a standard the snapshot had no points for', () => {
    const state = apply(
      msg.snapshot(snapshot()),
      msg.compliance(complianceUpdate([figure(VISIT_STANDARD, 1, 1)], [{ standardId: VISIT_STANDARD.id, point: point(0, 1, 1) }])),
    );
    expect(state.series[VISIT_STANDARD.id]).toHaveLength(1);
  });

  it('records connection changes with the server address and error', () => {
    const state = apply(msg.snapshot(snapshot()), msg.connection('disconnected', 'transport close'));
    expect(state.connection).toEqual({ state: 'disconnected', serverUrl: 'http://127.0.0.1:4870', error: 'transport close' });
    // The data already shown stays: a blip must not blank the wallboard.
    expect(state.hasSnapshot).toBe(true);
  });

  it('does not mutate the state it is given', () => {
    const before = apply(msg.snapshot(snapshot({ recent: [judgedCall()] })));
    const frozen = structuredClone(before);
    reduce(before, msg.judged([judgedVisit()]));
    reduce(before, msg.compliance(complianceUpdate([figure(CALL_STANDARD, 1, 2)], [{ standardId: CALL_STANDARD.id, point: point(0, 1, 2) }])));
    expect(before).toEqual(frozen);
  });
});

describe('reduce: selection, queries, alerts, feed controls', () => {
  it('takes a selection from the controls or the host, sanitised, and keeps identity when nothing changed', () => {
    const state = apply(msg.snapshot(snapshot()));
    const weekly = reduce(state, { type: 'ui/select', selection: { window: '7d', site: 'York' } });
    expect(weekly.selection).toEqual({ window: '7d', from: null, to: null, site: 'York', standard: null });
    expect(weekly.knownSites).toContain('York');
    expect(reduce(weekly, { type: 'ui/select', selection: { window: '7d' } })).toBe(weekly);
    const fromHost = reduce(weekly, { type: 'select', selection: { standard: VISIT_STANDARD.id, site: null } });
    expect(fromHost.selection).toMatchObject({ window: '7d', site: null, standard: VISIT_STANDARD.id });
    // A custom window without a usable range is refused (stays as it was).
    const bad = reduce(weekly, { type: 'ui/select', selection: { window: 'custom', from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' } });
    expect(bad.selection.window).toBe('today');
  });

  it('tracks each query by key: loading keeps data of the same key, answers for an old key are dropped', () => {
    let state = apply(msg.snapshot(snapshot()));
    state = reduce(state, { type: 'query/start', name: 'report', key: 'k1' });
    expect(state.queries.report).toEqual({ status: 'loading', key: 'k1', data: null, error: null });
    const report = complianceReport({ figures: [] });
    state = reduce(state, { type: 'query/ok', name: 'report', key: 'k1', data: report });
    expect(state.queries.report).toMatchObject({ status: 'ok', data: report });
    state = reduce(state, { type: 'query/start', name: 'report', key: 'k1' });
    expect(state.queries.report).toMatchObject({ status: 'loading', data: report });
    state = reduce(state, { type: 'query/start', name: 'report', key: 'k2' });
    expect(state.queries.report.data).toBeNull();
    expect(reduce(state, { type: 'query/ok', name: 'report', key: 'k1', data: complianceReport() })).toBe(state);
    state = reduce(state, { type: 'query/error', name: 'report', key: 'k2', error: 'boom' });
    expect(state.queries.report).toMatchObject({ status: 'error', error: 'boom' });
    // Sites from a by-site breakdown become filter options.
    state = reduce(state, { type: 'query/start', name: 'groups', key: 'g' });
    state = reduce(state, {
      type: 'query/ok',
      name: 'groups',
      key: 'g',
      data: complianceReport({ groupBy: 'site', figures: [[CALL_STANDARD, 1, 2]], groups: { [CALL_STANDARD.id]: [group('Hull', 1, 1), group('Bath', 0, 1)] } }),
    });
    expect(state.knownSites).toEqual(['Bath', 'Hull']);
  });

  it("keeps the server's open incidents: replaces on a change or an acknowledgement, drops on recovery", () => {
    const open = incident({ severity: 'amber' });
    let state = apply(msg.snapshot(snapshot({ openIncidents: [open] })));
    expect(state.incidents.map((i) => i.id)).toEqual([open.id]);
    state = reduce(state, incidentChange({ ...open, severity: 'red' }, 'escalated'));
    expect(state.incidents.map((i) => [i.id, i.severity])).toEqual([[open.id, 'red']]);
    state = reduce(state, { type: 'ack/start', ids: [open.id] });
    expect(state.acking).toEqual([open.id]);
    state = reduce(state, { type: 'ack/ok', ids: [open.id], incidents: [{ ...state.incidents[0]!, lastChangeSeq: state.incidents[0]!.lastChangeSeq + 1, acknowledgedAt: 'now' }] });
    expect(state.acking).toEqual([]);
    expect(state.incidents[0]!.acknowledgedAt).toBe('now');
    state = reduce(state, { type: 'ack/error', ids: [9], error: 'nope' });
    expect(state.ackError).toBe('nope');
    state = reduce(state, incidentChange({ ...open, state: 'recovered', recoveredAt: 'later' }, 'recovered'));
    expect(state.incidents).toEqual([]);
  });

  it('pauses the feed: freezes what is shown, counts new events once each, resumes to the live feed', () => {
    let state = apply(msg.snapshot(snapshot({ recent: [judgedCall({ id: 'a' })] })));
    state = reduce(state, { type: 'ui/pause', paused: true });
    expect(state.feedControls.frozen!.map((e) => e.event.id)).toEqual(['a']);
    state = reduce(state, msg.judged([judgedCall({ id: 'b' }), judgedCall({ id: 'a' })]));
    state = reduce(state, msg.judged([judgedCall({ id: 'c' })]));
    expect(state.feedControls.newWhilePaused).toBe(2);
    expect(renderedSummary(state)).toMatchObject({ feedPaused: true, feedCount: 1, newestEventId: 'a' });
    state = reduce(state, { type: 'ui/pause', paused: false });
    expect(state.feedControls).toEqual({ paused: false, frozen: null, frozenBreaches: null, newWhilePaused: 0, filter: '' });
    expect(renderedSummary(state)).toMatchObject({ feedPaused: false, feedCount: 3, newestEventId: 'c' });
    state = reduce(state, { type: 'ui/feed-filter', filter: 'leeds' });
    expect(state.feedControls.filter).toBe('leeds');
  });

  it('reports the window figure of the visible standards on the summary tiles', () => {
    let state = apply(msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(90, 0, 10), point(5, 9, 10), point(0, 1, 2)] } })));
    state = reduce(state, { type: 'ui/select', selection: { window: '1h', standard: CALL_STANDARD.id } });
    // Last hour: (9 + 1) / (10 + 2); the minute 90 minutes ago is outside it.
    expect(renderedSummary(state).tiles).toEqual({ [CALL_STANDARD.id]: '83.3 %' });
  });
});
