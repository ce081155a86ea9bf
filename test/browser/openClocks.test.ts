// Open clocks on the dashboard: the reducer keeps the server's open cases (snapshot, then `clocks` updates), the
// "open now" tiles say what is waiting, the at-risk list counts down on the page's own ticker (moved by hand
// here) and turns red the moment a deadline passes, and breaches show in the live feed and are announced.
import { afterEach, describe, expect, it } from 'vitest';
import { reduce, initialState, BREACH_LIMIT, FEED_LIMIT } from '../../webview/src/state';
import { formatClock } from '../../webview/src/format';
import { ANNOUNCE_QUIET_MS } from '../../webview/src/views/announcer';
import { CALL_STANDARD, COMPLAINT_STANDARD, NOW, STANDARDS, VISIT_STANDARD, breachOf, clocksUpdate, judgedCall, manualTicker, msg, openClock, snapshot } from './fixtures';
import { feed, mount, text, texts, unmountAll } from './mount';
import { openCasesText } from '../../extension/src/siteModel';

afterEach(unmountAll);

const nowMs = Date.parse(NOW);
const withComplaints = [...STANDARDS, COMPLAINT_STANDARD];

function openTile(root: HTMLElement, type: string): HTMLElement {
  const node = root.querySelector<HTMLElement>(`.rs-tile--open[data-type="${type}"]`);
  if (!node) throw new Error(`no open tile for ${type}`);
  return node;
}

describe('open clocks in the reducer', () => {
  it('takes the snapshot list, applies changed and closed cases, and keeps each breach once, newest first', () => {
    const a = openClock({ caseId: 'a', startedAgo: 5 });
    const b = openClock({ caseId: 'b', startedAgo: 20 });
    let state = reduce(initialState, msg.snapshot(snapshot({ openClocks: [a, b] })));
    // Oldest start first, whatever order the server listed them in.
    expect(state.openClocks.map((c) => c.caseId)).toEqual(['b', 'a']);
    expect(state.clocksServerTime).toBe(NOW);

    const c = openClock({ type: 'visit', caseId: 'c', startedAgo: 1, standardId: VISIT_STANDARD.id, limitSeconds: 30 });
    const bLater = { ...b, standards: [{ ...b.standards[0]!, state: 'breached' as const }] };
    state = reduce(state, clocksUpdate({ changed: [c, bLater], closed: [{ type: 'call', site: a.site, caseId: 'a' }], breaches: [breachOf(b)] }));
    expect(state.openClocks.map((x) => x.caseId)).toEqual(['b', 'c']);
    expect(state.openClocks[0]!.standards[0]!.state).toBe('breached');
    expect(state.breaches).toEqual([breachOf(b)]);

    // The same breach again (a replayed update) is not a second row; a later one goes on top.
    const d = openClock({ caseId: 'd', startedAgo: 30 });
    state = reduce(state, clocksUpdate({ changed: [d], breaches: [breachOf(b), breachOf(d)] }));
    expect(state.breaches.map((x) => x.caseId)).toEqual(['d', 'b']);

    // A reconnect's snapshot is the whole truth about what is open.
    state = reduce(state, msg.snapshot(snapshot({ openClocks: [c] })));
    expect(state.openClocks.map((x) => x.caseId)).toEqual(['c']);
  });

  it('keeps at most BREACH_LIMIT breaches, and counts them as new while the feed is paused', () => {
    let state = reduce(initialState, msg.snapshot(snapshot({ openClocks: [] })));
    state = reduce(state, { type: 'ui/pause', paused: true });
    const many = Array.from({ length: BREACH_LIMIT + 5 }, (_, i) => breachOf(openClock({ caseId: `x${i}` })));
    state = reduce(state, clocksUpdate({ breaches: many }));
    expect(state.breaches).toHaveLength(BREACH_LIMIT);
    expect(state.breaches[0]!.caseId).toBe(`x${BREACH_LIMIT + 4}`);
    expect(state.feedControls.newWhilePaused).toBe(BREACH_LIMIT);
  });

  it('shows no open-now tiles or at-risk list for a server that sends no open clocks', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));
    expect(root.querySelector<HTMLElement>('.rs-open')!.hidden).toBe(true);
    expect(root.querySelector<HTMLElement>('.rs-atrisk')!.hidden).toBe(true);
  });
});

