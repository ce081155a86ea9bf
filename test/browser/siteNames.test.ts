// One rule names a site everywhere on the dashboard: its display name where it has one (the snapshot's configured
// sites, an incident's siteName), its id otherwise, with the id in the tooltip. The live feed, the at-risk list, the
// Sites panel, the site filter, the subtitle and the panel titles all follow it, and follow a rename.
import { afterEach, describe, expect, it } from 'vitest';
import { breachOf, CALL_STANDARD, answering, clocksUpdate, complianceReport, fakeTransport, group, incident, incidentChange, judgedCall, manualTicker, msg, openClock, settle, snapshot, VISIT_STANDARD } from './fixtures';
import { mountExportButton } from '../../webview/src/views/exportButton';
import { feed, mount, text, texts, unmountAll } from './mount';

afterEach(unmountAll);

const SITES = [
  { id: 'harbour', name: 'Harbour' },
  { id: 'airport', name: 'Airport terminal' },
];
const groups = complianceReport({
  groupBy: 'site',
  bucket: null,
  groups: { [CALL_STANDARD.id]: [group('harbour', 70, 100), group('kiosk-7', 95, 100)], [VISIT_STANDARD.id]: [group('airport', 9, 10)] },
});

async function mountNamed() {
  const { ticker, advance } = manualTicker();
  const fake = fakeTransport(answering({ groups }));
  const mounted = mount({ transport: fake.transport, ticker });
  // A call ringing at harbour for 11 s of its 12 s: at risk now; a breach at harbour; events at a named and an unnamed site.
  const ringing = openClock({ site: 'harbour', caseId: 'pbx-77', startedAgo: 11, limitSeconds: 12 });
  const late = openClock({ site: 'harbour', caseId: 'pbx-9', startedAgo: 20, limitSeconds: 12 });
  feed(
    mounted.dashboard,
    msg.connection('connected'),
    msg.snapshot(snapshot({ sites: SITES, openClocks: [ringing], recent: [judgedCall({ id: 'named', site: 'harbour' }), judgedCall({ id: 'unnamed', site: 'kiosk-7' })] })),
    clocksUpdate({ breaches: [breachOf(late)] }),
  );
  await settle();
  mounted.dashboard.flush();
  return { ...mounted, ...fake, advance };
}

const feedRow = (root: HTMLElement, selector: string) => root.querySelector<HTMLElement>(`.rs-feed-row${selector}`)!;

