// A stable text form of a posted event, so "the same content" means the same fields and values
// whatever the key order. Used to tell an idempotent retry from a reused id.
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    // Object.keys().sort() orders by UTF-16 code units, like the `<` comparison this always used; one pass, no
    // intermediate entry arrays (every posted event is canonicalised on ingest).
    const source = value as Record<string, unknown>;
    // No prototype: a "__proto__" key becomes an own property, as Object.fromEntries made it.
    const sorted = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(source).sort()) {
      const v = source[key];
      if (v !== undefined) sorted[key] = sortKeys(v);
    }
    return sorted;
  }
  return value;
}
