import { afterEach, describe, expect, it } from 'vitest';
import type { ComplianceReport, Standard } from '../../server/src/protocol';
import { formatDayMonth } from '../../webview/src/format';
import { CALL_STANDARD, NOW, VISIT_STANDARD, answering, complianceReport, complianceUpdate, fakeTransport, figure, group, msg, point, settle, snapshot } from './fixtures';
import { feed, mount, text, unmountAll } from './mount';

afterEach(unmountAll);

const tile = (root: HTMLElement, standardId: string) => {
  const node = root.querySelector<HTMLElement>(`.rs-tile[data-standard-id="${standardId}"]`);
  if (!node) throw new Error(`no tile for ${standardId}`);
  return node;
};

describe('KPI tiles', () => {
  it('show compliance today, met / total and the target per standard', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));

    const call = tile(root, CALL_STANDARD.id);
    expect(text(call, '.rs-tile-label')).toBe('Calls answered within 2 rings');
    expect(text(call, '.rs-tile-value')).toBe('93.0 %');
    expect(text(call, '.rs-tile-counts')).toBe('134 / 144 met');
    expect(text(call, '.rs-tile-target')).toBe('target 90 % · ≤ 2 rings · today');

    const visit = tile(root, VISIT_STANDARD.id);
    expect(text(visit, '.rs-tile-value')).toBe('85.4 %');
    expect(text(visit, '.rs-tile-target')).toContain('≤ 30 s');
  });

  it('are green at or above target, amber just below, red well below', () => {
    const { dashboard, root } = mount();
    feed(
      dashboard,
      msg.snapshot(snapshot({ today: [figure(CALL_STANDARD, 90, 100), figure(VISIT_STANDARD, 85, 100)] })),
    );
    expect(tile(root, CALL_STANDARD.id).dataset['band']).toBe('good');
    expect(tile(root, VISIT_STANDARD.id).dataset['band']).toBe('warn');
    // The colour the user sees differs between the bands.
    const green = getComputedStyle(tile(root, CALL_STANDARD.id).querySelector('.rs-tile-value')!).color;
    const amber = getComputedStyle(tile(root, VISIT_STANDARD.id).querySelector('.rs-tile-value')!).color;
    expect(green).not.toBe(amber);
    // And in words, for whoever cannot tell the colours apart.
    const word = (id: string) => tile(root, id).querySelector<HTMLElement>('.rs-tile-band')!;
    expect(word(CALL_STANDARD.id).textContent).toBe('green');
    expect(word(VISIT_STANDARD.id).textContent).toBe('amber');
    expect(word(VISIT_STANDARD.id).checkVisibility()).toBe(true);

    feed(dashboard, msg.compliance(complianceUpdate([figure(VISIT_STANDARD, 60, 100)], [])));
    expect(tile(root, VISIT_STANDARD.id).dataset['band']).toBe('bad');
    expect(text(tile(root, VISIT_STANDARD.id), '.rs-tile-value')).toBe('60.0 %');
    expect(word(VISIT_STANDARD.id).textContent).toBe('red');
    // Nothing counted: no band, no word.
    feed(dashboard, msg.compliance(complianceUpdate([figure(VISIT_STANDARD, 0, 0)], [])));
    expect(word(VISIT_STANDARD.id).checkVisibility()).toBe(false);
  });

  it('count events and misses today across standards', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot()));
    expect(text(root, '.rs-tile--events .rs-tile-value')).toBe('192');
    expect(text(root, '.rs-tile--misses .rs-tile-value')).toBe('17');

    feed(
      dashboard,
      msg.compliance(complianceUpdate([figure(CALL_STANDARD, 1134, 1245)], [{ standardId: CALL_STANDARD.id, point: point(0, 1, 2) }])),
    );
    expect(text(root, '.rs-tile--events .rs-tile-value')).toBe('1,293');
    expect(text(root, '.rs-tile--misses .rs-tile-value')).toBe('118');
    expect(text(tile(root, CALL_STANDARD.id), '.rs-tile-counts')).toBe('1,134 / 1,245 met');
  });

  it('say so when a standard has no events yet today', () => {
    const { dashboard, root } = mount();
    feed(dashboard, msg.snapshot(snapshot({ today: [figure(CALL_STANDARD, 0, 0), figure(VISIT_STANDARD, 0, 0)] })));
    const call = tile(root, CALL_STANDARD.id);
    expect(text(call, '.rs-tile-value')).toBe('—');
    expect(text(call, '.rs-tile-counts')).toBe('No events yet today');
    expect(call.dataset['band']).toBe('none');
    expect(text(call, '.rs-budget-text')).toBe('error budget: no events yet');
  });

  it('say "no events", not "yet", for a range wholly past; "yet" for one that reaches now', async () => {
    const empty = complianceReport({ figures: [[CALL_STANDARD, 0, 0], [{ ...VISIT_STANDARD, target: 1 }, 5, 5]] });
    const show = async (selection: Record<string, string>) => {
      const fake = fakeTransport(answering({ report: { ...empty, from: selection['from'] ?? empty.from, to: selection['to'] ?? empty.to } }));
      const { dashboard, root } = mount({ transport: fake.transport, selection });
      feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [CALL_STANDARD, { ...VISIT_STANDARD, target: 1 }] })));
      await settle();
      dashboard.flush();
      const [call, visit] = [tile(root, CALL_STANDARD.id), tile(root, VISIT_STANDARD.id)];
      return [text(call, '.rs-tile-counts'), text(call, '.rs-budget-text'), text(visit, '.rs-budget-text')];
    };
    // The board's clock is the snapshot's (NOW): the first range ended a week before, the second ends tomorrow.
    expect(await show({ window: 'custom', from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' })).toEqual(['No events in this window', 'error budget: no events', 'target 100 %: no misses']);
    expect(await show({ window: 'custom', from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' })).toEqual(['No events yet in this window', 'error budget: no events yet', 'target 100 %: no misses so far']);
    expect(await show({ window: '7d' })).toEqual(['No events yet in this window', 'error budget: no events yet', 'target 100 %: no misses so far']);
  });
});

describe('a standard not in force in the window', () => {
  // The call standard was added today at 09:00 (NOW is 14:30 UTC); the visit standard has been in force all along.
  const addedAt = '2026-11-23T09:00:00.000Z';
  const added = { ...CALL_STANDARD, validFrom: addedAt, inForce: [{ from: addedAt, to: null }] };
  const always = { ...VISIT_STANDARD, inForce: [{ from: null, to: null }] };
  const empty = complianceReport({ figures: [[added, 0, 0], [always, 0, 0]] });
  async function show(selection: Record<string, string>, standards: Standard[] = [added, always]) {
    const fake = fakeTransport(answering({ report: { ...empty, from: selection['from'] ?? empty.from, to: selection['to'] ?? empty.to } }));
    const { dashboard, root } = mount({ transport: fake.transport, selection });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards })));
    await settle();
    dashboard.flush();
    const panel = (id: string) => root.querySelector<HTMLElement>(`.rs-chart-panel[data-standard-id="${id}"] .rs-chart-note`)!;
    return { call: text(tile(root, CALL_STANDARD.id), '.rs-tile-counts'), visit: text(tile(root, VISIT_STANDARD.id), '.rs-tile-counts'), callChart: panel(CALL_STANDARD.id).textContent, visitChart: panel(VISIT_STANDARD.id).textContent };
  }

  it('says it was not in force (and from when) rather than that the range had no events', async () => {
    const lastWeekOfOctober = { window: 'custom', from: '2026-10-25T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
    const from = `from ${formatDayMonth(Date.parse(addedAt))}, `;
    const words = await show(lastWeekOfOctober);
    expect(words.call).toMatch(new RegExp(`^Not in force in this window \\(${from}\\d\\d:\\d\\d\\)$`));
    expect(words.callChart).toBe(words.call);
    expect(words.visit).toBe('No events in this window');
    expect(words.visitChart).toBe('No events in this window');
    // A range that reaches into its first day had it in force for part of the range: no events, as any standard.
    expect((await show({ window: 'custom', from: '2026-11-22T00:00:00.000Z', to: '2026-11-23T10:00:00.000Z' })).call).toBe('No events in this window');
    // Retired for a fortnight and back: a range inside the gap was not in force, and says when it came back.
    const back = '2026-11-15T00:00:00.000Z';
    const gap = { ...added, inForce: [{ from: null, to: '2026-11-01T00:00:00.000Z' }, { from: back, to: null }] };
    expect((await show({ window: 'custom', from: '2026-11-05T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' }, [gap, always])).call).toMatch(new RegExp(`^Not in force in this window \\(from ${formatDayMonth(Date.parse(back))}, `));
  });
});

