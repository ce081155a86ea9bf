// Site names, group keys and open cases are listed in the browser collator's order, reading digits as numbers
// (Intl.Collator's `numeric`, the page's language); the plain comparison that spares the first render ICU's
// collation data must give that order.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compareText } from '../../server/src/protocol/pure';

const sign = (n: number) => Math.sign(n);
const collator = new Intl.Collator(undefined, { numeric: true });
const collate = (a: string, b: string) => collator.compare(a, b);

describe('texts in the collator’s order', () => {
  it('orders numbers in names as people read them: Site 2 before Site 10', () => {
    const sites = Array.from({ length: 12 }, (_, i) => `Site ${i + 1}`);
    expect([...sites].reverse().sort(compareText)).toEqual(sites);
    expect(['Site 1', 'Site 10', 'Site 11', 'Site 12', 'Site 2', 'Site 9 Perth', 'Site 10 Sydney', 'Site 7 Sydney'].sort(compareText)).toEqual([
      'Site 1',
      'Site 2',
      'Site 7 Sydney',
      'Site 9 Perth',
      'Site 10',
      'Site 10 Sydney',
      'Site 11',
      'Site 12',
    ]);
    // Outside the plain texts too: the collator itself, in the page's language.
    expect(['Zürich 10', 'Zürich 9', 'Zürich 100'].sort(compareText)).toEqual(['Zürich 9', 'Zürich 10', 'Zürich 100']);
  });

  it('orders plain lowercase names, digits, spaces and hyphens as the collator does', () => {
    expect(navigator.language).toMatch(/^en/);
    const names = ['harbour', 'airport', 'downtown', 'site-01', 'site-1', 'site 1', 'site10', 'site2', 'site02', 'site002b', 'site2a', '', 'a', 'a-b', 'a b', 'ab', 'a0', 'a00', '0', '00', '-', ' ', '99999999999999999999', '100000000000000000000'];
    for (const a of names) for (const b of names) expect(sign(compareText(a, b)), `${a} / ${b}`).toBe(sign(collate(a, b)));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'az09 -mq5'.split('')), maxLength: 8 }), fc.string({ unit: fc.constantFrom(...'az09 -mq5'.split('')), maxLength: 8 }), (a, b) => {
        expect(sign(compareText(a, b))).toBe(sign(collate(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders ASCII names of mixed case as the collator does: letters and numbers first, then the first difference in case', () => {
    const names = ['Harbour', 'harbour', 'HARBOUR', 'hArbour', 'Airport', 'airport', 'Downtown', 'down town', 'Down-town', 'Site 01', 'site-01', 'Site1', 'site01', 'A1b', 'a01B', 'a', 'A', 'aB', 'Ab', 'AB', 'ab', 'B', 'b', 'Zoo', ''];
    // Display names ("Downtown", "Airport") are what the site menu sorts on the first render: no collator for them.
    const used = vi.spyOn(Intl.Collator.prototype, 'compare', 'get');
    const ordered = [...names].sort(compareText);
    expect(used).not.toHaveBeenCalled();
    used.mockRestore();
    expect(ordered).toEqual([...names].sort(collate));
    for (const a of names) for (const b of names) expect(sign(compareText(a, b)), `${a} / ${b}`).toBe(sign(collate(a, b)));
    const unit = fc.constantFrom(...'aAzZ09 -mMqQ5'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit, maxLength: 8 }), (a, b) => {
        expect(sign(compareText(a, b))).toBe(sign(collate(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves other texts to the collator, so a list mixing both sorts as it does', () => {
    const sites = ['harbour', 'Airport', 'école', 'downtown', 'Zebra', 'zoo', 'site_2', 'site_10', 'site-2', 'Ärzte 2', 'ärzte 10', 'b', 'B'];
    expect([...sites].sort(compareText)).toEqual([...sites].sort(collate));
  });
});
