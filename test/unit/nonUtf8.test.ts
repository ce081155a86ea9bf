// Where bytes stop being UTF-8 (protocol/utf8.ts: request bodies, MQTT messages): the first byte no well-formed
// sequence starts at, checked against Node's validator and a strict decoder on random and hand-picked bytes.
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstNonUtf8, nonUtf8Where } from '../../server/src/protocol/utf8';

const strict = new TextDecoder('utf-8', { fatal: true });
const decodable = (bytes: Uint8Array) => {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('the first byte that is not UTF-8', () => {
  it('agrees with isUtf8: the text before it is UTF-8, and no longer prefix is', () => {
    // Mostly valid text with a few arbitrary bytes mixed in, so the bad byte lands anywhere.
    const bytes = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }).map((s) => Buffer.from(s, 'utf8')), fc.uint8Array({ maxLength: 3 }).map((a) => Buffer.from(a))), { maxLength: 12 }).map((parts) => Buffer.concat(parts));
    fc.assert(
      fc.property(bytes, (body) => {
        const at = firstNonUtf8(body);
        if (isUtf8(body)) {
          expect(at).toBe(-1);
          return;
        }
        expect(at).toBeGreaterThanOrEqual(0);
        expect(isUtf8(body.subarray(0, at))).toBe(true);
        for (let end = at + 1; end <= body.length; end++) expect(isUtf8(body.subarray(0, end))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with a strict decoder on the bytes where UTF-8 is subtle: leads, continuations and their edges', () => {
    const leadsAndContinuations = fc.array(fc.constantFrom(0x61, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff), { maxLength: 10 });
    fc.assert(
      fc.property(leadsAndContinuations.map((a) => Uint8Array.from(a)), (b) => {
        const at = firstNonUtf8(b);
        return at === -1 ? decodable(b) : !decodable(b) && decodable(b.subarray(0, at)) && !decodable(b.subarray(0, at + 1));
      }),
      { numRuns: 1000 },
    );
  });

  it('names overlong forms, surrogates, code points past U+10FFFF, a sequence cut short and a stray continuation by their first byte', () => {
    expect(firstNonUtf8(Buffer.from([0x41, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(firstNonUtf8(Buffer.from([0x41, 0x42, 0xed, 0xa0, 0x80]))).toBe(2); // U+D800
    expect(firstNonUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // U+110000
    expect(firstNonUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // € cut short
    expect(firstNonUtf8(Buffer.from([0x61, 0x80]))).toBe(1); // a continuation with no lead
    expect(firstNonUtf8(Buffer.from('plain € and 😀', 'utf8'))).toBe(-1);
  });

  it('says the byte, its line and column (both 1-based, the column in bytes)', () => {
    expect(nonUtf8Where(Buffer.concat([Buffer.from('one\ntwo\nthr'), Buffer.from([0xff]), Buffer.from('e')]))).toBe('the first bad byte is 0xFF, at line 3, column 4 (byte 12)');
    expect(nonUtf8Where(Buffer.from('fine'))).toBe('');
  });
});
