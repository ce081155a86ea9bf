// Site names, group keys and open cases are listed in the browser collator's order; the plain comparison that spares
// the first render ICU's collation data must give that order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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

  it('leaves other texts to the collator, so a list mixing both sorts as before', () => {
    const sites = ['harbour', 'Airport', 'école', 'downtown', 'Zebra', 'zoo', 'site_2', 'site-2', 'Ärzte', 'ärzte', 'b', 'B'];
    expect([...sites].sort(compareText)).toEqual([...sites].sort((a, b) => a.localeCompare(b)));
  });
});
