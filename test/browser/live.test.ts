// Live behaviour: the feed's pause / "N new" / filter, bounded memory, bursts coalesced into few renders,
// the alerts banner with acknowledge, and the reconnecting / stale state.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JudgedEvent } from '../../server/src/protocol';
import { formatClock } from '../../webview/src/format';
import { FALLBACK_DELAY_MS, MIN_RENDER_INTERVAL_MS } from '../../webview/src/scheduler';
import { FEED_LIMIT } from '../../webview/src/state';
import { RequestError } from '../../webview/src/transport/transport';
import { CALL_STANDARD, NOW, alert, answering, fakeTransport, judgedCall, judgedVisit, msg, settle, snapshot } from './fixtures';
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
  it('lists active alerts from the snapshot and the alert event, worst first, and drops recovered ones', () => {
    const { dashboard, root } = mount();
    const amber = alert({ severity: 'amber', standardId: 'visit-greet-30s', message: 'Visitors greeted within 30 s at 86 %: amber' });
    feed(dashboard, msg.snapshot({ ...snapshot(), activeAlerts: [amber] }));
    const banner = root.querySelector<HTMLElement>('.rs-alerts')!;
    expect(banner.hidden).toBe(false);
    expect(text(root, '.rs-alerts-title')).toBe('1 amber alert');

    const red = alert({ severity: 'red', site: 'York' });
    feed(dashboard, { type: 'alert', alert: red });
    expect(texts(root, '.rs-alert-badge')).toEqual(['Red', 'Amber']);
    expect(texts(root, '.rs-alert-site')).toEqual(['York', 'All sites']);
    expect(text(root, '.rs-alerts-title')).toBe('1 red · 1 amber alerts');
    expect(banner.dataset['severity']).toBe('red');

    feed(dashboard, { type: 'alert', alert: { ...red, id: red.id + 1, state: 'recovered', previousId: red.id } });
    expect(texts(root, '.rs-alert-badge')).toEqual(['Amber']);
    feed(dashboard, { type: 'alert', alert: { ...amber, id: amber.id + 50, state: 'recovered', previousId: amber.id } });
    expect(banner.hidden).toBe(true);
  });

  it('acknowledges through the transport and shows who acknowledged; an error is shown, not swallowed', async () => {
    const firing = alert();
    let fail = true;
    const fake = fakeTransport((request) => {
      if (request.kind !== 'ack-alert') return answering({})(request);
      if (fail) throw new RequestError({ type: 'x', title: 'Forbidden', status: 403, detail: 'POST /api/v1/alerts/1/ack needs a key with scope "admin"' });
      return { ...firing, acknowledgedAt: NOW, acknowledgedBy: 'ana' };
    });
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot({ ...snapshot(), activeAlerts: [firing] }));
    const ack = () => root.querySelector<HTMLButtonElement>('.rs-alert-ack');
    expect(ack()!.getAttribute('aria-label')).toBe(`Acknowledge: ${firing.message}`);
    ack()!.click();
    expect(fake.requests.at(-1)).toEqual({ kind: 'ack-alert', alertId: firing.id });
    await settle();
    dashboard.flush();
    expect(text(root, '.rs-alerts-error')).toContain('scope "admin"');

    fail = false;
    ack()!.click();
    dashboard.flush();
    expect(ack()!.disabled).toBe(true);
    await settle();
    dashboard.flush();
    expect(ack()).toBeNull();
    expect(text(root, '.rs-alert-acked')).toBe(`acknowledged by ana at ${formatClock(NOW, false)}`);
    expect(text(root, '.rs-alerts-title')).toBe('1 red alert (1 acknowledged)');
  });

  it('shows one incident per standard and site: its plain line first, the burn-rate detail behind "Details", one Acknowledge for all its records', async () => {
    const band = alert({ site: 'harbour', severity: 'amber', message: 'Calls answered within 2 rings at harbour: 86.0 % over 1h (target 90 %)' });
    const burn = alert({ site: 'harbour', kind: 'burn-rate', severity: 'page', message: 'page — error budget burning 15× over 1h & 14.4× over 5m' });
    const other = alert({ site: 'airport', severity: 'amber' });
    const acked = new Map<number, unknown>();
    const fake = fakeTransport((request) => {
      if (request.kind !== 'ack-alert') return answering({})(request);
      const record = [band, burn, other].find((a) => a.id === request.alertId)!;
      const done = { ...record, acknowledgedAt: NOW, acknowledgedBy: 'ana' };
      acked.set(record.id, done);
      return done;
    });
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot({ ...snapshot(), activeAlerts: [band, burn, other] }));
    expect(root.querySelectorAll('.rs-alert')).toHaveLength(2);
    expect(text(root, '.rs-alerts-title')).toBe('1 red · 1 amber alerts');
    const harbour = root.querySelector<HTMLElement>('.rs-alert[data-incident="call-answer-2-rings|harbour"]')!;
    expect(text(harbour, '.rs-alert-badge')).toBe('Red');
    expect(text(harbour, '.rs-alert-message')).toBe(band.message);
    expect(text(harbour, '.rs-alert-details li')).toBe(burn.message);
    expect(harbour.querySelector('details')!.open).toBe(false);

    harbour.querySelector<HTMLButtonElement>('.rs-alert-ack')!.click();
    expect(fake.requests.filter((r) => r.kind === 'ack-alert').map((r) => r.kind === 'ack-alert' && r.alertId).sort()).toEqual([band.id, burn.id].sort());
    await settle();
    dashboard.flush();
    expect([...acked.keys()].sort()).toEqual([band.id, burn.id].sort());
    expect(root.querySelector('.rs-alert[data-incident="call-answer-2-rings|harbour"]')!.getAttribute('data-acknowledged')).toBe('true');
    expect(text(root, '.rs-alerts-title')).toBe('1 red · 1 amber alerts (1 acknowledged)');
  });

  it('shows three alerts and the rest behind "Show all"', () => {
    const { dashboard, root } = mount();
    const many = Array.from({ length: 5 }, (_, i) => alert({ site: `site-${i}`, severity: 'amber' }));
    feed(dashboard, msg.snapshot({ ...snapshot(), activeAlerts: many }));
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
    expect(text(root, `.rs-tile[data-standard-id="${CALL_STANDARD.id}"] .rs-tile-value`)).toBe('93.1 %');
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