describe('a window judged by more than one threshold or target', () => {
  // The threshold went from 2 to 3 rings two days ago: the week's calls were judged partly by each.
  const changedAt = '2026-11-21T14:05:00.000Z';
  const THREE_RINGS = { ...CALL_STANDARD, version: 2, threshold: 3, validFrom: changedAt };
  const version = (v: number, threshold: number, validFrom: string | null, met: number, total: number, target = 0.9) => ({
    version: v,
    formula: 'F3' as const,
    operator: '<=' as const,
    threshold,
    shortAbandonSeconds: null,
    numerator: met,
    denominator: total,
    target,
    validFrom,
  });
  const weekReport = (versions: Array<ReturnType<typeof version> & { name?: string }>, range = { from: '2026-11-16T14:30:20.000Z', to: NOW }) => {
    const report = complianceReport({ ...range, figures: [[THREE_RINGS, 130, 152], [VISIT_STANDARD, 45, 50]] });
    report.standards[0]!.versions = versions;
    return report;
  };
  const at = (iso: string) => {
    const d = new Date(iso);
    return `${formatDayMonth(d)} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  };
  async function show(report: ComplianceReport, selection: Record<string, string> = { window: '7d' }) {
    const fake = fakeTransport(answering({ report }));
    const { dashboard, root } = mount({ transport: fake.transport, selection });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [THREE_RINGS, VISIT_STANDARD] })));
    await settle();
    dashboard.flush();
    const call = tile(root, CALL_STANDARD.id);
    const change = call.querySelector<HTMLElement>('.rs-tile-change')!;
    const meta = text(root, `.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"] .rs-panel-meta`);
    return { target: text(call, '.rs-tile-target'), change: change.hidden ? null : change.textContent, meta };
  }

  it('name the threshold in force now, since when, and the one before, on the tile and the chart', async () => {
    const shown = await show(weekReport([version(1, 2, null, 110, 130), version(2, 3, changedAt, 20, 22)]));
    expect(shown.target).toBe('target 90 % · ≤ 3 rings · last 7 days');
    expect(shown.change).toBe(`since ${at(changedAt)}; before: ≤ 2 rings`);
    expect(shown.meta).toBe(`target 90 % · ≤ 3 rings (since ${at(changedAt)}; before: ≤ 2 rings) · per hour · last 7 days`);
  });

  it('say so before the new threshold has judged anything, and for the live windows too', async () => {
    const notYet = await show(weekReport([version(1, 2, null, 110, 130)]));
    expect(notYet.change).toBe(`since ${at(changedAt)}; before: ≤ 2 rings`);
    // Today's figure is live, but the report for today lists the versions that judged it.
    const today = await show(weekReport([version(1, 2, null, 110, 130), version(2, 3, changedAt, 20, 22)], { from: new Date(Date.parse(changedAt) - 60_000).toISOString(), to: new Date(Date.parse(changedAt) + 60_000).toISOString() }), { window: 'today' });
    expect(today.target).toBe('target 90 % · ≤ 3 rings · today');
    // A change inside a range of one day reads as a time alone.
    expect(today.change).toBe(`since ${at(changedAt).split(' ').at(-1)}; before: ≤ 2 rings`);
  });

  it('name the threshold that judged a range before the change, with no note', async () => {
    const past = await show(weekReport([version(1, 2, null, 110, 130)], { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' }), {
      window: 'custom',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-08T00:00:00.000Z',
    });
    expect(past.target).toMatch(/^target 90 % · ≤ 2 rings · /);
    expect(past.change).toBeNull();
  });

  it('title a range before a renaming by the name of the version that judged it, as its rule line says', async () => {
    // Version 2 renamed the standard with its new threshold; the range before it was judged by version 1 alone.
    const renamed = { ...THREE_RINGS, name: 'Calls answered within 3 rings' };
    const groups = complianceReport({ groupBy: 'site', bucket: null, groups: { [CALL_STANDARD.id]: [group('Leeds', 9, 10)] } });
    const fake = fakeTransport(answering({ report: weekReport([{ ...version(1, 2, null, 110, 130), name: CALL_STANDARD.name }], { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' }), groups }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: 'custom', from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' } });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [renamed, VISIT_STANDARD] })));
    await settle();
    dashboard.flush();
    const call = tile(root, CALL_STANDARD.id);
    expect(text(call, '.rs-tile-target')).toMatch(/^target 90 % · ≤ 2 rings · /);
    expect(text(call, '.rs-tile-label')).toBe(CALL_STANDARD.name);
    expect(text(root, `.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"] .rs-panel-title`)).toBe(CALL_STANDARD.name);
    // The other panels of the same window name it so too: the sites' bars and the distribution.
    expect(text(root, `.rs-bars[data-standard-id="${CALL_STANDARD.id}"] .rs-bars-title`)).toBe(CALL_STANDARD.name);
    expect(root.querySelector(`.rs-bars[data-standard-id="${CALL_STANDARD.id}"] .rs-bars-list`)?.getAttribute('aria-label')).toMatch(new RegExp(`^${CALL_STANDARD.name} by site`));
    expect(text(root, `.rs-distribution-panel[data-standard-id="${CALL_STANDARD.id}"] .rs-panel-meta`)).toMatch(new RegExp(`^${CALL_STANDARD.name} · `));
  });

  it('title a range by the name in force at its end, a renaming that kept the rule included', async () => {
    // Version 2 only renamed (still 2 rings) inside the range; version 3 (3 rings, renamed again) came after it.
    const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' };
    const current = { ...THREE_RINGS, version: 3, name: 'Calls answered within 3 rings' };
    const versions = [{ ...version(1, 2, null, 60, 70), name: CALL_STANDARD.name }, { ...version(2, 2, '2026-11-04T00:00:00.000Z', 50, 60), name: 'Calls picked up within 2 rings' }];
    const fake = fakeTransport(answering({ report: weekReport(versions, range) }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: 'custom', ...range } });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [current, VISIT_STANDARD] })));
    await settle();
    dashboard.flush();
    const call = tile(root, CALL_STANDARD.id);
    expect(text(call, '.rs-tile-target')).toMatch(/^target 90 % · ≤ 2 rings · /);
    expect(text(call, '.rs-tile-label')).toBe('Calls picked up within 2 rings');
  });

  it('caption each chart\'s table by the name its panel is titled with, not the name the standard has now', async () => {
    // Version 2 renamed the standard (still 2 rings) inside the range; version 3 renamed it again after the range.
    const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' };
    const current = { ...THREE_RINGS, version: 3, name: 'Calls answered within 3 rings' };
    const inForce = 'Calls picked up within 2 rings';
    const versions = [{ ...version(1, 2, null, 60, 70), name: CALL_STANDARD.name }, { ...version(2, 2, '2026-11-04T00:00:00.000Z', 50, 60), name: inForce }];
    const fake = fakeTransport(answering({ report: weekReport(versions, range) }));
    const { dashboard, root } = mount({ transport: fake.transport, selection: { window: 'custom', ...range } });
    feed(dashboard, msg.connection('connected'), msg.snapshot(snapshot({ standards: [current, VISIT_STANDARD] })));
    await settle();
    dashboard.flush();
    const chart = root.querySelector<HTMLElement>(`.rs-chart-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(text(chart, '.rs-panel-title')).toBe(inForce);
    expect(text(chart, 'details.rs-table-toggle caption')).toBe(`${inForce}: compliance over time`);
    const distribution = root.querySelector<HTMLElement>(`.rs-distribution-panel[data-standard-id="${CALL_STANDARD.id}"]`)!;
    expect(text(distribution, '.rs-panel-meta')).toMatch(new RegExp(`^${inForce} · `));
    expect(text(distribution, 'details.rs-table-toggle caption')).toBe(`${inForce}: distribution`);
  });

  it('name a changed target, and every older rule newest first', async () => {
    const later = '2026-11-22T09:00:00.000Z';
    const shown = await show(
      weekReport([version(1, 2, null, 50, 60, 0.85), version(2, 2, '2026-11-19T08:00:00.000Z', 50, 60), version(3, 3, changedAt, 20, 22), version(4, 3, later, 10, 10)]),
    );
    // Version 4 changed neither (a new name): the rule of version 3 holds on since it took effect.
    expect(shown.target).toBe('target 90 % · ≤ 3 rings · last 7 days');
    expect(shown.change).toBe(`since ${at(changedAt)}; before: ≤ 2 rings, target 85 % · ≤ 2 rings`);
  });

  it('stay plain when every version of the window had the same threshold and target', async () => {
    const shown = await show(weekReport([version(1, 3, null, 110, 130), version(2, 3, changedAt, 20, 22)]));
    expect(shown.target).toBe('target 90 % · ≤ 3 rings · last 7 days');
    expect(shown.change).toBeNull();
    expect(shown.meta).toBe('target 90 % · ≤ 3 rings · per hour · last 7 days');
  });
});