describe('open-now tiles', () => {
  it('say how many wait and for how long, and what is at risk and when it is due', () => {
    const { ticker } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const complaintAtRisk = openClock({ type: 'complaint', standardId: COMPLAINT_STANDARD.id, startedAgo: 3.5 * 3600, limitSeconds: 4 * 3600 });
    const complaints = [complaintAtRisk, ...[1, 2, 3, 4].map((h) => openClock({ type: 'complaint', standardId: COMPLAINT_STANDARD.id, startedAgo: h * 600, limitSeconds: 4 * 3600 }))];
    const calls = [41, 20, 5].map((s) => openClock({ startedAgo: s, limitSeconds: 60 }));
    const visits = [12, 3].map((s) => openClock({ type: 'visit', standardId: VISIT_STANDARD.id, startedAgo: s, limitSeconds: 30 }));
    feed(dashboard, msg.snapshot(snapshot({ standards: withComplaints, openClocks: [...calls, ...visits, ...complaints] })));

    expect(openTile(root, 'call').getAttribute('aria-label')).toBe('Calls now: 3 waiting · longest 0:41');
    expect(text(openTile(root, 'call'), '.rs-open-value')).toBe('3 waiting');
    expect(text(openTile(root, 'call'), '.rs-open-detail')).toBe('longest 0:41');
    expect(openTile(root, 'visit').getAttribute('aria-label')).toBe('Front desk now: 2 at the desk · longest 0:12');
    const due = formatClock(complaintAtRisk.standards[0]!.deadline!, false);
    expect(openTile(root, 'complaint').getAttribute('aria-label')).toBe(`Complaints open: 5 complaints open · 1 at risk, due ${due}`);
    expect(openTile(root, 'complaint').dataset['band']).toBe('warn');
    // The order an ops lead reads them in.
    expect([...root.querySelectorAll<HTMLElement>('.rs-tile--open')].map((t) => t.dataset['type'])).toEqual(['call', 'visit', 'complaint']);
  });

  it('say in words what their colour says: how many calls and visitors are at risk or breached', () => {
    const { ticker } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const calls = [41, 26, 25, 5].map((s) => openClock({ startedAgo: s, limitSeconds: 30 }));
    const visits = [27, 3].map((s) => openClock({ type: 'visit', standardId: VISIT_STANDARD.id, startedAgo: s, limitSeconds: 30 }));
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [...calls, ...visits] })));
    const call = openTile(root, 'call');
    expect(call.dataset['band']).toBe('bad');
    expect(text(call, '.rs-open-detail')).toBe('longest 0:41 · 1 breached · 2 at risk');
    expect(call.getAttribute('aria-label')).toBe('Calls now: 4 waiting · longest 0:41 · 1 breached · 2 at risk');
    const visit = openTile(root, 'visit');
    expect(visit.dataset['band']).toBe('warn');
    expect(visit.getAttribute('aria-label')).toBe('Front desk now: 2 at the desk · longest 0:27 · 1 at risk');
  });

  it('advance every second on the page clock, and narrow to the selected site', () => {
    const { ticker, advance } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [openClock({ startedAgo: 41, limitSeconds: 300 }), openClock({ site: 'Airport', startedAgo: 3, limitSeconds: 300 })] })));
    advance(1000);
    expect(text(openTile(root, 'call'), '.rs-open-detail')).toBe('longest 0:42');
    advance(19_000);
    expect(text(openTile(root, 'call'), '.rs-open-detail')).toBe('longest 1:01');

    dashboard.dispatch({ type: 'ui/select', selection: { site: 'Airport' } });
    dashboard.flush();
    expect(openTile(root, 'call').getAttribute('aria-label')).toBe('Calls now: 1 waiting · longest 0:23');
    expect(openTile(root, 'visit').getAttribute('aria-label')).toBe('Front desk now: 0 at the desk');
    expect(openTile(root, 'visit').dataset['band']).toBe('none');
  });
});

