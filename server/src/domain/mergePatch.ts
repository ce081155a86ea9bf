// JSON merge patch (RFC 7396): how a PATCH of a site or a standard changes what is stored. The one definition both use.

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * `target` with `patch` merged in (RFC 7396): a member the patch names replaces the target's, recursively where both
 * are objects; `null` removes it (whatever took its place when it was left out: a default); a member the patch does
 * not name is kept; a patch that is not an object replaces the target whole. Neither argument is changed. Members
 * are set as own properties, so a "__proto__" key is a member like any other (and can be refused as one).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const merged = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else if (value !== undefined) merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}
