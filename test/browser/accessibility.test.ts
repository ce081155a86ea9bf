// Every chart has a text alternative (a table behind "Show as table") and an aria label; the controls,
// the table toggles and the site bars work from the keyboard, the focus stays where the user is and its ring shows;
// controls are big enough for a finger on a touch screen, and the board holds up in forced colours.
// cdp(): the Chrome DevTools session the playwright provider gives a test (its type comes with the provider).
/// <reference types="@vitest/browser-playwright" />
import { afterEach, describe, expect, it } from 'vitest';
import { cdp, userEvent } from 'vitest/browser';
import { createDataTable } from '../../webview/src/views/data-table';
import { CALL_STANDARD, answering, complianceReport, fakeTransport, group, hourSeries, msg, point, settle, snapshot } from './fixtures';
import { colourContrast } from './contrast';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

async function fullDashboard() {
  const fake = fakeTransport(
    answering({
      report: complianceReport({ series: { [CALL_STANDARD.id]: hourSeries(5) } }),
      groups: complianceReport({ groupBy: 'site', bucket: null, groups: { [CALL_STANDARD.id]: [group('Leeds', 9, 10), group('York', 5, 10)] } }),
    }),
  );
  const mounted = mount({ transport: fake.transport });
  feed(mounted.dashboard, msg.snapshot(snapshot({ series: { [CALL_STANDARD.id]: [point(1, 9, 10)] } })));
  await settle();
  mounted.dashboard.flush();
  return mounted;
}