describe('the at-risk list', () => {
  it('counts down on the page clock and turns red when the deadline passes', () => {
    const { ticker, advance } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    // A call ringing for 8 s against a 12 s limit: at risk from 9.6 s, breached after 12 s.
    const call = openClock({ caseId: 'pbx-77', startedAgo: 8, limitSeconds: 12 });
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [call] })));
    expect(root.querySelectorAll('.rs-atrisk-item')).toHaveLength(0);
    expect(text(root, '.rs-atrisk-empty')).toBe('Nothing at risk: every open case is inside its standard.');

    advance(2000);
    const row = root.querySelector<HTMLElement>('.rs-atrisk-item')!;
    expect(row.dataset['state']).toBe('at-risk');
    expect(text(row, '.rs-atrisk-countdown')).toBe('0:02 left');
    expect(text(row, '.rs-atrisk-case')).toBe('Harbour · Call pbx-77');
    expect(text(row, '.rs-atrisk-standard')).toContain('Calls ≤ 2 rings');
    const amber = getComputedStyle(row.querySelector('.rs-atrisk-countdown')!).color;

    advance(2000); // exactly at the deadline: a stop now would still meet
    expect(row.dataset['state']).toBe('at-risk');
    expect(text(row, '.rs-atrisk-countdown')).toBe('0:00 left');

    advance(1000);
    expect(root.querySelector('.rs-atrisk-item')).toBe(row); // the same row, not a redraw
    expect(row.dataset['state']).toBe('breached');
    expect(text(row, '.rs-atrisk-countdown')).toBe('0:01 over');
    expect(getComputedStyle(row.querySelector('.rs-atrisk-countdown')!).color).not.toBe(amber);
    expect(row.getAttribute('aria-label')).toBe('Call pbx-77 at Harbour: Calls ≤ 2 rings, breached, 0:01 over');
    expect(text(openTile(root, 'call'), '.rs-open-detail')).toBe('longest 0:13 · 1 breached');
    expect(openTile(root, 'call').dataset['band']).toBe('bad');

    // Answered: the case closes and leaves the list.
    feed(dashboard, clocksUpdate({ closed: [call] }));
    expect(root.querySelectorAll('.rs-atrisk-item')).toHaveLength(0);
    expect(text(root, '.rs-atrisk-empty')).toBe('No open cases.');
  });

  it('corrects the page clock by the server time, lists the nearest deadline first and counts the rest', () => {
    // The page's clock is 5 minutes slow: the countdown still follows the server.
    const { ticker, advance } = manualTicker(nowMs - 300_000);
    const { dashboard, root } = mount({ ticker });
    const clocks = Array.from({ length: 10 }, (_, i) => openClock({ caseId: `c${i}`, startedAgo: 11 - i * 0.1, limitSeconds: 12 }));
    feed(dashboard, msg.snapshot(snapshot({ openClocks: clocks })));
    const countdowns = texts(root, '.rs-atrisk-countdown');
    expect(countdowns).toHaveLength(8);
    expect(countdowns[0]).toBe('0:01 left');
    expect(texts(root, '.rs-atrisk-case')[0]).toBe('Harbour · Call c0');
    expect(text(root, '.rs-atrisk-more')).toBe('and 2 more');
    expect(text(root, '.rs-atrisk .rs-panel-meta')).toBe('10 open · 10 at risk · 0 breached');
    advance(2000);
    expect(text(root, '.rs-atrisk .rs-panel-meta')).toBe('10 open · 0 at risk · 10 breached');
  });

  it('counts cases, not deadlines, in the line over the list, as the extension counts them', () => {
    const { ticker } = manualTicker(nowMs);
    const { dashboard, root } = mount({ ticker });
    // One call timed by two standards: at risk on one, breached on the other. The list has a row per deadline; the
    // line says one case, breached (its worst standing), like the status bar's "1 open · 1 breached".
    const atRisk = openClock({ caseId: 'two-deadlines', startedAgo: 11, limitSeconds: 12 });
    const breached = openClock({ caseId: 'two-deadlines', startedAgo: 11, standardId: 'calls-answer-time', limitSeconds: 10 });
    const call = { ...atRisk, standards: [...atRisk.standards, ...breached.standards] };
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [call, openClock({ caseId: 'quiet', startedAgo: 1, limitSeconds: 12 })] })));
    expect(root.querySelectorAll('.rs-atrisk-item')).toHaveLength(2);
    expect(text(root, '.rs-atrisk .rs-panel-meta')).toBe('2 open · 0 at risk · 1 breached');
    expect(openCasesText([call], nowMs)).toBe('1 open · 1 breached');
  });

  it('stay at the moment the notice names while the board is not live, and move again with the next snapshot', () => {
    const { ticker, advance } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    // A call ringing for 8 s against a 12 s limit when the connection drops: nothing is known of it after that.
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [openClock({ caseId: 'pbx-5', startedAgo: 8, limitSeconds: 12 })] })));
    feed(dashboard, msg.connection('disconnected', 'transport close'));
    advance(60_000);
    expect(text(root, '.rs-stale')).toBe(`Reconnecting… showing figures as of ${formatClock(NOW)}.`);
    // As of that moment, not a minute past a deadline the page cannot know was missed (the call may have been answered).
    expect(openTile(root, 'call').getAttribute('aria-label')).toBe('Calls now: 1 waiting · longest 0:08');
    expect(text(root, '.rs-atrisk .rs-panel-meta')).toBe('1 open · 0 at risk · 0 breached');
    expect(root.querySelectorAll('.rs-atrisk-item')).toHaveLength(0);

    // The reconnect's snapshot is live again, and the clocks move on from its time.
    const later = new Date(nowMs + 60_000).toISOString();
    feed(dashboard, msg.snapshot(snapshot({ serverTime: later, openClocks: [openClock({ caseId: 'pbx-6', startedAgo: 3, limitSeconds: 12, now: later })] })));
    advance(2000);
    expect(openTile(root, 'call').getAttribute('aria-label')).toBe('Calls now: 1 waiting · longest 0:05');
  });

  it('stops ticking when the dashboard is destroyed', () => {
    const { ticker, timers } = manualTicker();
    const { dashboard } = mount({ ticker });
    expect(timers()).toBe(1);
    dashboard.destroy();
    expect(timers()).toBe(0);
  });
});

