// The text rule of the wire schemas (server/src/protocol/text.ts): where the first unpaired surrogate is, and a
// schema built on wellFormedString() refusing malformed text with that one message before any other check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unpairedSurrogateAt, wellFormedString } from '../../server/src/protocol/text';

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
  it('passes well-formed text on to the rest of the chain', () => {
    expect(schema.parse(' a\u0000😀 ')).toBe('a\u0000😀');
    expect(schema.safeParse('   ').error?.issues.map((i) => i.message)).toEqual(['must not be empty']);
  });
});
