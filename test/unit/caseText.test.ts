// A case's key as one text (services/ingest/cases.ts caseText): ingest's maps of cases and the open clocks' use it, and
// the clocks take what a write knew of a case by it, so two cases must never share a text, whatever their characters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaseKey } from '../../server/src/store/port';
import { caseText } from '../../server/src/services/ingest/cases';

const key = (type: string, site: string, caseId: string): CaseKey => ({ type, site, caseId });

describe('caseText', () => {
  it('tells apart keys whose parts only join alike', () => {
    const keys = [
      key('call', 'north', 'a1'), key('call', 'north1', 'a'), key('call', 'nort', 'h1a'), key('cal', 'lnorth', 'a1'),
      key('call', '5:north', 'a1'), key('call', 'north', '5:a1'), key('4:call', 'north', 'a1'), key('call', '', 'northa1'),
      key('call', 'north\u0000', 'a1'), key('call\u0000north', '', 'a1'), key('', '', ''), key('1:', '', ''), key('', '1:', ''),
      key('a:b', 'c', 'd'), key('a', 'b:c', 'd'), key('a', 'b', 'c:d'), key('a\u0000b', 'c', 'd'), key('a', 'b\u0000c', 'd'),
      key('a', 'b', 'c\u0000d'), key('["a","b"', 'c', 'd'), key('a', '"b","c"', 'd'),
    ];
    expect(new Set(keys.map(caseText)).size).toBe(keys.length);
  });

  it('is the same text exactly for the same key', () => {
    const part = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(
      fc.property(part, part, part, part, part, part, (t1, s1, c1, t2, s2, c2) => {
        const [a, b] = [key(t1, s1, c1), key(t2, s2, c2)];
        expect(caseText(a) === caseText(b)).toBe(t1 === t2 && s1 === s2 && c1 === c2);
        expect(caseText({ ...a })).toBe(caseText(a));
      }),
      { numRuns: 3000 },
    );
  });
});