describe('open cases from an older server, which sends no standardVersion or standardLabel', () => {
  /** The clock or breach as a server from before those fields sends it. */
  const unlabelled = <T extends { standardVersion?: number; standardLabel?: string }>({ standardVersion: _v, standardLabel: _l, ...rest }: T) => rest;

  it("name the standard in force's short label in the at-risk list and the feed's breach row, never \"undefined\"", () => {
    const { ticker } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const call = openClock({ caseId: 'pbx-5', startedAgo: 13, limitSeconds: 12 });
    const older = { ...call, standards: call.standards.map(unlabelled) };
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [older] })));
    const row = root.querySelector<HTMLElement>('.rs-atrisk-item')!;
    expect(text(row, '.rs-atrisk-standard')).toContain('Calls ≤ 2 rings');
    expect(row.getAttribute('aria-label')).toBe('Call pbx-5 at Harbour: Calls ≤ 2 rings, breached, 0:01 over');

    feed(dashboard, clocksUpdate({ breaches: [unlabelled(breachOf(call))] }));
    const breachRow = root.querySelector<HTMLElement>('.rs-feed-row')!;
    expect(text(breachRow, '.rs-feed-value')).toBe('deadline passedCalls ≤ 2 rings');
    expect(root.textContent).not.toContain('undefined');
  });
});

