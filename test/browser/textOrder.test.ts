// Site names, group keys and open cases are listed in the browser collator's order; the plain comparison that spares
// the first render ICU's collation data must give that order.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compareText } from '../../webview/src/textOrder';

const sign = (n: number) => Math.sign(n);

describe('texts in the collator’s order', () => {
  it('orders plain lowercase names, digits, spaces and hyphens as localeCompare does', () => {
    expect(navigator.language).toMatch(/^en/);
    const names = ['harbour', 'airport', 'downtown', 'site-01', 'site-1', 'site 1', 'site10', 'site2', '', 'a', 'a-b', 'a b', 'ab', 'a0', '0', '-', ' '];
    for (const a of names) for (const b of names) expect(sign(compareText(a, b)), `${a} / ${b}`).toBe(sign(a.localeCompare(b)));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'az09 -mq5'.split('')), maxLength: 8 }), fc.string({ unit: fc.constantFrom(...'az09 -mq5'.split('')), maxLength: 8 }), (a, b) => {
        expect(sign(compareText(a, b))).toBe(sign(a.localeCompare(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders ASCII names of mixed case as localeCompare does: letters first, then the first difference in case', () => {
    const names = ['Harbour', 'harbour', 'HARBOUR', 'hArbour', 'Airport', 'airport', 'Downtown', 'down town', 'Down-town', 'Site 01', 'site-01', 'Site1', 'a', 'A', 'aB', 'Ab', 'AB', 'ab', 'B', 'b', 'Zoo', ''];
    // Display names ("Downtown", "Airport") are what the site menu sorts on the first render: no collator for them.
    const collator = vi.spyOn(String.prototype, 'localeCompare');
    const ordered = [...names].sort(compareText);
    expect(collator).not.toHaveBeenCalled();
    collator.mockRestore();
    expect(ordered).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    for (const a of names) for (const b of names) expect(sign(compareText(a, b)), `${a} / ${b}`).toBe(sign(a.localeCompare(b)));
    const unit = fc.constantFrom(...'aAzZ09 -mMqQ5'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit, maxLength: 8 }), (a, b) => {
        expect(sign(compareText(a, b))).toBe(sign(a.localeCompare(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves other texts to the collator, so a list mixing both sorts as before', () => {
    const sites = ['harbour', 'Airport', 'école', 'downtown', 'Zebra', 'zoo', 'site_2', 'site-2', 'Ärzte', 'ärzte', 'b', 'B'];
    expect([...sites].sort(compareText)).toEqual([...sites].sort((a, b) => a.localeCompare(b)));
  });
});
