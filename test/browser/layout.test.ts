// The dashboard fits every width it is used at, from a phone-narrow VS Code side panel (320 px) to a wallboard
// (2,560 px): no horizontal scrolling, and the header's parts (title, subtitle, connection pill, controls) never
// drawn over each other, also while it says "Reconnecting…" and an alert banner is up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { CALL_STANDARD, COMPLAINT_STANDARD, STANDARDS, VISIT_STANDARD, answering, breachOf, clocksUpdate, figure, openClock, incident, incidentChange, complianceReport, fakeTransport, group, judgedCall, judgedVisit, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';
import { mountExportButton } from '../../webview/src/views/exportButton';
import { Chart } from '../../webview/src/views/compliance-chart';


afterEach(() => {
  unmountAll();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

// 390 px: a phone held upright, where a breach row's case id wraps.
const WIDTHS = [320, 390, 410, 450, 768, 1040, 1400, 2560];

// Counts of a busy week and month: "3,138 / 3,367" is the widest count a site bar shows in the demo's 7-day view.
const groups = complianceReport({
  groupBy: 'site',
  bucket: null,
  groups: {
    [CALL_STANDARD.id]: [
      group('Harbour Street Contact Centre', 2458, 3367),
      group('Airport Terminal 2 Information Desk', 3138, 3367),
      group('Downtown', 88, 100),
      group('Newcastle upon Tyne – Northumberland Street (Reception, 2nd floor)', 61, 70),
    ],
    [VISIT_STANDARD.id]: [group('Harbour Street Contact Centre', 13_802, 14_411), group('Downtown', 49, 50)],
  },
});

/** The words of a node's text that are broken across two lines, though the node is wide enough for each whole. */
function brokenWords(node: HTMLElement): string[] {
  const text = node.firstChild!;
  const broken: string[] = [];
  const measure = document.createElement('span');
  measure.style.cssText = 'position: absolute; visibility: hidden; white-space: nowrap';
  node.append(measure);
  for (const match of (text.textContent ?? '').matchAll(/\S+/g)) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    measure.textContent = match[0];
    const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    if (lines > 1 && measure.getBoundingClientRect().width <= node.clientWidth) broken.push(match[0]);
  }
  measure.remove();
  return broken;
}

/** How many lines a node's text takes on screen. */
function lineCount(node: HTMLElement): number {
  const range = document.createRange();
  range.selectNodeContents(node);
  return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
}

/** What sticks out to the right of the viewport (for a useful failure message). */
function overflowing(root: HTMLElement): string[] {
  return [...root.querySelectorAll<HTMLElement>('*')]
    .filter((node) => node.getClientRects().length > 0 && node.getBoundingClientRect().right > innerWidth + 0.5)
    .map((node) => `${node.tagName.toLowerCase()}.${[...node.classList].join('.')} right=${Math.round(node.getBoundingClientRect().right)}`)
    .slice(0, 8);
}

function overlaps(a: DOMRect, b: DOMRect): boolean {
  return a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
}

async function mountBusyDashboard() {
  const fake = fakeTransport(answering({ groups }));
  const { dashboard, root } = mount({ transport: fake.transport });
  // Open cases with long names: a breached call, an at-risk visit, complaints days from their deadline.
  const openClocks = [
    openClock({ site: 'Harbour Street Contact Centre', caseId: 'pbx-2026-11-23-000000123456', startedAgo: 75, limitSeconds: 12 }),
    // The reception kiosk's case ids: "kiosk-" and 24 hex digits.
    openClock({ type: 'visit', site: 'Harbour', caseId: 'kiosk-4f9d5e2a17c3b8d09e6f1a24', standardId: VISIT_STANDARD.id, startedAgo: 27, limitSeconds: 30 }),
    ...[1, 2, 3].map((d) => openClock({ type: 'complaint', site: 'Downtown', caseId: `CRM-COMPLAINT-${d}`, standardId: COMPLAINT_STANDARD.id, startedAgo: d * 86_400 - 600, limitSeconds: 3 * 86_400 })),
  ];
  const events = [
    judgedCall({ site: 'Harbour Street Contact Centre', agent: 'Maximiliana Oyelaran-Smythe', rings: 4 }),
    judgedVisit({ site: 'Airport Terminal 2 Information Desk' }),
    judgedCall({ site: 'Downtown' }),
    judgedVisit({ site: 'Downtown', outcome: 'left' }),
  ];
  feed(
    dashboard,
    msg.connection('connected'),
    // A full "100.0 %" is the widest figure a tile shows.
    msg.snapshot(snapshot({ recent: events, standards: [...STANDARDS, COMPLAINT_STANDARD], openClocks, today: [figure(CALL_STANDARD, 144, 144), figure(VISIT_STANDARD, 41, 48)] })),
    clocksUpdate({ breaches: [breachOf(openClocks[0]!)] }),
    incidentChange(incident({ siteName: 'Harbour Street Contact Centre', summary: 'Harbour Street Contact Centre calls: 73.0 % answered within 2 rings in the last hour — target 90 %' })),
    incidentChange(incident({ siteName: 'Airport', severity: 'amber', standardId: VISIT_STANDARD.id, summary: 'Airport visits: 86.2 % greeted within 30 s in the last hour — target 90 %' })),
  );
  await settle();
  dashboard.flush();
  // The connection drops: the pill says "Reconnecting…" and the stale notice shows, with the figures kept.
  feed(dashboard, msg.connection('disconnected', 'transport close'));
  return { dashboard, root };
}

describe('a site named with one long word', () => {
  // A branch named after its village: 58 letters without a space, wider than a phone. Filtered to it, every panel's
  // heading line names it ("… · last 7 days · Llanfairpwll…gogoch Branch"): those lines ran past the page's edge.
  const name = 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch Branch';
  for (const width of [320, 390]) {
    it(`keeps the page its width when filtered to that site at ${width} px`, async () => {
      await page.viewport(width, 900);
      const fake = fakeTransport(answering({ groups }));
      const { dashboard, root } = mount({ transport: fake.transport });
      feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ sites: [{ id: 'llanfair', name }] })));
      dashboard.dispatch({ type: 'ui/select', selection: { site: 'llanfair' } });
      await settle();
      dashboard.flush();
      expect([...root.querySelectorAll('.rs-panel-meta')].some((m) => m.textContent?.includes(name))).toBe(true);
      expect(overflowing(root), `elements past the right edge at ${width} px`).toEqual([]);
      expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(innerWidth);
    });
  }
});

