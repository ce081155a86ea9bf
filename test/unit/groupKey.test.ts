// groupKey (protocol/pure/groupKey.ts): one Map key per tuple, equal exactly when the tuples are, whatever text the
// parts hold (a site or case id stored with a NUL before the wire refused it), and the plain NUL-joined key for text
// without NUL or U+0001 (so keys, and orders taken from them, stay what they were).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breachKeyOf, clockKeyOf, groupKey } from '../../server/src/protocol/pure';

const risky = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\u0001', '\u0002', 'a', 'b'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 });
const tuple = fc.array(fc.oneof(risky, fc.integer({ min: -3, max: 3 }).map(String)), { minLength: 1, maxLength: 4 });

describe('groupKey', () => {
  it('is equal for two tuples of the same length exactly when every part is equal', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        fc.pre(a.length === b.length);
        expect(groupKey(...a) === groupKey(...b)).toBe(a.every((p, i) => p === b[i]));
      }),
      { numRuns: 5000 },
    );
  });
  it('keeps parts that hold the separator apart (a joined key would not)', () => {
    expect(groupKey('a\u0000b', 'c')).not.toBe(groupKey('a', 'b\u0000c'));
    expect(['a\u0000b', 'c'].join('\u0000')).toBe(['a', 'b\u0000c'].join('\u0000'));
    expect(groupKey('x', '\u0001\u0001')).not.toBe(groupKey('x', '\u0000'));
  });
  it('is the NUL-joined key for text without NUL or U+0001', () => {
    expect(groupKey('north', 'call-answer', 2)).toBe('north\u0000call-answer\u00002');
  });
  it('tells two open clocks apart whose site and case id share a NUL differently', () => {
    const one = { type: 'call', site: 'x\u0000y', caseId: 'c' };
    const other = { type: 'call', site: 'x', caseId: 'y\u0000c' };
    expect(clockKeyOf(one)).not.toBe(clockKeyOf(other));
    expect(breachKeyOf({ ...one, standardId: 's' } as never)).not.toBe(breachKeyOf({ ...other, standardId: 's' } as never));
  });
});
