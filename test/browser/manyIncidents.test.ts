// The alerts banner of a large estate: 180 sites under ten standards opened some 900 incidents at once in a trial.
// *Show all 924* drew every row into the page (61,000 px of banner above the board) and drew all of them anew at
// every incident change, a long task of over a second each time the estate's incidents moved. Opened, the list
// scrolls inside the banner, and a change redraws only the row of the incident that changed.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { fakeTransport, answering, incident, incidentChange, msg, settle, snapshot } from './fixtures';
import { feed, mount, unmountAll } from './mount';

afterEach(unmountAll);

describe('the alerts banner with hundreds of incidents', () => {
  it('opens as a list that scrolls inside the banner, and keeps the rows of incidents that did not change', async () => {
    await page.viewport(1400, 900);
    const incidents = Array.from({ length: 400 }, (_, i) => incident({ siteName: `Branch ${i + 1}`, severity: i % 3 === 0 ? 'red' : 'amber' }));
    const fake = fakeTransport(answering({}));
    const { dashboard, root } = mount({ transport: fake.transport });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ openIncidents: incidents })));
    await settle();
    dashboard.flush();
    const more = root.querySelector<HTMLButtonElement>('.rs-alerts-more')!;
    expect(more.textContent).toBe('Show all 400');
    more.click();
    dashboard.flush();
    const list = root.querySelector<HTMLElement>('.rs-alerts-list')!;
    expect(list.querySelectorAll('.rs-alert')).toHaveLength(400);
    // The page keeps its board in reach: the opened list is at most 60 % of the window tall and scrolls.
    expect(list.getBoundingClientRect().height).toBeLessThanOrEqual(innerHeight * 0.6 + 1);
    expect(list.scrollHeight).toBeGreaterThan(list.clientHeight);

    const row = (id: number) => list.querySelector<HTMLElement>(`.rs-alert[data-incident="${id}"]`)!;
    const untouched = row(incidents[200]!.id);
    const changed = incidents[0]!;
    feed(dashboard, incidentChange({ ...changed, severity: 'amber', summary: 'Branch 1 calls: 88.0 % answered within 2 rings in the last hour — target 90 %' }, 'de-escalated'));
    dashboard.flush();
    expect(row(incidents[200]!.id)).toBe(untouched);
    expect(row(changed.id).querySelector('.rs-alert-message')!.textContent).toBe('Branch 1 calls: 88.0 % answered within 2 rings in the last hour — target 90 %');
    expect(list.querySelectorAll('.rs-alert')).toHaveLength(400);
  });
});
