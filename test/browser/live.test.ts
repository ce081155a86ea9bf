// Live behaviour: the feed's pause / "N new" / filter, bounded memory, bursts coalesced into few renders,
// the alerts banner with acknowledge, and the reconnecting / stale state.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JudgedEvent } from '../../server/src/protocol';
import { formatClock } from '../../webview/src/format';
import { FALLBACK_DELAY_MS, MIN_RENDER_INTERVAL_MS } from '../../webview/src/scheduler';
import { FEED_LIMIT } from '../../webview/src/state';
import { RequestError } from '../../webview/src/transport/transport';
import { ANNOUNCE_QUIET_MS } from '../../webview/src/views/announcer';
import { CALL_STANDARD, NOW, answering, fakeTransport, incident, incidentChange, judgedCall, judgedVisit, manualTicker, msg, settle, snapshot } from './fixtures';
import { textContrasts } from './contrast';
import { feed, mount, text, texts, unmountAll } from './mount';

afterEach(unmountAll);

const rowIds = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>('.rs-feed-row')].map((r) => r.dataset['eventId']);

describe('live feed controls', () => {
  it('pauses: the rows stay put, a count says how many arrived, and resuming shows them', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ id: 'a' }), judgedCall({ id: 'b' })] })));
    const pause = root.querySelector<HTMLButtonElement>('.rs-feed-pause')!;
    expect(pause.getAttribute('aria-pressed')).toBe('false');
    pause.click();
    feed(dashboard, msg.judged([judgedCall({ id: 'c' }), judgedVisit({ id: 'd' })]), msg.judged([judgedCall({ id: 'e' })]));
    expect(rowIds(root)).toEqual(['a', 'b']);
    expect(pause.textContent).toBe('Resume');
    expect(pause.getAttribute('aria-pressed')).toBe('true');
    const fresh = root.querySelector<HTMLButtonElement>('.rs-feed-new')!;
    expect(fresh.hidden).toBe(false);
    expect(fresh.textContent).toBe('3 new');
    // The live data behind it kept flowing (and the host's summary says it is paused).
    expect(dashboard.state().feed.map((e) => e.event.id)).toEqual(['e', 'd', 'c', 'a', 'b']);

    fresh.click();
    dashboard.flush();
    expect(rowIds(root)).toEqual(['e', 'd', 'c', 'a', 'b']);
    expect(fresh.hidden).toBe(true);
    expect(pause.textContent).toBe('Pause');
  });

  it('filters by text (site, agent, verdict) and by the selected site and standard', async () => {
    const { dashboard, root } = mount();
    feed(
      dashboard,
      msg.snapshot(
        snapshot({
          recent: [
            judgedCall({ id: 'leeds-ok', site: 'Leeds', agent: 'Priya', rings: 1 }),
            judgedCall({ id: 'york-miss', site: 'York', agent: 'Sam', rings: 4 }),
            judgedVisit({ id: 'york-visit', site: 'York', agent: 'Priya', greetSeconds: 5 }),
          ],
        }),
      ),
    );
    const input = root.querySelector<HTMLInputElement>('.rs-feed-filter')!;
    input.value = 'priya';
    input.dispatchEvent(new Event('input'));
    dashboard.flush();
    expect(rowIds(root)).toEqual(['leeds-ok', 'york-visit']);
    input.value = 'york missed';
    input.dispatchEvent(new Event('input'));
    dashboard.flush();
    expect(rowIds(root)).toEqual(['york-miss']);
    input.value = 'nobody';
    input.dispatchEvent(new Event('input'));
    dashboard.flush();
    expect(rowIds(root)).toEqual([]);
    expect(text(root, '.rs-feed-empty')).toBe('No recent event matches the filter.');

    input.value = '';
    input.dispatchEvent(new Event('input'));
    dashboard.dispatch({ type: 'ui/select', selection: { site: 'York' } });
    dashboard.flush();
    expect(rowIds(root)).toEqual(['york-miss', 'york-visit']);
    dashboard.dispatch({ type: 'ui/select', selection: { standard: 'visit-greet-30s' } });
    dashboard.flush();
    expect(rowIds(root)).toEqual(['york-visit']);
  });

  it(`keeps memory bounded: after 10,000 events the feed holds ${FEED_LIMIT} rows and ${FEED_LIMIT} events`, () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));
    for (let batch = 0; batch < 100; batch += 1) {
      const events: JudgedEvent[] = Array.from({ length: 100 }, (_, i) => judgedCall({ id: `e-${batch * 100 + i}` }));
      dashboard.dispatch(msg.judged(events));
      if (batch % 10 === 0) dashboard.flush();
    }
    dashboard.flush();
    expect(dashboard.state().feed).toHaveLength(FEED_LIMIT);
    expect(root.querySelectorAll('.rs-feed-row')).toHaveLength(FEED_LIMIT);
    expect(rowIds(root)[0]).toBe('e-9999');
    expect(rowIds(root).at(-1)).toBe(`e-${10_000 - FEED_LIMIT}`);
    // Paused, the count grows but nothing else does.
    root.querySelector<HTMLButtonElement>('.rs-feed-pause')!.click();
    for (let i = 0; i < 1000; i += 1) dashboard.dispatch(msg.judged([judgedCall({ id: `p-${i}` })]));
    dashboard.flush();
    expect(dashboard.state().feed).toHaveLength(FEED_LIMIT);
    expect(dashboard.state().feedControls.frozen).toHaveLength(FEED_LIMIT);
    expect(text(root, '.rs-feed-new')).toBe('1,000 new');
  });
});

