// The order the browser's collator gives two texts (String.prototype.localeCompare, the page's default locale),
// without making a collator where the answer is known: the first one a page makes loads ICU's collation data
// (~15 ms of the first render's CPU), and site names and keys are usually plain lowercase words.

/**
 * Lowercase ASCII letters, digits, spaces and hyphens: in English (the root collation, untailored) each has its own
 * primary weight, in the same order as their code units (space, hyphen, digits, letters), and no other level tells
 * them apart. Other languages reorder some of them (Danish "aa" after "z", Lithuanian "y" before "j"), so the plain
 * comparison is used only where the browser's language is English.
 */
const PLAIN = /^[a-z0-9 -]*$/;
const ENGLISH = /^en(-|$)/i.test(globalThis.navigator?.language ?? '');

/** Negative, zero or positive as `a.localeCompare(b)` is. */
export function compareText(a: string, b: string): number {
  if (ENGLISH && PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}