describe('layout at every width', () => {
  for (const width of WIDTHS) {
    it(`has no horizontal overflow and no overlapping header parts at ${width} px`, async () => {
      await page.viewport(width, 900);
      expect(innerWidth).toBe(width);
      const { root } = await mountBusyDashboard();
      expect(root.querySelector('.rs-connection-label')?.textContent).toBe('Reconnecting…');
      expect(root.querySelectorAll('.rs-bar').length).toBeGreaterThan(0);
      expect(root.querySelectorAll('.rs-tile--open').length).toBe(3);
      expect(root.querySelectorAll('.rs-atrisk-item').length).toBeGreaterThan(0);
      expect(root.querySelectorAll('.rs-feed-row--breach').length).toBe(1);

      expect(overflowing(root), `elements past the right edge at ${width} px`).toEqual([]);
      expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(innerWidth);

      const parts = ['.rs-title', '.rs-subtitle', '.rs-connection', '.rs-controls'].map((selector) => {
        const node = root.querySelector<HTMLElement>(selector);
        expect(node, selector).not.toBeNull();
        return { selector, rect: node!.getBoundingClientRect() };
      });
      for (let i = 0; i < parts.length; i += 1) {
        for (let j = i + 1; j < parts.length; j += 1) {
          expect(overlaps(parts[i]!.rect, parts[j]!.rect), `${parts[i]!.selector} overlaps ${parts[j]!.selector} at ${width} px`).toBe(false);
        }
      }

      // A tile's figure stays on one line ("100.0 %", never "100.0" above "%").
      for (const value of root.querySelectorAll<HTMLElement>('.rs-tile--standard .rs-tile-value')) {
        const lineHeight = parseFloat(getComputedStyle(value).lineHeight);
        expect(value.getBoundingClientRect().height, `"${value.textContent}" wraps at ${width} px`).toBeLessThan(lineHeight * 1.5);
        expect(value.scrollWidth, `"${value.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(value.clientWidth + 1);
      }

      // A site's count ("3,138 / 3,367") stays on one line and whole, and the bars of one list keep one track width
      // (their target markers line up).
      const details = [...root.querySelectorAll<HTMLElement>('.rs-sites .rs-bar-detail')];
      expect(details.map((d) => d.textContent)).toContain('3,138 / 3,367');
      for (const detail of details) {
        expect(lineCount(detail), `"${detail.textContent}" wraps at ${width} px`).toBe(1);
        expect(detail.scrollWidth, `"${detail.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(detail.clientWidth + 1);
      }
      // A site's name reads whole (wrapped if need be, never cut off with an ellipsis): sites of one operation often
      // differ only at the end of their names ("Airport Terminal 2 …", "Airport Terminal 3 …").
      const labels = [...root.querySelectorAll<HTMLElement>('.rs-sites .rs-bar-label')];
      expect(labels.map((l) => l.textContent)).toContain('Airport Terminal 2 Information Desk');
      for (const label of labels) {
        expect(label.scrollWidth, `"${label.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(label.clientWidth + 1);
      }
      // A long name reads in a few lines (four in a 320 px side panel), broken between its words: beside its bar in a
      // column of about 110 px (at 1,400 px) or 75 px (at 450 px) it took six and nine lines, and "Northumberlan" over
      // "d Street" in a font a little wider.
      const long = labels.find((l) => l.textContent === 'Newcastle upon Tyne – Northumberland Street (Reception, 2nd floor)')!;
      expect(lineCount(long), `the long name's lines at ${width} px`).toBeLessThanOrEqual(width <= 320 ? 4 : 3);
      for (const label of labels) expect(brokenWords(label), `"${label.textContent}" at ${width} px`).toEqual([]);
      for (const list of root.querySelectorAll<HTMLElement>('.rs-sites .rs-bars-list')) {
        const tracks = [...list.querySelectorAll<HTMLElement>('.rs-bar-track')].map((t) => Math.round(t.getBoundingClientRect().width));
        expect(new Set(tracks).size, `track widths ${tracks.join(', ')} at ${width} px`).toBe(1);
      }

      // The live feed's rows fit its card: no sideways scrolling inside it, the breach's verdict badge included.
      const feedScroll = root.querySelector<HTMLElement>('.rs-feed-scroll')!;
      expect(feedScroll.scrollWidth, `the live feed scrolls sideways at ${width} px`).toBeLessThanOrEqual(feedScroll.clientWidth + 1);
      const badge = root.querySelector<HTMLElement>('.rs-feed-row--breach .rs-badge')!;
      expect(badge.getBoundingClientRect().right, `the breach's badge ends past the feed at ${width} px`).toBeLessThanOrEqual(feedScroll.getBoundingClientRect().right + 0.5);

      // A breach row's case reads whole too, as the at-risk list shows it (wrapped, never cut off with an ellipsis),
      // and its tooltip holds the id.
      const breachCase = root.querySelector<HTMLElement>('.rs-feed-row--breach .rs-feed-event')!;
      expect(breachCase.textContent).toBe('Call pbx-2026-11-23-000000123456 · still open');
      expect(breachCase.title).toBe('case id: pbx-2026-11-23-000000123456');
      expect(breachCase.scrollWidth, `"${breachCase.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(breachCase.clientWidth + 1);
      expect(breachCase.getBoundingClientRect().right, `the breach's case ends past the feed at ${width} px`).toBeLessThanOrEqual(feedScroll.getBoundingClientRect().right + 0.5);

      // What became of each event reads whole ("Visit · left ungreeted", never "Visit · left ungr…": greeted or not is
      // the news), wrapped if need be.
      const outcomes = [...root.querySelectorAll<HTMLElement>('.rs-feed-row .rs-feed-event')];
      expect(outcomes.map((o) => o.textContent)).toContain('Visit · left ungreeted');
      for (const outcome of outcomes) {
        expect(outcome.scrollWidth, `"${outcome.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(outcome.clientWidth + 1);
      }

      // An at-risk case reads whole, its id included (wrapped if need be, never cut off with an ellipsis).
      const cases = [...root.querySelectorAll<HTMLElement>('.rs-atrisk-case')];
      expect(cases.map((c) => c.textContent)).toContain('Harbour · Visit kiosk-4f9d5e2a17c3b8d09e6f1a24');
      for (const kase of cases) {
        expect(kase.scrollWidth, `"${kase.textContent}" is cut at ${width} px`).toBeLessThanOrEqual(kase.clientWidth + 1);
        expect(kase.getBoundingClientRect().right, `"${kase.textContent}" ends past its row at ${width} px`).toBeLessThanOrEqual(kase.closest('.rs-atrisk-item')!.getBoundingClientRect().right + 0.5);
      }
    });
  }
});

/** The horizontal extent of each time label a compliance chart draws under its x axis, left to right. */
function timeLabelExtents(canvas: HTMLCanvasElement): Array<{ label: string; left: number; right: number }> {
  const chart = Chart.getChart(canvas)!;
  const measure = canvas.getContext('2d')!;
  return chart.scales['x']!.getLabelItems().map((item) => {
    measure.font = item.font.string;
    const width = measure.measureText(String(item.label)).width;
    const x = item.options.translation![0];
    const left = item.options.textAlign === 'left' ? x : item.options.textAlign === 'right' ? x - width : x - width / 2;
    return { label: String(item.label), left, right: left + width };
  });
}

describe('the compliance charts’ time axis at every width', () => {
  for (const width of WIDTHS) {
    it(`leaves a readable gap between its time labels at ${width} px`, async () => {
      await page.viewport(width, 900);
      const { root } = await mountBusyDashboard();
      const canvases = [...root.querySelectorAll<HTMLCanvasElement>('.rs-chart-panel canvas')];
      expect(canvases.length).toBeGreaterThan(0);
      for (const canvas of canvases) {
        const labels = timeLabelExtents(canvas);
        expect(labels.length, `time labels at ${width} px`).toBeGreaterThanOrEqual(2);
        for (let i = 1; i < labels.length; i += 1) {
          const gap = labels[i]!.left - labels[i - 1]!.right;
          expect(gap, `"${labels[i - 1]!.label}" and "${labels[i]!.label}" at ${width} px`).toBeGreaterThanOrEqual(8);
        }
      }
    });
  }
});

describe('the browser page’s Export… panel', () => {
  // A browser mounts "Export…" after the title and subtitle (webview/src/boot.ts); at some widths it ends up near
  // the right edge, and the panel below it once stuck out by up to 150 px, its Download button cut off.
  it('opens inside the viewport at every width from 320 to 800 px', async () => {
    const { dashboard, root } = mount({ transport: fakeTransport(answering({ groups })).transport, selection: { window: '7d' } });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: STANDARDS })));
    await settle();
    dashboard.flush();
    const box = mountExportButton(root, 'http://127.0.0.1:1/', () => dashboard.state(), () => null) as HTMLDetailsElement;
    const summary = box.querySelector('summary')!;
    const panel = box.querySelector<HTMLElement>('div')!;
    let nearTheEdge = 0;
    for (let width = 320; width <= 800; width += 10) {
      await page.viewport(width, 900);
      const opened = new Promise((resolve) => box.addEventListener('toggle', resolve, { once: true }));
      summary.click();
      await opened;
      if (summary.getBoundingClientRect().left + 253 > width) nearTheEdge += 1;
      const rect = panel.getBoundingClientRect();
      expect(rect.width).toBeGreaterThan(0);
      expect(rect.left, `the panel starts left of the viewport at ${width} px`).toBeGreaterThanOrEqual(0);
      expect(rect.right, `the panel ends past the viewport at ${width} px`).toBeLessThanOrEqual(innerWidth);
      expect(overflowing(root), `elements past the right edge at ${width} px`).toEqual([]);
      expect(document.documentElement.scrollWidth, `page scrolls sideways at ${width} px`).toBeLessThanOrEqual(innerWidth);
      const closed = new Promise((resolve) => box.addEventListener('toggle', resolve, { once: true }));
      summary.click();
      await closed;
    }
    // The case that matters was met: "Export…" sat too close to the right edge for the panel at some width.
    expect(nearTheEdge).toBeGreaterThan(0);
  });
});

describe('the at-risk list’s place', () => {
  const top = (root: HTMLElement, selector: string) => root.querySelector(selector)!.getBoundingClientRect();

  it('on a phone comes right after the tiles, above the charts, staffing, distributions and sites', async () => {
    await page.viewport(390, 844);
    const { root } = await mountBusyDashboard();
    const atRisk = top(root, '.rs-atrisk');
    expect(atRisk.top).toBeGreaterThan(top(root, '.rs-tiles').bottom);
    for (const below of ['.rs-charts', '.rs-staffing', '.rs-distribution', '.rs-sites', '.rs-feed']) {
      expect(atRisk.bottom, `at risk ends below the top of ${below}`).toBeLessThan(top(root, below).top);
    }
    // The panels' order otherwise is as on a desktop, one gap apart.
    const order = ['.rs-open', '.rs-tiles', '.rs-atrisk', '.rs-charts', '.rs-staffing', '.rs-distribution', '.rs-sites', '.rs-feed'].map((selector) => top(root, selector).top);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(top(root, '.rs-charts').top - atRisk.bottom).toBe(16);
  });

  it('on a desktop stays first in the right-hand column, beside the charts', async () => {
    await page.viewport(1400, 900);
    const { root } = await mountBusyDashboard();
    const atRisk = top(root, '.rs-atrisk');
    const charts = top(root, '.rs-charts');
    expect(atRisk.top).toBe(charts.top);
    expect(atRisk.left).toBeGreaterThan(charts.right);
    expect(atRisk.bottom).toBeLessThan(top(root, '.rs-sites').top);
  });
});

describe('the Export… popover', () => {
  async function mountWithExport(fetchAnswer: () => Response) {
    await page.viewport(1400, 900);
    const { dashboard, root } = mount({ transport: fakeTransport(answering({ groups })).transport });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: STANDARDS })));
    await settle();
    dashboard.flush();
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (input: string) => (fetched.push(input), fetchAnswer()));
    // The file itself is the browser's business: the link is made and clicked, nothing is saved.
    const saved = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const box = mountExportButton(root, 'http://127.0.0.1:1/', () => dashboard.state(), () => 'rs_key') as HTMLDetailsElement;
    const summary = box.querySelector('summary')!;
    return { root, box, summary, fetched, saved };
  }
  const csv = () => new Response('x'.repeat(10 * 1024), { status: 200, headers: { 'content-type': 'text/csv' } });

  it('closes after a download, its result left beside the button, the focus back on it', async () => {
    const { root, box, summary, fetched, saved } = await mountWithExport(csv);
    await userEvent.click(summary);
    expect(box.open).toBe(true);
    await userEvent.click(box.querySelector<HTMLButtonElement>('.rs-export-panel button')!);
    await vi.waitFor(() => expect(box.open).toBe(false));
    expect(fetched).toHaveLength(1);
    expect(saved).toHaveBeenCalledTimes(1);
    const done = root.querySelector<HTMLElement>('.rs-export-done')!;
    expect(done.textContent).toMatch(/^Downloaded ringside-compliance-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv \(10 KB\)\.$/);
    expect(done.checkVisibility()).toBe(true);
    expect(document.activeElement).toBe(summary);
    // Opening it again starts afresh.
    await userEvent.click(summary);
    expect(done.textContent).toBe('');
  });

  it('gives the focus back to "Export…" after a download started from the keyboard that took longer than a frame', async () => {
    // The button is disabled while the file comes; the browser then drops its focus to the body at the next frame,
    // which a real download always outlasts (a stub answering at once does not).
    const frames = () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
    const { box, summary } = await mountWithExport(csv);
    const slow = globalThis.fetch;
    vi.stubGlobal('fetch', async (input: string) => (await frames(), slow(input)));
    summary.focus();
    await userEvent.keyboard('{Enter}');
    expect(box.open).toBe(true);
    const button = box.querySelector<HTMLButtonElement>('.rs-export-panel button')!;
    button.focus();
    await userEvent.keyboard('{Enter}');
    await vi.waitFor(() => expect(box.open).toBe(false));
    expect(document.activeElement).toBe(summary);
  });

  it("asks for the board's days: a site's months in the site's zone, whatever this device's zone is", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-12-07T12:00:00Z') });
    try {
      await page.viewport(1400, 900);
      // Filtered to a site in Pacific/Chatham (+13:45 in December), the board's Today is that site's day.
      const report = { ...complianceReport({ site: 'chatham' }), timeZone: 'Pacific/Chatham' };
      const { dashboard, root } = mount({ transport: fakeTransport(answering({ groups, report })).transport });
      feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: STANDARDS })));
      dashboard.dispatch({ type: 'ui/select', selection: { site: 'chatham' } });
      await settle();
      dashboard.flush();
      const fetched: string[] = [];
      vi.stubGlobal('fetch', async (input: string) => (fetched.push(input), new Response('x', { status: 200 })));
      vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
      const box = mountExportButton(root, 'http://127.0.0.1:1/', () => dashboard.state(), () => 'rs_key') as HTMLDetailsElement;
      await userEvent.click(box.querySelector('summary')!);
      expect(box.querySelector('.rs-export-scope')!.textContent).toMatch(/ · Days in Pacific\/Chatham, as on the board$/);
      await userEvent.click(box.querySelector<HTMLButtonElement>('.rs-export-panel button')!);
      await vi.waitFor(() => expect(fetched).toHaveLength(1));
      // This month in Chatham: 1 December 00:00 +13:45 to 1 January 00:00 +13:45.
      const asked = new URL(fetched[0]!).searchParams;
      expect([asked.get('tz'), asked.get('from'), asked.get('to'), asked.get('site')]).toEqual(['Pacific/Chatham', '2026-11-30T10:15:00.000Z', '2026-12-31T10:15:00.000Z', 'chatham']);
      await vi.waitFor(() => expect(root.querySelector('.rs-export-done')!.textContent).toBe('Downloaded ringside-compliance-2026-12-01_2027-01-01.csv (0 KB).'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('stays open on a failed download, saying why', async () => {
    const { box, summary } = await mountWithExport(() => new Response(JSON.stringify({ title: 'Forbidden', status: 403, detail: 'needs scope audit' }), { status: 403, headers: { 'content-type': 'application/problem+json' } }));
    await userEvent.click(summary);
    await userEvent.click(box.querySelector<HTMLButtonElement>('.rs-export-panel button')!);
    await vi.waitFor(() => expect(box.querySelector('.rs-export-status')!.textContent).toMatch(/^Export failed: needs an API key with scope "audit"/));
    expect(box.open).toBe(true);
  });

  it('closes when another control opens (Custom’s form, which it covered), on a click elsewhere, on Escape and when the focus leaves it', async () => {
    const { root, box, summary } = await mountWithExport(csv);
    await userEvent.click(summary);
    await userEvent.click(root.querySelector<HTMLButtonElement>('.rs-segment[data-window="custom"]')!);
    expect(box.open).toBe(false);
    const from = root.querySelector<HTMLInputElement>('.rs-custom input[name="from"]')!;
    const at = from.getBoundingClientRect();
    expect(document.elementFromPoint(at.left + at.width / 2, at.top + at.height / 2)).toBe(from);

    await userEvent.click(summary);
    await userEvent.click(root.querySelector<HTMLElement>('.rs-tile')!);
    expect(box.open).toBe(false);

    await userEvent.click(summary);
    box.querySelector('select')!.focus();
    await userEvent.keyboard('{Escape}');
    expect(box.open).toBe(false);
    expect(document.activeElement).toBe(summary);

    await userEvent.click(summary);
    root.querySelector<HTMLSelectElement>('.rs-controls select')!.focus();
    expect(box.open).toBe(false);
  });

  it('draws its controls as the page draws its own', async () => {
    const { root, box, summary } = await mountWithExport(csv);
    const look = (node: Element) => {
      const style = getComputedStyle(node);
      return { font: style.fontSize, family: style.fontFamily, radius: style.borderRadius, border: style.borderColor, background: style.backgroundColor, color: style.color };
    };
    // Closed, "Export…" is a small button like Apply (open, it is marked as such).
    const { font: _size, ...pageButton } = look(root.querySelector('.rs-custom button')!);
    expect(look(summary)).toMatchObject(pageButton);
    await userEvent.click(summary);
    const pageSelect = root.querySelector('.rs-controls select')!;
    for (const select of box.querySelectorAll('select')) expect(look(select)).toEqual(look(pageSelect));
    // Custom's Apply is a small one: all but the size alike.
    expect(look(box.querySelector('.rs-export-panel button')!)).toMatchObject(pageButton);
  });
});