describe('rendering under load (on fake timers: frames, timers and the clock move only when the test says)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A dashboard whose transport records the (fake) time of every render. */
  function mountTimed() {
    const renderedAt: number[] = [];
    const { dashboard, root } = mount({ transport: { start: () => () => {}, reportRendered: () => renderedAt.push(performance.now()) } });
    feed(dashboard, msg.snapshot(snapshot()));
    return { dashboard, root, renderedAt };
  }

  it('coalesces a burst delivered in one tick into one render', () => {
    const { dashboard, renderedAt } = mountTimed();
    const before = renderedAt.length;
    for (let i = 0; i < 50; i += 1) dashboard.dispatch(msg.judged([judgedCall({ id: `burst-${i}` })]));
    expect(renderedAt).toHaveLength(before);
    // Past the next frame, the minimum interval and the fallback timer: one render, with all fifty.
    vi.advanceTimersByTime(FALLBACK_DELAY_MS + MIN_RENDER_INTERVAL_MS);
    expect(renderedAt).toHaveLength(before + 1);
    expect(dashboard.state().feed[0]!.event.id).toBe('burst-49');
  });

  it("draws the first data in the next frame after it arrives, however soon after the placeholder's render", () => {
    // A page opened by the printed link: the board renders "connecting" while its first paint is on its way, and the
    // answer arrives a few milliseconds later. Its render is not held back by the interval that paces redraws.
    const renderedAt: number[] = [];
    const { dashboard } = mount({ transport: { start: () => () => {}, reportRendered: () => renderedAt.push(performance.now()) } });
    dashboard.dispatch(msg.connection('connecting'));
    vi.advanceTimersByTime(20);
    const placeholder = renderedAt.at(-1)!;
    expect(dashboard.state().hasSnapshot).toBe(false);
    dashboard.dispatch(msg.snapshot(snapshot()));
    const arrived = performance.now();
    vi.advanceTimersByTime(20);
    const first = renderedAt.at(-1)!;
    expect(first).toBeGreaterThanOrEqual(arrived);
    expect(first - arrived).toBeLessThanOrEqual(20);
    expect(first - placeholder).toBeLessThan(MIN_RENDER_INTERVAL_MS);
    // The board's own redraws are paced from that render on.
    dashboard.dispatch(msg.judged([judgedCall({ id: 'after-first' })]));
    const drawn = renderedAt.length;
    vi.advanceTimersByTime(20);
    expect(renderedAt).toHaveLength(drawn);
    vi.advanceTimersByTime(FALLBACK_DELAY_MS + MIN_RENDER_INTERVAL_MS);
    expect(renderedAt).toHaveLength(drawn + 1);
    expect(renderedAt.at(-1)! - renderedAt.at(-2)!).toBeGreaterThanOrEqual(MIN_RENDER_INTERVAL_MS);
  });

  it('renders 50 events/s, one every 20 ms, at most once per MIN_RENDER_INTERVAL_MS, ending on the latest', () => {
    const { dashboard, root, renderedAt } = mountTimed();
    const before = renderedAt.length;
    for (let i = 0; i < 50; i += 1) {
      dashboard.dispatch(msg.judged([judgedCall({ id: `steady-${i}` })]));
      vi.advanceTimersByTime(20);
    }
    vi.advanceTimersByTime(FALLBACK_DELAY_MS + MIN_RENDER_INTERVAL_MS);
    const renders = renderedAt.slice(before);
    // One second of traffic: about ten renders (one per interval), never one per event.
    expect(renders.length).toBeGreaterThanOrEqual(8);
    expect(renders.length).toBeLessThanOrEqual(12);
    const gaps = renders.slice(1).map((at, i) => at - renders[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_RENDER_INTERVAL_MS);
    expect(rowIds(root)[0]).toBe('steady-49');
  });
});