describe('breaches in the live feed', () => {
  it('show as a breached row among the events, and are announced once', () => {
    const { ticker } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const call = openClock({ caseId: 'pbx-9', startedAgo: 13, limitSeconds: 12 });
    const earlier = judgedCall({ id: 'early' });
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [call], recent: [earlier] })));
    const announcer = root.querySelector<HTMLElement>('.rs-breach-announcer')!;
    expect(announcer.getAttribute('aria-live')).toBe('polite');
    expect(announcer.textContent).toBe('');

    feed(dashboard, clocksUpdate({ breaches: [breachOf(call)] }));
    const rows = [...root.querySelectorAll<HTMLElement>('.rs-feed-row')];
    expect(rows.map((r) => r.dataset['verdict'])).toEqual(['breached', 'met']);
    expect(text(rows[0]!, '.rs-badge')).toBe('breached');
    expect(text(rows[0]!, '.rs-feed-site')).toBe('HarbourCall pbx-9 · still open');
    expect(text(rows[0]!, '.rs-feed-value')).toBe('deadline passedCalls ≤ 2 rings');
    expect(announcer.textContent).toBe(`Breached: Call pbx-9 at Harbour: ${CALL_STANDARD.name}, due ${formatClock(call.standards[0]!.deadline!)}.`);

    // A breach names the rule that set its deadline (the version in force when the case started, as the server
    // says), not the version in force now.
    const older = openClock({ caseId: 'pbx-10', startedAgo: 13, limitSeconds: 12 });
    feed(dashboard, clocksUpdate({ breaches: [{ ...breachOf(older), standardVersion: 1, standardLabel: 'Calls ≤ 3 rings' }] }));
    expect(text(root.querySelector<HTMLElement>('.rs-feed-row')!, '.rs-feed-value')).toBe('deadline passedCalls ≤ 3 rings');

    // The feed filter finds them too.
    dashboard.dispatch({ type: 'ui/feed-filter', filter: 'breached' });
    dashboard.flush();
    expect(root.querySelectorAll('.rs-feed-row')).toHaveLength(2);
  });

  it('are announced politely, at most once in the quiet time, the ones that came meanwhile told together', () => {
    const { ticker, advance, timers } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const calls = ['pbx-1', 'pbx-2', 'pbx-3', 'pbx-4'].map((caseId) => openClock({ caseId, startedAgo: 13, limitSeconds: 12 }));
    feed(dashboard, msg.snapshot(snapshot({ openClocks: calls })));
    const announcer = root.querySelector<HTMLElement>('.rs-breach-announcer')!;
    const due = (i: number) => formatClock(calls[i]!.standards[0]!.deadline!);
    feed(dashboard, clocksUpdate({ breaches: [breachOf(calls[0]!)] }));
    expect(announcer.textContent).toBe(`Breached: Call pbx-1 at Harbour: ${CALL_STANDARD.name}, due ${due(0)}.`);
    // Two more within the quiet time: nothing new is said yet, so the reader is not talked over breach by breach.
    advance(2_000);
    feed(dashboard, clocksUpdate({ breaches: [breachOf(calls[1]!)] }));
    advance(2_000);
    feed(dashboard, clocksUpdate({ breaches: [breachOf(calls[2]!)] }));
    advance(ANNOUNCE_QUIET_MS - 5_000);
    expect(timers()).toBe(2); // the countdowns', and the announcer's while it holds news
    expect(announcer.textContent).toBe(`Breached: Call pbx-1 at Harbour: ${CALL_STANDARD.name}, due ${due(0)}.`);
    // Once it is over, one sentence for both.
    advance(1_000);
    expect(announcer.textContent).toBe(`Breached: Call pbx-2 at Harbour: ${CALL_STANDARD.name}, due ${due(1)}, and 1 more.`);
    expect(timers()).toBe(1);
    // Quiet for longer than the quiet time: the next is told at once.
    advance(ANNOUNCE_QUIET_MS);
    feed(dashboard, clocksUpdate({ breaches: [breachOf(calls[3]!)] }));
    expect(announcer.textContent).toBe(`Breached: Call pbx-4 at Harbour: ${CALL_STANDARD.name}, due ${due(3)}.`);
  });

  it('count in the header apart from the events: a full feed with a breach is the latest 50 events and 1 breach', () => {
    const { ticker } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const call = openClock({ caseId: 'pbx-9', startedAgo: 13, limitSeconds: 12 });
    const events = Array.from({ length: FEED_LIMIT }, (_, i) => judgedCall({ id: `e-${i}` }));
    feed(dashboard, msg.snapshot(snapshot({ openClocks: [call], recent: events })));
    const count = () => text(root, '.rs-feed .rs-panel-meta');
    expect(count()).toBe(`latest ${FEED_LIMIT} events`);

    feed(dashboard, clocksUpdate({ breaches: [breachOf(call)] }));
    expect(root.querySelectorAll('.rs-feed-row')).toHaveLength(FEED_LIMIT + 1);
    expect(count()).toBe(`latest ${FEED_LIMIT} events · 1 breach`);

    dashboard.dispatch({ type: 'ui/pause', paused: true });
    dashboard.flush();
    expect(count()).toBe(`paused · ${FEED_LIMIT} events · 1 breach`);
    dashboard.dispatch({ type: 'ui/feed-filter', filter: 'breached' });
    dashboard.flush();
    expect(count()).toBe('paused · 0 events · 1 breach');
  });
});

describe('complaint standards', () => {
  it('get a tile, a chart and a distribution panel like calls and visits', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ standards: withComplaints, openClocks: [] })));
    const tile = root.querySelector<HTMLElement>(`.rs-tile--standard[data-standard-id="${COMPLAINT_STANDARD.id}"]`)!;
    expect(text(tile, '.rs-tile-label')).toBe(COMPLAINT_STANDARD.name);
    expect(text(tile, '.rs-tile-target')).toBe('target 95 % · ≤ 4 h · today');
    expect(root.querySelector(`.rs-charts [data-standard-id="${COMPLAINT_STANDARD.id}"]`)).not.toBeNull();
    expect(text(root, `.rs-distribution [data-standard-id="${COMPLAINT_STANDARD.id}"] .rs-panel-title`)).toBe('Time to acknowledge');
  });
});
