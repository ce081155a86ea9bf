import { afterEach, describe, expect, it, vi } from 'vitest';
import { FEED_LIMIT } from '../../webview/src/state';
import { breachOf, clocksUpdate, complianceUpdate, judgedCall, judgedVisit, msg, openClock, snapshot } from './fixtures';
import { textContrasts } from './contrast';
import { feed, mount, text, texts, unmountAll } from './mount';

afterEach(unmountAll);

const rows = (root: HTMLElement) => [...root.querySelectorAll<HTMLTableRowElement>('.rs-feed-row')];
/** The viewer's local clock time of an instant, as the feed writes it. */
const hhmmss = (iso: string) => {
  const local = new Date(iso);
  return [local.getHours(), local.getMinutes(), local.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

describe('live feed', () => {
  it('lists the latest events newest first with time, site, type, value, badge and agent', () => {
    const { dashboard, root } = mount();
    feed(
      dashboard,
      msg.snapshot(snapshot({ recent: [judgedCall({ id: 'old-call', rings: 2, site: 'Leeds', agent: 'Priya' })] })),
      msg.judged([
        judgedVisit({ id: 'slow-visit', greetSeconds: 44, site: 'Manchester', agent: 'Tom', occurredAt: '2026-11-23T14:31:00.000Z' }),
        judgedCall({ id: 'abandoned', rings: 4, outcome: 'abandoned', agent: null, occurredAt: '2026-11-23T14:31:30.000Z' }),
      ]),
    );

    const [abandoned, visit, call] = rows(root);
    expect(rows(root).map((r) => r.dataset['eventId'])).toEqual(['abandoned', 'slow-visit', 'old-call']);

    expect(text(call!, '.rs-feed-site')).toBe('LeedsCall · answered');
    expect(text(call!, '.rs-feed-value')).toBe('2 rings');
    expect(text(call!, '.rs-badge')).toBe('met');
    expect(text(call!, '.rs-feed-agent')).toBe('Priya');

    expect(text(visit!, '.rs-feed-event')).toBe('Visit · greeted');
    expect(text(visit!, '.rs-feed-value')).toBe('44 s');
    expect(text(visit!, '.rs-badge')).toBe('missed');

    expect(text(abandoned!, '.rs-feed-event')).toBe('Call · abandoned');
    expect(text(abandoned!, '.rs-badge')).toBe('missed');
    expect(abandoned!.querySelector<HTMLElement>('.rs-badge')!.title).toContain('abandoned');
    expect(text(abandoned!, '.rs-feed-agent')).toBe('—');
    // The time shown is the viewer's local clock time of when the event was judged (it arrived).
    expect(text(abandoned!, '.rs-feed-time')).toBe(hhmmss(judgedCall().event.receivedAt));
  });

  it('shows when each row was judged, in the order the rows are in, and says so in its header', () => {
    const { dashboard, root } = mount();
    // A short call, then a long one that started 11 minutes earlier and ended after it: it arrives (and is judged) last.
    const short = judgedCall({ id: 'short', occurredAt: '2026-11-23T14:31:00.000Z' });
    short.event.receivedAt = '2026-11-23T14:31:05.000Z';
    const long = judgedCall({ id: 'long', occurredAt: '2026-11-23T14:20:00.000Z', outcome: 'abandoned', rings: 30 });
    long.event.receivedAt = '2026-11-23T14:31:40.000Z';
    feed(dashboard, msg.snapshot(snapshot({ recent: [] })), msg.judged([short]), msg.judged([long]));

    expect(rows(root).map((r) => r.dataset['eventId'])).toEqual(['long', 'short']);
    // Newest first, and the times read newest first too: the long call's start (14:20) would have read as shuffled.
    expect(texts(root, '.rs-feed-time')).toEqual([hhmmss('2026-11-23T14:31:40.000Z'), hhmmss('2026-11-23T14:31:05.000Z')]);
    expect(root.querySelector<HTMLElement>('.rs-feed-row[data-event-id="long"] .rs-feed-time')!.title).toBe(
      'judged 2026-11-23T14:31:40.000Z; started 2026-11-23T14:20:00.000Z',
    );
    const header = root.querySelector<HTMLElement>('.rs-feed-table thead th')!;
    expect(header.textContent).toBe('Judged');
    expect(header.title).toMatch(/^When it was judged, newest first/);
  });

  it('names the day of a row judged on another day than the server’s today', () => {
    const { dashboard, root } = mount();
    const judged = new Date(2026, 10, 21, 16, 29, 43);
    const old = judgedCall({ id: 'days-old', occurredAt: new Date(2026, 10, 21, 16, 20).toISOString() });
    old.event.receivedAt = judged.toISOString();
    // A complaint that started days ago and was followed up today reads by today's time, not its start's day.
    const complaint = judgedCall({ id: 'followed-up', occurredAt: new Date(2026, 10, 19, 9, 0).toISOString() });
    complaint.event.receivedAt = new Date(2026, 10, 23, 11, 16, 54).toISOString();
    feed(dashboard, msg.snapshot(snapshot({ serverTime: new Date(2026, 10, 23, 12, 0).toISOString(), recent: [complaint, old] })));
    const row = (id: string) => root.querySelector<HTMLElement>(`.rs-feed-row[data-event-id="${id}"]`)!;
    expect(text(row('days-old'), '.rs-feed-time')).toBe('21 Nov 16:29');
    expect(text(row('followed-up'), '.rs-feed-time')).toBe(hhmmss(complaint.event.receivedAt));
  });

  describe('after midnight', () => {
    // Local times (the viewer's zone), as the feed tells days apart.
    const at = (day: number, hours: number, minutes: number, seconds = 0) => new Date(2026, 10, day, hours, minutes, seconds).toISOString();
    const callJudgedAt = (id: string, receivedAt: string) => {
      const judged = judgedCall({ id, occurredAt: receivedAt });
      judged.event.receivedAt = receivedAt;
      return judged;
    };
    /** Two rows made at 23:58, labelled by their time alone: an event, and (above it) a breach pushed with the open cases. */
    const beforeMidnight = () => {
      const { dashboard, root } = mount();
      // A call ringing since 23:58:20 against a 12 s limit: its deadline passed at 23:58:32.
      const late = openClock({ caseId: 'late', startedAgo: 20, now: at(23, 23, 58, 40) });
      feed(dashboard, msg.snapshot(snapshot({ serverTime: at(23, 23, 58, 30), recent: [callJudgedAt('late-call', at(23, 23, 58, 10))], openClocks: [late] })));
      feed(dashboard, clocksUpdate({ serverTime: at(23, 23, 58, 40), changed: [late], breaches: [breachOf(late)] }));
      expect(texts(root, '.rs-feed-time')).toEqual([hhmmss(at(23, 23, 58, 32)), hhmmss(at(23, 23, 58, 10))]);
      return { dashboard, root };
    };

    it('gives rows made the day before their day once the server’s clock passes midnight and the feed renders again', () => {
      const { dashboard, root } = beforeMidnight();
      // An event judged at 00:01, then today's figures as of then, as the server sends them.
      feed(dashboard, msg.judged([callJudgedAt('after-midnight', at(24, 0, 1, 5))]), msg.compliance(complianceUpdate([], [], at(24, 0, 1, 6))));
      expect(texts(root, '.rs-feed-time')).toEqual([hhmmss(at(24, 0, 1, 5)), '23 Nov 23:58', '23 Nov 23:58']);
    });

    it('relabels them too when the first message after midnight is a breach', () => {
      const { dashboard, root } = beforeMidnight();
      const early = openClock({ caseId: 'early', startedAgo: 20, now: at(24, 0, 0, 30) });
      feed(dashboard, clocksUpdate({ serverTime: at(24, 0, 0, 30), changed: [early], breaches: [breachOf(early)] }));
      expect(texts(root, '.rs-feed-time')).toEqual([hhmmss(at(24, 0, 0, 22)), '23 Nov 23:58', '23 Nov 23:58']);
    });

    it('follows the page’s own clock before the server has said its time', () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(new Date(2026, 10, 23, 23, 58, 30));
        const { dashboard, root } = mount();
        feed(dashboard, msg.judged([callJudgedAt('late-call', at(23, 23, 58, 10))]));
        expect(texts(root, '.rs-feed-time')).toEqual([hhmmss(at(23, 23, 58, 10))]);
        vi.setSystemTime(new Date(2026, 10, 24, 0, 1, 6));
        feed(dashboard, msg.judged([callJudgedAt('after-midnight', at(24, 0, 1, 5))]));
        expect(texts(root, '.rs-feed-time')).toEqual([hhmmss(at(24, 0, 1, 5)), '23 Nov 23:58']);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('shows met and missed badges in different colours', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ rings: 1 }), judgedCall({ rings: 3 })] })));
    const [met, missed] = [...root.querySelectorAll<HTMLElement>('.rs-badge')];
    expect(met!.textContent).toBe('met');
    expect(missed!.textContent).toBe('missed');
    expect(getComputedStyle(met!).color).not.toBe(getComputedStyle(missed!).color);
  });

  it('shows an event no standard counted (outside business hours) as not counted, not missed: the misses tile does not count it either', () => {
    const { dashboard, root } = mount();
    const closed = judgedCall({ id: 'closed', rings: 1 });
    closed.judgements[0] = { ...closed.judgements[0]!, met: false, counted: false, reason: 'outside-hours' };
    // Counted by one standard and left out by another: the counted verdict is the event's.
    const mixed = judgedCall({ id: 'mixed', rings: 1 });
    mixed.judgements.push({ ...mixed.judgements[0]!, standardId: 'call-answer-night', met: false, counted: false, reason: 'outside-hours' });
    feed(dashboard, msg.snapshot(snapshot({ recent: [closed, mixed, judgedCall({ id: 'slow', rings: 3 })] })));
    const badge = (id: string) => root.querySelector<HTMLElement>(`.rs-feed-row[data-event-id="${id}"] .rs-badge`)!;
    expect(badge('closed').textContent).toBe('not counted');
    expect(badge('closed').title).toBe('Not counted: call-answer-2-rings (outside-hours)');
    expect(getComputedStyle(badge('closed')).color).not.toBe(getComputedStyle(badge('slow')).color);
    expect(badge('mixed').textContent).toBe('met');
    expect(badge('slow').textContent).toBe('missed');

    const filter = root.querySelector<HTMLInputElement>('.rs-feed-filter')!;
    filter.value = 'missed';
    filter.dispatchEvent(new Event('input'));
    dashboard.flush();
    expect(rows(root).map((r) => r.dataset['eventId'])).toEqual(['slow']);
  });

  it('counts in its header as people say it: "latest event" for one, "latest 3 events" for more, filtered too', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ id: 'fast', rings: 1 }), judgedCall({ id: 'slow', rings: 3 }), judgedCall({ id: 'slower', rings: 4 })] })));
    const count = () => text(root, '.rs-feed .rs-panel-meta');
    expect(count()).toBe('latest 3 events');
    const filter = root.querySelector<HTMLInputElement>('.rs-feed-filter')!;
    filter.value = 'met';
    filter.dispatchEvent(new Event('input'));
    dashboard.flush();
    expect(rows(root).map((r) => r.dataset['eventId'])).toEqual(['fast']);
    expect(count()).toBe('latest event');
    dashboard.dispatch({ type: 'ui/pause', paused: true });
    dashboard.flush();
    expect(count()).toBe('paused · 1 event');
  });

  it('says when rings were derived from seconds', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.judged([judgedCall({ id: 'derived', answerSeconds: 9 }), judgedCall({ id: 'measured', rings: 3, answerSeconds: 14 })]));
    expect(texts(root, '.rs-feed-value')).toEqual(['3 rings14 s', '2 ringsfrom 9 s']);
    expect(texts(root, '.rs-feed-detail')).toEqual(['14 s', 'from 9 s']);
  });

  it(`keeps at most ${FEED_LIMIT} rows and reuses rows for events already shown`, () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ id: 'first' })] })));
    const first = rows(root)[0];
    feed(dashboard, msg.judged(Array.from({ length: 20 }, (_, i) => judgedCall({ id: `batch-${i}` }))));
    expect(rows(root).at(-1)).toBe(first);
    expect(first!.classList.contains('rs-feed-row--new')).toBe(false);
    expect(rows(root)[0]!.classList.contains('rs-feed-row--new')).toBe(true);

    feed(dashboard, msg.judged(Array.from({ length: 60 }, (_, i) => judgedVisit({ id: `more-${i}` }))));
    expect(rows(root)).toHaveLength(FEED_LIMIT);
    expect(rows(root)[0]!.dataset['eventId']).toBe('more-59');
    expect(first!.isConnected).toBe(false);
  });

  it('only inserts the new rows, so rows already shown keep their place (and do not flash again)', async () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ recent: Array.from({ length: 10 }, (_, i) => judgedCall({ id: `old-${i}` })) })));
    const body = root.querySelector('.rs-feed-table tbody')!;
    const added: Node[] = [];
    const observer = new MutationObserver((records) => records.forEach((r) => added.push(...r.addedNodes)));
    observer.observe(body, { childList: true });
    feed(dashboard, msg.judged([judgedVisit({ id: 'new-1' }), judgedVisit({ id: 'new-2' })]));
    await Promise.resolve();
    observer.disconnect();
    expect(added.map((n) => (n as HTMLElement).dataset['eventId'])).toEqual(['new-2', 'new-1']);
    expect(rows(root)).toHaveLength(12);
  });

  it('shows an empty message until the first event', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));
    const empty = root.querySelector<HTMLElement>('.rs-feed-empty')!;
    expect(empty.hidden).toBe(false);
    expect(empty.textContent).toContain('No events yet');
    feed(dashboard, msg.judged([judgedVisit()]));
    expect(empty.hidden).toBe(true);
    expect(rows(root)).toHaveLength(1);
  });

  it('fills the feed in the frame after the one that first shows the board, saying nothing meanwhile', async () => {
    const { dashboard, root } = mount();
    const table = root.querySelector<HTMLElement>('.rs-feed-table')!;
    const empty = root.querySelector<HTMLElement>('.rs-feed-empty')!;
    dashboard.dispatch(msg.snapshot(snapshot({ recent: [judgedCall({ id: 'a' }), judgedCall({ id: 'b' })] })));
    // Asked after the dispatch, this frame callback runs right after the render the dispatch asked for.
    await new Promise(requestAnimationFrame);
    expect(root.querySelector<HTMLElement>('.rs-board')!.hidden).toBe(false);
    expect(root.querySelectorAll('.rs-chart-panel').length).toBeGreaterThan(0);
    expect(rows(root)).toHaveLength(0);
    expect(table.hidden && empty.hidden).toBe(true);
    await vi.waitFor(() => expect(rows(root).map((r) => r.dataset['eventId'])).toEqual(['a', 'b']));
    expect(table.hidden).toBe(false);
    expect(rows(root).some((r) => r.classList.contains('rs-feed-row--new'))).toBe(false);
    // Later renders draw it with the rest of the board.
    feed(dashboard, msg.judged([judgedVisit({ id: 'c' })]));
    expect(rows(root)[0]!.dataset['eventId']).toBe('c');
  });

  it('draws every result badge (met, missed, not counted, n/a, breached) at 4.5:1 contrast or better, live and paused', () => {
    const { dashboard, root } = mount();
    const late = openClock({ caseId: 'late', startedAgo: 20 });
    const notCounted = judgedCall({ id: 'closed-hours', rings: 4 });
    notCounted.judgements = notCounted.judgements.map((j) => ({ ...j, met: false, counted: false, reason: 'outside-hours' }));
    const unjudged = judgedCall({ id: 'no-standard' });
    unjudged.judgements = [];
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ id: 'fast', rings: 1 }), judgedCall({ id: 'slow', rings: 4 }), notCounted, unjudged], openClocks: [late] })));
    feed(dashboard, clocksUpdate({ changed: [late], breaches: [breachOf(late)] }));
    const badges = () => {
      // A new row's arrival flash tints it for 1.6 s: read the colours it settles on.
      for (const animation of document.getAnimations()) animation.finish();
      const feedPanel = root.querySelector<HTMLElement>('.rs-feed')!;
      return textContrasts(feedPanel).filter(([what]) => ['met', 'missed', 'not counted', 'n/a', 'breached'].includes(what));
    };
    expect(badges().map(([what]) => what).sort()).toEqual(['breached', 'met', 'missed', 'n/a', 'not counted']);
    expect(badges().filter(([, ratio]) => ratio < 4.5)).toEqual([]);
    root.querySelector<HTMLButtonElement>('.rs-feed-pause')!.click();
    dashboard.flush();
    expect(root.querySelector('.rs-feed')!.getAttribute('data-paused')).toBe('true');
    expect(badges().filter(([, ratio]) => ratio < 4.5)).toEqual([]);
  });

  it('finds each row by the word its badge shows, "n/a" too, and says on the n/a badge why it has no verdict', () => {
    const { dashboard, root } = mount();
    const notCounted = judgedCall({ id: 'closed-hours', rings: 4 });
    notCounted.judgements = notCounted.judgements.map((j) => ({ ...j, met: false, counted: false, reason: 'outside-hours' }));
    const unjudged = judgedCall({ id: 'no-standard' });
    unjudged.judgements = [];
    feed(dashboard, msg.snapshot(snapshot({ recent: [judgedCall({ id: 'fast', rings: 1 }), judgedCall({ id: 'slow', rings: 4 }), notCounted, unjudged] })));
    const filterBy = (words: string) => {
      const input = root.querySelector<HTMLInputElement>('.rs-feed-filter')!;
      input.value = words;
      input.dispatchEvent(new Event('input'));
      dashboard.flush();
      return rows(root).map((r) => [r.dataset['eventId'], r.querySelector('.rs-badge')!.textContent]);
    };
    expect(filterBy('n/a')).toEqual([['no-standard', 'n/a']]);
    expect(filterBy('not counted')).toEqual([['closed-hours', 'not counted']]);
    expect(filterBy('missed')).toEqual([['slow', 'missed']]);
    filterBy('');
    const naBadge = rows(root).find((r) => r.dataset['eventId'] === 'no-standard')!.querySelector<HTMLElement>('.rs-badge')!;
    expect(naBadge.title).toBe('No standard judges this event');
  });

  it('renders event text as text, never as markup', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.judged([judgedCall({ site: '<img src=x onerror=alert(1)>' })]));
    expect(root.querySelector('.rs-feed-site img')).toBeNull();
    expect(text(root, '.rs-feed-site')).toContain('<img src=x');
  });
});