describe('alerts banner', () => {
  it("lists the server's open incidents from the snapshot and the incident event, worst first, and drops recovered ones", () => {
    const { dashboard, root } = mount();
    const amber = incident({ severity: 'amber', siteName: 'Airport', standardLabel: 'Visits ≤ 30 s', summary: 'Airport visits: 86.0 % greeted within 30 s in the last hour — target 90 %' });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [amber] })));
    const banner = root.querySelector<HTMLElement>('.rs-alerts')!;
    expect(banner.hidden).toBe(false);
    expect(text(root, '.rs-alerts-title')).toBe('1 amber incident');

    const red = incident({ siteName: 'York' });
    feed(dashboard, incidentChange(red));
    expect(texts(root, '.rs-alert-badge')).toEqual(['Red', 'Amber']);
    expect(texts(root, '.rs-alert-message')).toEqual([red.summary, amber.summary]);
    expect(text(root, '.rs-alerts-title')).toBe('1 red · 1 amber incidents');
    expect(banner.dataset['severity']).toBe('red');

    // The amber one escalates in place: still two incidents, both red.
    feed(dashboard, incidentChange({ ...amber, severity: 'red' }, 'escalated'));
    expect(text(root, '.rs-alerts-title')).toBe('2 red incidents');
    feed(dashboard, incidentChange({ ...red, state: 'recovered', recoveredAt: NOW }, 'recovered'));
    expect(texts(root, '.rs-alert-message')).toEqual([amber.summary]);
    feed(dashboard, incidentChange({ ...amber, state: 'recovered', recoveredAt: NOW }, 'recovered'));
    expect(banner.hidden).toBe(true);
  });

  it('announces to screen readers an incident that opens or turns red, politely and a few together; not those open before', () => {
    const { ticker, advance } = manualTicker();
    const { dashboard, root } = mount({ ticker });
    const before = incident({ siteName: 'Leeds' });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [before] })));
    const announcer = root.querySelector<HTMLElement>('.rs-incident-announcer')!;
    expect(announcer.getAttribute('aria-live')).toBe('polite');
    expect(announcer.textContent).toBe('');

    const amber = incident({ severity: 'amber', siteName: 'Airport', summary: 'Airport visits: 86.0 % greeted within 30 s in the last hour — target 90 %' });
    feed(dashboard, incidentChange(amber));
    expect(announcer.textContent).toBe('Amber incident: Airport visits: 86.0 % greeted within 30 s in the last hour — target 90 %.');
    // Within the quiet time: held, then told together.
    feed(dashboard, incidentChange({ ...amber, severity: 'red' }, 'escalated'), incidentChange(incident({ siteName: 'York' })));
    // An acknowledgement is not news.
    feed(dashboard, incidentChange({ ...before, acknowledgedAt: NOW, acknowledgedBy: 'ana', acknowledgedSeverity: 'red' }, 'acknowledged'));
    expect(announcer.textContent).toContain('Amber incident');
    advance(ANNOUNCE_QUIET_MS);
    expect(announcer.textContent).toBe('Now red: Airport visits: 86.0 % greeted within 30 s in the last hour — target 90 %. And 1 more incident.');
  });

  it('shows the plain summary first and the SRE detail behind "Details"', () => {
    const { dashboard, root } = mount();
    const harbour = incident();
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [harbour] })));
    const row = root.querySelector<HTMLElement>(`.rs-alert[data-incident="${harbour.id}"]`)!;
    expect(text(row, '.rs-alert-message')).toBe('Harbour calls: 84.1 % answered within 2 rings in the last hour — target 90 %');
    expect(row.querySelector('details')!.open).toBe(false);
    expect(texts(row, '.rs-alert-details li')).toEqual(harbour.detail.lines);
    // Named with its incident for a screen reader, as its Acknowledge is.
    expect(row.querySelector('.rs-alert-details summary')!.getAttribute('aria-label')).toBe(`Details: ${harbour.summary}`);
  });

  it('acknowledges exactly one incident through the transport and shows who; an error is shown, not swallowed', async () => {
    const firing = incident();
    let fail = true;
    const fake = fakeTransport((request) => {
      if (request.kind !== 'ack-incidents') return answering({})(request);
      if (fail) throw new RequestError({ type: 'x', title: 'Forbidden', status: 403, detail: 'POST /api/v1/incidents/ack needs a key with scope "read"' });
      return { incidents: [{ ...firing, acknowledgedAt: NOW, acknowledgedBy: 'ana', acknowledgedSeverity: 'red' as const }] };
    });
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [firing] })));
    const ack = () => root.querySelector<HTMLButtonElement>('.rs-alert-ack');
    expect(ack()!.getAttribute('aria-label')).toBe(`Acknowledge: ${firing.summary}`);
    expect(root.querySelector<HTMLButtonElement>('.rs-alerts-ack-all')!.hidden).toBe(true); // one incident: no "all"
    ack()!.click();
    expect(fake.requests.at(-1)).toEqual({ kind: 'ack-incidents', ids: [firing.id] });
    await settle();
    dashboard.flush();
    expect(text(root, '.rs-alerts-error')).toContain('scope "read"');

    fail = false;
    ack()!.click();
    dashboard.flush();
    expect(ack()!.disabled).toBe(true);
    await settle();
    dashboard.flush();
    expect(ack()).toBeNull();
    expect(text(root, '.rs-alert-acked')).toBe(`acknowledged by ana at ${formatClock(NOW, false)}`);
    expect(text(root, '.rs-alerts-title')).toBe('1 red incident (1 acknowledged)');
  });

  it('keeps the focus in the incident’s row through its Acknowledge, and open Details open when another incident changes', async () => {
    const firing = incident({ siteName: 'Harbour' });
    const other = incident({ siteName: 'Airport', severity: 'amber' });
    const fake = fakeTransport((request) => {
      if (request.kind !== 'ack-incidents') return answering({})(request);
      return { incidents: [{ ...firing, acknowledgedAt: NOW, acknowledgedBy: 'ana', acknowledgedSeverity: 'red' as const }] };
    });
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [firing, other] })));
    const row = () => root.querySelector<HTMLElement>(`.rs-alert[data-incident="${firing.id}"]`)!;
    const ack = row().querySelector<HTMLButtonElement>('.rs-alert-ack')!;
    ack.focus();
    ack.click();
    dashboard.flush();
    // Busy, then gone: the focus moves to the same incident's Details, not to the start of the page.
    expect(row().contains(document.activeElement)).toBe(true);
    await settle();
    dashboard.flush();
    expect(row().querySelector('.rs-alert-ack')).toBeNull();
    expect(document.activeElement).toBe(row().querySelector('.rs-alert-details summary'));

    row().querySelector('details')!.open = true;
    feed(dashboard, incidentChange({ ...other, severity: 'red' }, 'escalated'));
    expect(text(root, '.rs-alerts-title')).toBe('2 red incidents (1 acknowledged)');
    expect(row().querySelector('details')!.open).toBe(true);
    expect(document.activeElement).toBe(row().querySelector('.rs-alert-details summary'));
  });

  it('gives the focus back in the redrawn rows without scrolling the page to them', () => {
    const firing = incident({ siteName: 'Harbour' });
    const other = incident({ siteName: 'Airport', severity: 'amber' });
    const { dashboard, root } = mount();
    // Room to scroll the banner out of view, whatever the size of the test's page.
    const below = document.createElement('div');
    below.style.height = `${3 * window.innerHeight}px`;
    root.after(below);
    try {
      feed(dashboard, msg.snapshot(snapshot({ openIncidents: [firing, other] })));
      const row = () => root.querySelector<HTMLElement>(`.rs-alert[data-incident="${firing.id}"]`)!;
      row().querySelector<HTMLElement>('.rs-alert-details summary')!.focus();
      // The keyboard user scrolls on (to below the board), leaving the focus in the banner, above the viewport now.
      window.scrollTo(0, window.scrollY + below.getBoundingClientRect().top);
      expect(row().getBoundingClientRect().bottom).toBeLessThan(0);

      feed(dashboard, incidentChange({ ...other, severity: 'red' }, 'escalated'));
      expect(document.activeElement).toBe(row().querySelector('.rs-alert-details summary'));
      // Still out of view: the page stayed where the user scrolled it (give or take the board's own changes above).
      expect(row().getBoundingClientRect().bottom).toBeLessThan(0);
    } finally {
      below.remove();
      window.scrollTo(0, 0);
    }
  });

  it('"Acknowledge all N" acknowledges every unacknowledged incident the title counts, in one request', async () => {
    const list = [incident({ siteName: 'Harbour' }), incident({ siteName: 'Airport', severity: 'amber' }), incident({ siteName: 'York', acknowledgedAt: NOW, acknowledgedBy: 'bo', acknowledgedSeverity: 'red' })];
    const fake = fakeTransport((request) => {
      if (request.kind !== 'ack-incidents') return answering({})(request);
      return { incidents: list.filter((i) => request.ids.includes(i.id)).map((i) => ({ ...i, acknowledgedAt: NOW, acknowledgedBy: 'ana', acknowledgedSeverity: i.severity })) };
    });
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: list })));
    const all = root.querySelector<HTMLButtonElement>('.rs-alerts-ack-all')!;
    expect(text(root, '.rs-alerts-title')).toBe('2 red · 1 amber incidents (1 acknowledged)');
    expect(all.hidden).toBe(false);
    expect(all.textContent).toBe('Acknowledge all 2');
    all.focus();
    all.click();
    expect(fake.requests.filter((r) => r.kind === 'ack-incidents')).toEqual([{ kind: 'ack-incidents', ids: [list[0]!.id, list[1]!.id] }]);
    await settle();
    dashboard.flush();
    expect(text(root, '.rs-alerts-title')).toBe('2 red · 1 amber incidents (3 acknowledged)');
    expect(all.hidden).toBe(true);
    // Its work done, the focus goes on to the first incident rather than to the start of the page.
    expect(document.activeElement).toBe(root.querySelector('.rs-alert .rs-alert-details summary'));
  });

  it('keeps an acknowledged incident readable: every text in its row at 4.5:1 contrast (WCAG AA) or better, details open', () => {
    const { dashboard, root } = mount();
    const seen = incident({ siteName: 'Harbour', acknowledgedAt: NOW, acknowledgedBy: 'ana', acknowledgedSeverity: 'red' });
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: [seen, incident({ siteName: 'Airport', severity: 'amber' })] })));
    for (const details of root.querySelectorAll<HTMLDetailsElement>('.rs-alert-details')) details.open = true;
    const acked = [...root.querySelectorAll<HTMLElement>('.rs-alert')].find((row) => row.querySelector('.rs-alert-acked'))!;
    const ratios = textContrasts(acked);
    expect(ratios.map(([what]) => what)).toEqual(expect.arrayContaining([expect.stringContaining('acknowledged by ana'), expect.stringContaining('since')]));
    expect(ratios.filter(([, ratio]) => ratio < 4.5)).toEqual([]);
  });

  it('shows three incidents and the rest behind "Show all"', () => {
    const { dashboard, root } = mount();
    const many = Array.from({ length: 5 }, (_, i) => incident({ siteName: `Site ${i}`, severity: 'amber' }));
    feed(dashboard, msg.snapshot(snapshot({ openIncidents: many })));
    expect(root.querySelectorAll('.rs-alert')).toHaveLength(3);
    const more = root.querySelector<HTMLButtonElement>('.rs-alerts-more')!;
    expect(more.textContent).toBe('Show all 5');
    more.click();
    expect(root.querySelectorAll('.rs-alert')).toHaveLength(5);
    expect(more.getAttribute('aria-expanded')).toBe('true');
  });
});