describe('site names on the dashboard', () => {
  it('names a site by its display name in the feed, the at-risk list, the Sites panel and the filter, with its id in the tooltip', async () => {
    const { root } = await mountNamed();

    const named = feedRow(root, '[data-event-id="named"]');
    expect(text(named, '.rs-feed-site')).toBe('HarbourCall · answered');
    expect(named.querySelector<HTMLElement>('.rs-feed-site')!.title).toBe('site id: harbour');
    // A site with no configured name (seen only in events) is named by its id.
    expect(text(feedRow(root, '[data-event-id="unnamed"]'), '.rs-feed-site')).toBe('kiosk-7Call · answered');
    const breach = feedRow(root, '.rs-feed-row--breach');
    expect(text(breach, '.rs-feed-site')).toBe('HarbourCall pbx-9 · still open');
    expect(breach.querySelector<HTMLElement>('.rs-feed-site')!.title).toBe('site id: harbour');

    const atRisk = root.querySelector<HTMLElement>('.rs-atrisk-item')!;
    expect(text(atRisk, '.rs-atrisk-case')).toBe('Harbour · Call pbx-77');
    expect(atRisk.querySelector<HTMLElement>('.rs-atrisk-case')!.title).toBe('site id: harbour');
    expect(atRisk.getAttribute('aria-label')).toMatch(/^Call pbx-77 at Harbour: /);

    const callBars = root.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"]`)!;
    // Airport is configured and took no call: its bar says "no events" (test/browser/history.test.ts), by its name.
    expect(texts(callBars, '.rs-bar-label')).toEqual(['Harbour', 'kiosk-7', 'Airport terminal']);
    const harbourBar = callBars.querySelector<HTMLElement>('.rs-bar[data-key="harbour"]')!;
    expect(harbourBar.title).toBe('site id: harbour');
    expect(harbourBar.getAttribute('aria-label')).toBe('Harbour: 70.0 %, 70 / 100 met, red. Show only Harbour');
    expect(texts(root, `.rs-bars[data-standard-id="${VISIT_STANDARD.id}"] .rs-bar-label`)).toEqual(['Airport terminal', 'Harbour']);

    // The filter offers every site by name, in the order of the names; its values stay the ids.
    const select = root.querySelector<HTMLSelectElement>('.rs-select-site')!;
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['', 'All sites'],
      ['airport', 'Airport terminal'],
      ['harbour', 'Harbour'],
      ['kiosk-7', 'kiosk-7'],
    ]);
  });

  it('names the selected site in the subtitle and the Sites panel, and the feed filter finds a site by its name', async () => {
    const { root, dashboard } = await mountNamed();
    root.querySelector<HTMLElement>('.rs-bar[data-key="harbour"]')!.click();
    await settle();
    dashboard.flush();
    expect(dashboard.state().selection.site).toBe('harbour');
    expect(text(root, '.rs-sites .rs-panel-title')).toBe('Agents at Harbour');
    expect(root.querySelector<HTMLElement>('.rs-sites .rs-panel-title')!.title).toBe('site id: harbour');
    expect(text(root, '.rs-subtitle')).toBe('Service standards · today · Harbour');

    dashboard.dispatch({ type: 'ui/select', selection: { site: null } });
    dashboard.dispatch({ type: 'ui/feed-filter', filter: 'harbour' });
    dashboard.flush();
    const byId = [...root.querySelectorAll<HTMLElement>('.rs-feed-row')].map((r) => r.dataset['eventId'] ?? 'breach');
    dashboard.dispatch({ type: 'ui/feed-filter', filter: 'Harbo' });
    dashboard.flush();
    expect([...root.querySelectorAll<HTMLElement>('.rs-feed-row')].map((r) => r.dataset['eventId'] ?? 'breach')).toEqual(byId);
    expect(byId).toEqual(['breach', 'named']);
  });

  it('names the selected site and standard in the Export… panel’s scope as the filters do, not by their ids', async () => {
    const { dashboard, root } = await mountNamed();
    dashboard.dispatch({ type: 'ui/select', selection: { site: 'airport', standard: CALL_STANDARD.id } });
    dashboard.flush();
    const box = mountExportButton(root, 'http://127.0.0.1:4870', () => dashboard.state(), () => null) as HTMLDetailsElement;
    const opened = new Promise((resolve) => box.addEventListener('toggle', resolve, { once: true }));
    box.querySelector('summary')!.click();
    await opened;
    expect(text(box, '.rs-export-scope')).toMatch(new RegExp(`^Sites: Airport terminal · Standards: ${CALL_STANDARD.name} \\(from the dashboard's selection\\) · Days in \\S+, as on the board$`));
  });

  it('follows a rename: an incident naming the site anew, then a fresh snapshot', async () => {
    const { root, dashboard } = await mountNamed();
    feed(dashboard, incidentChange(incident({ site: 'harbour', siteName: 'Harbour calls desk' })));
    expect(text(feedRow(root, '[data-event-id="named"]'), '.rs-feed-site')).toBe('Harbour calls deskCall · answered');
    expect(text(root, '.rs-atrisk-case')).toBe('Harbour calls desk · Call pbx-77');

    feed(dashboard, msg.snapshot(snapshot({ sites: [{ id: 'harbour', name: 'North harbour' }], recent: [judgedCall({ id: 'named', site: 'harbour' })] })));
    expect(text(feedRow(root, '[data-event-id="named"]'), '.rs-feed-site')).toBe('North harbourCall · answered');
    expect([...root.querySelectorAll<HTMLSelectElement>('.rs-select-site option')].find((o) => o.value === 'harbour')!.textContent).toBe('North harbour');
  });

  it('lists sites by name as people read numbers, in the filter and among the Sites panel’s ties', async () => {
    // Twelve sites whose ids do not follow their names: "Site 2" is syd-b, "Site 10" is akl.
    const ids = ['lon', 'syd-b', 'nyc', 'per', 'ber', 'tok', 'syd', 'del', 'sfo', 'akl', 'dub', 'sin'];
    const sites = ids.map((id, i) => ({ id, name: `Site ${i + 1}` }));
    // Every site met the same share, and two met none: ties, read in name order.
    const tied = complianceReport({ groupBy: 'site', bucket: null, groups: { [CALL_STANDARD.id]: ids.map((id) => group(id, ['akl', 'per'].includes(id) ? 0 : 9, ['akl', 'per'].includes(id) ? 0 : 10)) } });
    const fake = fakeTransport(answering({ groups: tied }));
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ sites })));
    await settle();
    dashboard.flush();
    const names = sites.map((s) => s.name);
    expect([...root.querySelectorAll<HTMLSelectElement>('.rs-select-site option')].map((o) => o.textContent)).toEqual(['All sites', ...names]);
    // Those counted first (worst first, tied), then those with nothing counted; twelve is more than a list shows
    // before *Show all* (test/browser/manySites.test.ts).
    root.querySelector<HTMLButtonElement>(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"] .rs-bars-toggle`)!.click();
    expect(texts(root, `.rs-bars[data-standard-id="${CALL_STANDARD.id}"] .rs-bar-label`)).toEqual([...names.filter((n) => n !== 'Site 4' && n !== 'Site 10'), 'Site 4', 'Site 10']);
  });
});
