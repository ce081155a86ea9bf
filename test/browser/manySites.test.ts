// The Sites panel of a large estate: 180 sites under each standard. Each list shows its worst 10 and says how many
// more there are and how many are below target, with *Show all* to open it; *Find a site* narrows every list to the
// sites whose name or id has the words typed (accents aside). Before, every list drew all 180 bars: ten standards
// made a panel some 100,000 px tall, with no way to find a site in it but scrolling.
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_STANDARD, VISIT_STANDARD, answering, complianceReport, fakeTransport, group, msg, settle, snapshot } from './fixtures';
import { feed, mount, texts, unmountAll } from './mount';

afterEach(unmountAll);

const SITES = Array.from({ length: 180 }, (_, i) => ({ id: `s${String(i + 1).padStart(3, '0')}`, name: i === 41 ? 'Zürich – Bahnhofstrasse' : `Branch ${i + 1}` }));
// Calls: every site but the last two has figures, site i at (50 + i / 4) %: the first 160 below the 90 % target.
const callGroups = SITES.slice(0, 178).map((s, i) => group(s.id, 200 + i, 400));
const visitGroups = SITES.map((s) => group(s.id, 9, 10));

async function mountEstate() {
  const groups = complianceReport({ groupBy: 'site', bucket: null, groups: { [CALL_STANDARD.id]: callGroups, [VISIT_STANDARD.id]: visitGroups } });
  const fake = fakeTransport(answering({ groups }));
  const mounted = mount({ transport: fake.transport });
  feed(mounted.dashboard, msg.connection('connected'), msg.snapshot(snapshot({ sites: SITES })));
  await settle();
  mounted.dashboard.flush();
  return mounted;
}

const list = (root: HTMLElement, standardId: string) => root.querySelector<HTMLElement>(`.rs-bars[data-standard-id="${standardId}"]`)!;
const labels = (root: HTMLElement, standardId: string) => texts(list(root, standardId), '.rs-bar-label');
const more = (root: HTMLElement, standardId: string) => list(root, standardId).querySelector<HTMLElement>('.rs-bars-more')!.textContent;

describe('the Sites panel of 180 sites', () => {
  it('shows the worst 10 of each list, says how many more and how many are below target, and opens the list whole', async () => {
    const { root, dashboard } = await mountEstate();
    expect(labels(root, CALL_STANDARD.id)).toEqual(SITES.slice(0, 10).map((s) => s.name));
    expect(more(root, CALL_STANDARD.id)).toBe('Worst 10 of 180 sites · 160 below target · 2 with no events Show all 180');
    expect(more(root, VISIT_STANDARD.id)).toMatch(/^Worst 10 of 180 sites · 0 below target Show all 180$/);

    const toggle = list(root, CALL_STANDARD.id).querySelector<HTMLButtonElement>('.rs-bars-toggle')!;
    toggle.focus();
    toggle.click();
    expect(labels(root, CALL_STANDARD.id)).toHaveLength(180);
    // The sites without events come last, by name.
    expect(labels(root, CALL_STANDARD.id).slice(-2)).toEqual(['Branch 179', 'Branch 180']);
    expect(labels(root, VISIT_STANDARD.id)).toHaveLength(10);
    const again = list(root, CALL_STANDARD.id).querySelector<HTMLButtonElement>('.rs-bars-toggle')!;
    expect(again.textContent).toBe('Show the worst 10');
    expect(document.activeElement).toBe(again);

    // A refresh of the figures keeps the list open.
    feed(dashboard, msg.snapshot(snapshot({ sites: SITES })));
    await settle();
    dashboard.flush();
    expect(labels(root, CALL_STANDARD.id)).toHaveLength(180);
    again.click();
    expect(labels(root, CALL_STANDARD.id)).toHaveLength(10);
  });

  it('finds a site by a part of its name or id, accents aside, in every list', async () => {
    const { root } = await mountEstate();
    const find = root.querySelector<HTMLInputElement>('.rs-sites-find')!;
    expect(find.getAttribute('aria-label')).toBe('Find a site');
    find.value = 'zurich';
    find.dispatchEvent(new Event('input', { bubbles: true }));
    expect(labels(root, CALL_STANDARD.id)).toEqual(['Zürich – Bahnhofstrasse']);
    expect(labels(root, VISIT_STANDARD.id)).toEqual(['Zürich – Bahnhofstrasse']);
    expect(more(root, CALL_STANDARD.id)).toBe('1 of 180 sites found');

    find.value = 's180';
    find.dispatchEvent(new Event('input', { bubbles: true }));
    expect(labels(root, CALL_STANDARD.id)).toEqual(['Branch 180']);

    find.value = 'nowhere';
    find.dispatchEvent(new Event('input', { bubbles: true }));
    expect(root.querySelectorAll('.rs-bars')).toHaveLength(0);
    expect(texts(root, '.rs-sites .rs-panel-note')).toEqual(['No site matches “nowhere”.']);
  });
});