describe('designed states', () => {
  it('says "Reconnecting…" with the last-updated time over the board while the connection is down', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));
    const stale = root.querySelector<HTMLElement>('.rs-stale')!;
    expect(stale.hidden).toBe(true);
    feed(dashboard, msg.connection('disconnected', 'transport close'));
    expect(text(root, '.rs-connection-label')).toBe('Reconnecting…');
    expect(stale.hidden).toBe(false);
    expect(stale.textContent).toBe(`Reconnecting… showing figures as of ${formatClock(NOW)}.`);
    // The figures stay on screen.
    expect(text(root, `.rs-tile[data-standard-id="${CALL_STANDARD.id}"] .rs-tile-value`)).toBe('93.0 %');
    feed(dashboard, msg.connection('connecting'));
    expect(text(root, '.rs-connection-label')).toBe('Reconnecting…');
    feed(dashboard, msg.snapshot(snapshot()));
    expect(stale.hidden).toBe(true);
    expect(text(root, '.rs-connection-label')).toBe('Live');
  });

  it('says where history is not available (a host that cannot answer queries) instead of a blank chart', () => {
    const { dashboard, root } = mount({ selection: { window: '7d' } });
    feed(dashboard, msg.snapshot(snapshot()));
    expect(text(root, `.rs-tile[data-standard-id="${CALL_STANDARD.id}"] .rs-tile-counts`)).toBe('History is not available here');
    expect(text(root, '.rs-chart-panel .rs-chart-note')).toBe('History is not available here');
  });
});