describe('accessibility', () => {
  it('gives every chart an image role, a descriptive aria-label and a table with a caption and header cells', async () => {
    const { root } = await fullDashboard();
    const canvases = [...root.querySelectorAll('canvas')];
    expect(canvases).toHaveLength(4); // two compliance charts, two distributions (the Staffing view draws once one site and one standard are chosen)
    for (const canvas of canvases) {
      expect(canvas.getAttribute('role')).toBe('img');
      expect(canvas.getAttribute('aria-label')!.length).toBeGreaterThan(30);
      const panel = canvas.closest('.rs-panel')!;
      const table = panel.querySelector('details.rs-table-toggle table.rs-data-table')!;
      expect(table).not.toBeNull();
      expect(table.querySelector('caption')!.textContent).not.toBe('');
      expect(table.querySelectorAll('thead th[scope="col"]').length).toBeGreaterThanOrEqual(3);
    }
    const call = root.querySelector(`.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(call.querySelector('canvas')!.getAttribute('aria-label')).toBe(
      'Calls answered within 2 rings: compliance per hour over today; now 93.0 % against a target of 90 %',
    );
    // The table holds the plotted buckets, row headers first.
    expect(call.querySelectorAll('.rs-data-table tbody tr')).toHaveLength(5);
    expect(call.querySelector('.rs-data-table tbody th[scope="row"]')).not.toBeNull();
    // Each "Show as table" names its chart, so tabbing through them tells them apart.
    const toggles = [...root.querySelectorAll<HTMLElement>('.rs-table-summary')].map((t) => t.getAttribute('aria-label') ?? t.textContent);
    expect(new Set(toggles).size).toBe(toggles.length);
    for (const name of toggles) expect(name).toMatch(/^Show as table: .+/);
    expect(toggles).toContain('Show as table: Calls answered within 2 rings: compliance over time');
    // Landmarks and names.
    for (const label of ['Key figures', 'Compliance over time', 'Distribution', 'Staffing', 'Comparison by site', 'Live feed', 'Dashboard filters']) {
      expect(root.querySelector(`[aria-label="${label}"]`), label).not.toBeNull();
    }
    expect(root.querySelector('.rs-segmented')!.getAttribute('role')).toBe('group');
  });

  it('says in a table\'s caption when rows were left out, and keeps saying it when the caption is named anew', () => {
    const table = createDataTable('Calls answered within 2 rings: compliance over time', ['Time', 'Compliance']);
    table.update(Array.from({ length: 1001 }, (_, i) => [String(i), '90 %']));
    expect(table.table.caption!.textContent).toBe('Calls answered within 2 rings: compliance over time (latest 1000 of 1001)');
    table.setCaption('Calls picked up within 2 rings: compliance over time');
    expect(table.table.caption!.textContent).toBe('Calls picked up within 2 rings: compliance over time (latest 1000 of 1001)');
    table.update([['0', '90 %']]);
    expect(table.table.caption!.textContent).toBe('Calls picked up within 2 rings: compliance over time');
  });

  it('works from the keyboard: window buttons, the site select, "Show as table", the feed pause', async () => {
    const { root, dashboard } = await fullDashboard();
    root.querySelector<HTMLButtonElement>('.rs-segment[data-window="30d"]')!.focus();
    await userEvent.keyboard('{Enter}');
    expect(dashboard.state().selection.window).toBe('30d');
    await userEvent.keyboard('{Shift>}{Tab}{/Shift}');
    await userEvent.keyboard(' ');
    expect(dashboard.state().selection.window).toBe('7d');

    const summary = root.querySelector<HTMLElement>('.rs-chart-panel .rs-table-summary')!;
    summary.focus();
    await userEvent.keyboard('{Enter}');
    expect(summary.closest('details')!.open).toBe(true);

    // The feed's rows scroll inside their panel: the keyboard reaches the scrolling area, named for what it holds.
    const scroller = root.querySelector<HTMLElement>('.rs-feed-scroll')!;
    expect(scroller.tabIndex).toBe(0);
    expect(scroller.getAttribute('role')).toBe('group');
    expect(scroller.getAttribute('aria-label')).toBe('Live feed events, newest first');

    root.querySelector<HTMLButtonElement>('.rs-feed-pause')!.focus();
    await userEvent.keyboard('{Enter}');
    expect(dashboard.state().feedControls.paused).toBe(true);

    const site = root.querySelector<HTMLSelectElement>('.rs-select-site')!;
    expect([...site.options].map((o) => o.textContent)).toEqual(['All sites', 'Leeds', 'York']);
    site.focus();
    await userEvent.selectOptions(site, 'York');
    expect(dashboard.state().selection.site).toBe('York');
  });

  it('offers a skip link as the first stop, past the header\'s filters to the board', async () => {
    // Before any data there is no board to skip to: the link is not offered, as the filters are not.
    const waiting = mount({ transport: fakeTransport(answering({})).transport });
    expect(waiting.root.querySelector<HTMLElement>('main > .rs-board')!.hidden).toBe(true);
    expect(waiting.root.querySelector<HTMLElement>('a.rs-skip')!.checkVisibility()).toBe(false);
    const { root } = await fullDashboard();
    const skip = root.querySelector<HTMLAnchorElement>('a.rs-skip')!;
    const board = root.querySelector<HTMLElement>('main > .rs-board')!;
    const stops = () => [...root.querySelectorAll<HTMLElement>('a[href], button, select, input, summary, [tabindex="0"]')].filter((e) => !e.closest('[hidden]'));
    expect(stops()[0]).toBe(skip);
    const inHeader = stops().filter((e) => e.closest('.rs-header')).length;
    expect(inHeader).toBeGreaterThan(5); // what it saves
    // Out of sight until focused, then on screen.
    expect(skip.getBoundingClientRect().width).toBeLessThanOrEqual(1);
    skip.focus();
    expect(skip.getBoundingClientRect().width).toBeGreaterThan(50);
    await userEvent.keyboard('{Enter}');
    expect(document.activeElement).toBe(board);
    expect(location.hash).not.toContain('rs'); // the address (which may hold the key after '#') is left alone
    // The next stop is the board's first control, not the header's.
    await userEvent.keyboard('{Tab}');
    expect(board.contains(document.activeElement)).toBe(true);
  });

  it('keeps the keyboard in the Sites panel when a site bar is pressed, and when "All sites" takes it back', async () => {
    const { root, dashboard } = await fullDashboard();
    const york = () => root.querySelector<HTMLElement>('.rs-sites .rs-bar[data-key="York"]');
    york()!.focus();
    await userEvent.keyboard('{Enter}');
    await settle();
    dashboard.flush();
    expect(dashboard.state().selection.site).toBe('York');
    // The bars became York's agents: the focus is on the way back, not dropped at the start of the page.
    const back = root.querySelector<HTMLButtonElement>('.rs-sites-back')!;
    expect(document.activeElement).toBe(back);
    await userEvent.keyboard('{Enter}');
    await settle();
    dashboard.flush();
    expect(dashboard.state().selection.site).toBeNull();
    // "All sites" hid itself: the focus returns to the bar of the site the user came from.
    expect(document.activeElement).toBe(york());
  });

  it('puts the keyboard back on the bar of the site you came from once the sites have loaded, not on the heading', async () => {
    // The sites' figures are asked anew when "All sites" is pressed: held here until the test answers them.
    const answer = answering({ groups: complianceReport({ groupBy: 'site', bucket: null, groups: { [CALL_STANDARD.id]: [group('Leeds', 9, 10), group('York', 5, 10)] } }) });
    let sitesAsked = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const fake = fakeTransport(async (request) => {
      if (request.kind === 'compliance' && request.params.groupBy === 'site' && ++sitesAsked > 1) await held;
      return answer(request);
    });
    const { root, dashboard } = mount({ transport: fake.transport });
    feed(dashboard, msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    const york = () => root.querySelector<HTMLElement>('.rs-sites .rs-bar[data-key="York"]');
    york()!.focus();
    await userEvent.keyboard('{Enter}');
    await settle();
    dashboard.flush();
    expect(document.activeElement).toBe(root.querySelector('.rs-sites-back'));
    await userEvent.keyboard('{Enter}');
    await settle();
    dashboard.flush();
    // Loading: the panel's heading holds the focus meanwhile.
    expect(york()).toBeNull();
    expect(document.activeElement).toBe(root.querySelector('.rs-sites h2'));
    release();
    await settle();
    dashboard.flush();
    expect(document.activeElement).toBe(york());
  });

  it('gives every control at least 44 px of height on a touch screen, where a mouse keeps the compact sizes', async () => {
    const controls = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>('button, select, input, summary')].filter((e) => e.getClientRects().length > 0);
    const short = (root: HTMLElement) => controls(root).filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.className);
    const mouse = await fullDashboard();
    expect(short(mouse.root).length).toBeGreaterThan(10);
    unmountAll();
    // A phone: Chromium's touch emulation makes the page's pointer coarse, as a touch screen's is.
    const session = cdp();
    await session.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    try {
      expect(matchMedia('(pointer: coarse)').matches).toBe(true);
      const { root } = await fullDashboard();
      expect(controls(root).length).toBeGreaterThan(10);
      expect(short(root)).toEqual([]);
    } finally {
      await session.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    }
  });

  it('draws the focus ring of a window button inside it, where the group does not clip it, visible on the pressed one too', async () => {
    const { root } = await fullDashboard();
    root.querySelector<HTMLButtonElement>('.rs-segment[data-window="1h"]')!.focus();
    for (const window of ['today', '7d']) {
      await userEvent.keyboard('{Tab}');
      const segment = root.querySelector<HTMLButtonElement>(`.rs-segment[data-window="${window}"]`)!;
      expect(segment.matches(':focus-visible')).toBe(true);
      const style = getComputedStyle(segment);
      expect(style.outlineStyle).toBe('solid');
      // Offset and width together within the button: no part of the ring lies outside it.
      expect(parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth)).toBeLessThanOrEqual(0);
      expect(colourContrast(style.outlineColor, style.backgroundColor === 'rgba(0, 0, 0, 0)' ? getComputedStyle(segment.parentElement!).backgroundColor : style.backgroundColor)).toBeGreaterThanOrEqual(3);
    }
  });

  it('keeps the window on screen and the bars visible in forced colours (Windows high contrast), which drop backgrounds', async () => {
    const session = cdp();
    await session.send('Emulation.setEmulatedMedia', { features: [{ name: 'forced-colors', value: 'active' }] });
    try {
      expect(matchMedia('(forced-colors: active)').matches).toBe(true);
      const { root } = await fullDashboard();
      const background = (selector: string) => getComputedStyle(root.querySelector(selector)!).backgroundColor;
      const panel = background('.rs-sites');
      // The pressed window stands out from the others, not only by its weight.
      expect(background('.rs-segment[aria-pressed="true"]')).not.toBe(background('.rs-segmented'));
      // A bar's fill and target, and the error budget's fill, are drawn, not the panel's own colour.
      for (const part of ['.rs-bar-fill', '.rs-bar-target', '.rs-budget-fill']) {
        expect(background(part), part).not.toBe(panel);
        expect(background(part), part).not.toBe('rgba(0, 0, 0, 0)');
      }
    } finally {
      await session.send('Emulation.setEmulatedMedia', { features: [] });
    }
  });

  it('draws the edges of the selects and the filter field at 3:1 or more against their panel, light and dark', async () => {
    const session = cdp();
    try {
      for (const scheme of ['light', 'dark']) {
        await session.send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: scheme }] });
        const { root } = await fullDashboard();
        const surface = getComputedStyle(root.querySelector('.rs-feed')!).backgroundColor;
        for (const field of [...root.querySelectorAll<HTMLElement>('.rs-select, .rs-input')].filter((e) => e.getClientRects().length > 0)) {
          expect(colourContrast(getComputedStyle(field).borderTopColor, surface), `${scheme} ${field.className}`).toBeGreaterThanOrEqual(3);
        }
        unmountAll();
      }
    } finally {
      await session.send('Emulation.setEmulatedMedia', { features: [] });
    }
  });

  it("names an agent's bar for screen readers, as a site's bar is named", async () => {
    const fake = fakeTransport(answering({ agents: complianceReport({ groupBy: 'agent', bucket: null, groups: { [CALL_STANDARD.id]: [group('ana', 9, 10)] } }) }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { site: 'Leeds' } });
    feed(dashboard, msg.snapshot(snapshot()));
    await settle();
    dashboard.flush();
    const bar = root.querySelector<HTMLElement>('.rs-sites .rs-bar[data-key="ana"]')!;
    expect(bar.tabIndex).toBe(0);
    // A named element needs a role that may be named: a plain div's label is not read.
    expect(bar.getAttribute('role')).toBe('img');
    expect(bar.getAttribute('aria-label')).toBe('ana: 90.0 %, 9 / 10 met, green');
  });
});
