// One string for a tuple of values (a site, a standard id, a version, a case id), to group and look up by in a Map.
// The parts are joined by U+0000, as they always were; a part that itself holds U+0000 (text stored before the wire
// refused it: protocol/text.ts) or U+0001 has those escaped first (U+0000 → U+0001 U+0001, U+0001 → U+0001 U+0002),
// so no part ever holds the separator and two different tuples never make the same key (site "a\0b" with case "c" is
// not site "a" with case "b\0c"). Text without either character, all of it in practice, is joined unchanged: the
// keys, and any order taken from them, are the ones they were.
const part = (value: string | number): string => {
  const text = String(value);
  if (!text.includes('\u0000') && !text.includes('\u0001')) return text;
  // U+0001 first, so the U+0001 that escapes a NUL is not escaped again.
  return text.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001');
};

/** The key of a tuple: equal exactly when every part is equal (numbers by their text). */
export function groupKey(...parts: ReadonlyArray<string | number>): string {
  let key = part(parts[0] ?? '');
  for (let i = 1; i < parts.length; i++) key += `\u0000${part(parts[i]!)}`;
  return key;
}
