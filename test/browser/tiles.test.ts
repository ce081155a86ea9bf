import { afterEach, describe, expect, it } from 'vitest';
import { CALL_STANDARD, VISIT_STANDARD, complianceUpdate, figure, msg, point, snapshot } from './fixtures';
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

    feed(dashboard, msg.compliance(complianceUpdate([figure(VISIT_STANDARD, 60, 100)], [])));
    expect(tile(root, VISIT_STANDARD.id).dataset['band']).toBe('bad');
    expect(text(tile(root, VISIT_STANDARD.id), '.rs-tile-value')).toBe('60.0 %');
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
  });
});
