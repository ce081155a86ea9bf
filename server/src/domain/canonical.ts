// A stable text form of a posted event, so "the same content" means the same fields and values
// whatever the key order. Used to tell an idempotent retry from a reused id.
export function canonicalJson(value: unknown): string {
  return directJson(value) ?? JSON.stringify(sortKeys(value));
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

/**
 * The same text as JSON.stringify(sortKeys(value)), written directly for what posted items are made of (objects and
 * arrays of strings, numbers, booleans and null): no sorted copy to build, whose prototype-less objects JSON.stringify
 * walks slowly (every milestone and finished event is canonicalised on ingest). Null where the copy's text could
 * differ, and the copy decides: a key that starts with a digit (an object lists array-index keys first, whatever the
 * order they were added in), a `toJSON` key, a function, symbol or bigint value, or undefined outside an object.
 */
function directJson(value: unknown): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    let json = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const item = v === undefined ? 'null' : directJson(v);
      if (item === null) return null;
      json += (i === 0 ? '' : ',') + item;
    }
    return json + ']';
  }
  const source = value as Record<string, unknown>;
  let json = '';
  for (const key of Object.keys(source).sort()) {
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === 'toJSON') return null;
    const v = source[key];
    if (v === undefined) continue;
    const text = directJson(v);
    if (text === null) return null;
    json += (json === '' ? '{' : ',') + JSON.stringify(key) + ':' + text;
  }
  return json === '' ? '{}' : json + '}';
}

/**
 * What makes two contents of one id (or one milestone's pairing key) different: each field whose value differs,
 * sorted. A sender told only "a different event" cannot tell a changed value from a retry written another way (`Z`
 * against `+00:00`, a field added). None when either content is not an object's JSON.
 */
export function differingFields(first: string, second: string): string[] {
  return fieldsApart(objectOf(first), objectOf(second));
}

/**
 * The differing fields of two contents the sender may see both of (two items of its own request), each with its two
 * values, labelled by where each content came from (`labels`). Empty when none differs (differingFields).
 */
export function contentDifference(first: string, second: string, labels: readonly [string, string]): string {
  const a = objectOf(first);
  const b = objectOf(second);
  return fieldsApart(a, b).map((key) => `${key} differs (${labels[0]} ${shown(a![key])}, ${labels[1]} ${shown(b![key])})`).join(', ');
}

/** The keys whose values differ between two parsed contents, sorted; none when either is not an object. */
function fieldsApart(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): string[] {
  if (!a || !b) return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null));
}

function objectOf(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A value as JSON, at most 40 characters of it (a long text is cut with "…"); a field left out is "none". */
function shown(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  const text = canonicalJson(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
