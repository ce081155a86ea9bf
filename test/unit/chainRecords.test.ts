// The faster forms of the chain's byte definitions (domain/chain.ts, domain/canonical.ts) give exactly the
// bytes of the definitions in docs/audit.md, so links written before and after keep verifying.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/src/domain/canonical';
import { CHAIN_KINDS as KINDS, GENESIS_HASH, linkHash, recordJsonOf, recordOf, sha256 } from '../../server/src/domain/chain';

/** canonicalJson as it was first written (entries, filter, sort with <, fromEntries). */
function referenceCanonicalJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([k, x]) => [k, sortKeys(x)]));
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', '10', '2', 'a', 'B', 'é', '😀', 'ﬀ'));
const anything = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.constant(undefined), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 6 })),
})).value;
const cell = fc.oneof(fc.string({ unit: 'grapheme' }), fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.constant(-0), fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }));

describe('chain bytes', () => {
  it('canonicalJson gives the same text as before, for any JSON-like value', () => {
    fc.assert(fc.property(anything, (v) => {
      expect(canonicalJson(v)).toBe(referenceCanonicalJson(v));
    }), { numRuns: 2000 });
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"d":1,"c":2}]}'))).toBe('{"__proto__":{"x":1},"a":[{"c":2,"d":1}],"b":1}');
  });

  it('recordJsonOf(kind) = canonicalJson(recordOf(kind, values)) for every kind and row values', () => {
    for (const def of KINDS) {
      const json = recordJsonOf(def);
      fc.assert(fc.property(fc.array(cell, { minLength: def.keys.length, maxLength: def.keys.length }), (values) => {
        expect(json(values)).toBe(canonicalJson(recordOf(def, values)));
      }), { numRuns: 300 });
    }
  });

  it('recordJsonOf(kind) gives the same bytes on its one-JSON.stringify path (rows of text, numbers, booleans, nulls) and with nested values', () => {
    const plain = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0));
    const nested = fc.oneof({ weight: 6, arbitrary: plain }, { weight: 1, arbitrary: anything });
    for (const def of KINDS) {
      const json = recordJsonOf(def);
      for (const value of [plain, nested]) {
        fc.assert(fc.property(fc.array(value, { minLength: def.keys.length, maxLength: def.keys.length }), (values) => {
          expect(json(values)).toBe(canonicalJson(recordOf(def, values)));
        }), { numRuns: 300 });
      }
    }
  });

  it('linkHash = SHA-256(prev + canonicalJson({digest, kind, ref})), sha256 = hex SHA-256 of UTF-8', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (prev, kind, ref, digest) => {
        const expected = createHash('sha256').update(prev + canonicalJson({ digest, kind, ref }), 'utf8').digest('hex');
        expect(linkHash(prev, kind, ref, digest)).toBe(expected);
        expect(sha256(ref)).toBe(createHash('sha256').update(ref, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
    expect(linkHash(GENESIS_HASH, 'event', '1', 'd')).toBe(createHash('sha256').update(`${GENESIS_HASH}{"digest":"d","kind":"event","ref":"1"}`).digest('hex'));
  });
});
