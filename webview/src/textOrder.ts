// The order the browser's collator gives two texts (String.prototype.localeCompare, the page's default locale),
// without making a collator where the answer is known: the first one a page makes loads ICU's collation data
// (~15 ms of the first render's CPU), and site names, display names and keys are usually plain ASCII words.

/**
 * ASCII letters of either case, digits, spaces and hyphens: in English (the root collation, untailored) each
 * letter's two cases share one primary weight and every other character has its own, in the same order as the
 * lowercase code units (space, hyphen, digits, letters); no accents, so the secondary level ties; case is the
 * tertiary level, lowercase first. Other languages reorder some of them (Danish "aa" after "z", Lithuanian "y"
 * before "j"), so the plain comparison is used only where the browser's language is English.
 */
const PLAIN = /^[A-Za-z0-9 -]*$/;
const ENGLISH = /^en(-|$)/i.test(globalThis.navigator?.language ?? '');

/** Negative, zero or positive as `a.localeCompare(b)` is. */
export function compareText(a: string, b: string): number {
  if (ENGLISH && PLAIN.test(a) && PLAIN.test(b)) return comparePlain(a, b);
  return a.localeCompare(b);
}

/** The primary level (letters without case), then the first difference in case, lowercase first. */
function comparePlain(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  // Same letters: the first place where only the case differs decides; an uppercase code unit sorts before its
  // lowercase one, the collator the other way round.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? 1 : -1;
  return 0;
}
