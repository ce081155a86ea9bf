// Rows written as JSON at speed: an object literal generated once per key list (every object then shares one hidden
// class) and one native JSON.stringify per row, instead of one call per value joined in JavaScript. Used by the chain's
// record text and the exports' NDJSON rows, which must stay byte for byte what their piecewise paths write.

/**
 * A function making `{key0: …, key1: …}` from a row of values, keys in the given order; `valueSource(n)`: the
 * JavaScript expression of key n's value over the row `v`. Null where an object literal would not keep the keys in
 * place: an array index (objects list those first), `__proto__` (it sets the prototype) or a repeated key.
 */
export function objectLiteralOf(keys: readonly string[], valueSource: (n: number) => string): ((values: readonly unknown[]) => object) | null {
  if (keys.some((key) => key === '__proto__' || /^(0|[1-9]\d*)$/.test(key)) || new Set(keys).size < keys.length) return null;
  const fields = keys.map((key, n) => `${JSON.stringify(key)}: ${valueSource(n)}`);
  // The keys go into the source as JSON string literals (valid JavaScript strings): nothing of theirs is evaluated.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', `return {${fields.join(', ')}};`) as (values: readonly unknown[]) => object;
}
