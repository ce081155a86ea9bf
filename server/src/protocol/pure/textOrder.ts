// The order every client lists names in (the dashboard's site names, group keys and case ids; the extension's Sites
// view and worst-items ties): the collator in the user's language, reading digits as numbers ("Site 2" before
// "Site 10", as people read them; Intl.Collator's `numeric`), so the board and VS Code list sites alike. It makes
// no collator where the answer is known: the first one a page makes loads ICU's collation data (~15 ms of the
// first render's CPU), and site names, display names and keys are usually plain ASCII words.

/**
 * ASCII letters of either case, digits, spaces and hyphens: in English (the root collation, untailored) each
 * letter's two cases share one primary weight and every other character has its own, in the same order as the
 * lowercase code units (space, hyphen, digits, letters); no accents, so the secondary level ties; case is the
 * tertiary level, lowercase first. A run of digits is one number, weighed by its value (leading zeros count for
 * nothing, at any level), between the hyphen and the letters. Other languages reorder some of them (Danish "aa"
 * after "z", Lithuanian "y" before "j"), so the plain comparison is used only where the browser's language is English.
 */
const PLAIN = /^[A-Za-z0-9 -]*$/;
// A page's language; Node 20 (the extension host) has no `navigator`, so there every text goes to the collator.
const ENGLISH = /^en(-|$)/i.test((globalThis as { navigator?: { language?: string } }).navigator?.language ?? '');

/** Made at the first text the plain comparison cannot order. */
let collator: Intl.Collator | null = null;

/** Negative, zero or positive as `new Intl.Collator(undefined, { numeric: true }).compare(a, b)` is. */
export function compareText(a: string, b: string): number {
  if (ENGLISH && PLAIN.test(a) && PLAIN.test(b)) return comparePlain(a, b);
  return (collator ??= new Intl.Collator(undefined, { numeric: true })).compare(a, b);
}

/** A text as the collator weighs it: single characters, and each run of digits as one number (without its leading zeros). */
const PARTS = /[0-9]+|[^0-9]/g;

/** The primary level (letters without case, numbers by value), then the first difference in case, lowercase first. */
function comparePlain(a: string, b: string): number {
  const pa = a.match(PARTS) ?? [];
  const pb = b.match(PARTS) ?? [];
  let caseOrder = 0;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const primary = comparePart(x, y);
    if (primary !== 0) return primary;
    // Same letter: the first place where only the case differs decides, unless a later primary difference does; an
    // uppercase code unit sorts before its lowercase one, the collator the other way round.
    if (caseOrder === 0 && x !== y && !isDigit(x)) caseOrder = x < y ? 1 : -1;
  }
  return pa.length - pb.length || caseOrder;
}

function isDigit(part: string): boolean {
  const code = part.charCodeAt(0);
  return code >= 48 && code <= 57;
}

/** Two parts at the primary level: a number against a number by value, anything else by its lowercase code unit ('0' standing for a number). */
function comparePart(x: string, y: string): number {
  const dx = isDigit(x);
  const dy = isDigit(y);
  if (dx && dy) {
    const nx = x.replace(/^0+/, '');
    const ny = y.replace(/^0+/, '');
    if (nx.length !== ny.length) return nx.length - ny.length;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
  }
  const kx = dx ? '0' : x.toLowerCase();
  const ky = dy ? '0' : y.toLowerCase();
  return kx < ky ? -1 : kx > ky ? 1 : 0;
}
