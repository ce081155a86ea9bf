// The canonical text of posted content (domain/canonical.ts) is stored, compared for retries and hashed into the chain:
// writing it directly must give exactly the text of the sorted copy it was first made from, for any value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/src/domain/canonical';

/** The definition the stored contents were made with: a copy with sorted keys, stringified. */
function sortedCopyJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const sorted = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) sorted[key] = sortKeys(x);
      }
      return sorted;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

describe('canonicalJson', () => {
  it('is the sorted copy’s text for any value', () => {
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withDate: true, withMap: true, withBoxedValues: true, withSparseArray: true }), (v) => {
      expect(canonicalJson(v)).toBe(sortedCopyJson(v));
    }), { numRuns: 2000 });
  });

  it('keeps the order of keys an object lists first, and what JSON leaves out or calls', () => {
    const odd = [
      { b: 1, 10: 'x', 9: 'y', a: [undefined, () => 1], __proto__x: null },
      JSON.parse('{"__proto__": {"z": 1, "a": 2}, "k": "v"}'),
      { toJSON: () => 'called', a: 1 },
      { nested: { toJSON: 'not a function', 2: true } },
      { d: new Date(0), n: Number.NaN, i: -Infinity, z: -0, u: undefined, f: () => 1, s: Symbol('s') },
      [{ b: '\u2028', a: '"\\' }, 'é', 1e21, 5e-324],
    ];
    for (const v of odd) expect(canonicalJson(v)).toBe(sortedCopyJson(v));
  });

  it('writes a milestone as the sorted text', () => {
    expect(canonicalJson({ type: 'call', site: 's', caseId: 'c', milestone: 'started', at: '2026-06-01T10:00:00Z', queue: 'q', agent: undefined })).toBe(
      '{"at":"2026-06-01T10:00:00Z","caseId":"c","milestone":"started","queue":"q","site":"s","type":"call"}',
    );
  });
});
