// The text rule of the wire schemas (server/src/protocol/text.ts): where the first unpaired surrogate is, and a
// schema built on wellFormedString() refusing malformed text, or text with a NUL, with that one message before any
// other check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText, malformedTextProblem, unpairedSurrogateAt, wellFormedString } from '../../server/src/protocol/text';

const unit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)));

describe('unpairedSurrogateAt', () => {
  it('names the first code unit that is half a pair without its other half', () => {
    expect(unpairedSurrogateAt('lobby\udfff')).toBe(5);
    expect(unpairedSurrogateAt('\ud800')).toBe(0);
    expect(unpairedSurrogateAt('a\ud83d\ude00b\ud83d')).toBe(4); // the pair is fine, the trailing high half is not
    expect(unpairedSurrogateAt('\udc00\ud800')).toBe(0); // a low half before a high one pairs with nothing
    expect(unpairedSurrogateAt('nul\u0000 \ufffd 😀')).toBe(-1);
  });

  it('is -1 exactly for well-formed text; otherwise removing everything from it on makes the rest well-formed', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 20 }), (text) => {
        const at = unpairedSurrogateAt(text);
        expect(at === -1).toBe(text.isWellFormed());
        if (at >= 0) {
          expect(text.slice(0, at).isWellFormed()).toBe(true);
          expect(text.slice(0, at + 1).isWellFormed()).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('wellFormedString', () => {
  const schema = wellFormedString().trim().min(1, 'must not be empty');
  it('refuses malformed text with one message naming the position, before trimming or any other rule', () => {
    const parsed = schema.safeParse('  \udfff  ');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['must be well-formed Unicode text (found an unpaired surrogate at position 2)']);
  });
  it('refuses a NUL with its position, before trimming or any other rule', () => {
    expect(schema.safeParse(' a\u0000😀 ').error?.issues.map((i) => i.message)).toEqual(['must not contain the NUL character (U+0000, at position 2)']);
    expect(schema.safeParse('\u0000').error?.issues.map((i) => i.message)).toEqual(['must not contain the NUL character (U+0000, at position 0)']);
  });
  it('names whichever comes first, a NUL or an unpaired surrogate', () => {
    expect(malformedTextProblem('a\udfff\u0000')).toBe('must be well-formed Unicode text (found an unpaired surrogate at position 1)');
    expect(malformedTextProblem('a\u0000\udfff')).toBe('must not contain the NUL character (U+0000, at position 1)');
  });
  it('passes well-formed text without NUL on to the rest of the chain, other control characters included', () => {
    expect(schema.parse(' a\u0001\t\u007f😀 ')).toBe('a\u0001\t\u007f😀');
    expect(schema.safeParse('   ').error?.issues.map((i) => i.message)).toEqual(['must not be empty']);
  });
});

describe('the text rule over any string', () => {
  const nul = fc.constant('\u0000');
  it('passes exactly the well-formed strings without NUL; refuses any other naming the first offence', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof({ weight: 8, arbitrary: unit }, { weight: 1, arbitrary: nul }), maxLength: 30 }), (text) => {
        const problem = malformedTextProblem(text);
        const parsed = wellFormedString().safeParse(text);
        const nulAt = text.indexOf('\u0000');
        const loneAt = unpairedSurrogateAt(text);
        expect(isStorableText(text)).toBe(nulAt < 0 && loneAt < 0);
        if (nulAt < 0 && loneAt < 0) {
          expect(problem).toBeNull();
          expect(parsed.data).toBe(text);
        } else {
          const expected =
            nulAt >= 0 && (loneAt < 0 || nulAt < loneAt) ? `must not contain the NUL character (U+0000, at position ${nulAt})` : `must be well-formed Unicode text (found an unpaired surrogate at position ${loneAt})`;
          expect(problem).toBe(expected);
          expect(parsed.error?.issues.map((i) => i.message)).toEqual([expected]);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('any well-formed string without NUL passes; the same with a NUL put anywhere is refused at that position', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }).map((t) => t.replaceAll('\u0000', '')), fc.nat(), (text, n) => {
        expect(wellFormedString().parse(text)).toBe(text);
        const points = [...text]; // put between two code points: inside a pair it would leave a half alone first
        const before = points.slice(0, n % (points.length + 1)).join('');
        const at = before.length;
        const withNul = `${before}\u0000${text.slice(at)}`;
        expect(wellFormedString().safeParse(withNul).error?.issues.map((i) => i.message)).toEqual([`must not contain the NUL character (U+0000, at position ${at})`]);
      }),
      { numRuns: 2000 },
    );
  });
});
