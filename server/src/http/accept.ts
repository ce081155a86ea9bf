// Proactive negotiation by the Accept header (RFC 9110 §12.5.1), for an answer offered in more than one media type:
// which offer a client prefers, or none (its route answers 406, problems.ts notAcceptable, rather than send a default
// the client said it does not take, or send one for a header it could not have meant). No header, `*/*` or a browser's list ending in `*/*;q=0.8` takes the first offer.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  /** Its place in the header: of two ranges equally preferred, the one listed first wins. */
  index: number;
}

/** A qvalue (RFC 9110 §12.4.2), and `.2` without its 0, which Java's HttpURLConnection has long sent. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|\.\d{1,3}|1(?:\.0{0,3})?)$/;
/** A token (RFC 9110 §5.6.2): a media type's type and subtype, a parameter's name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/**
 * The header's media ranges, parameters other than q aside; null when it is no valid Accept header: a part that is no
 * `type/subtype` (or `type/*`, `*\/*`), a parameter without a name and value, a q that is no qvalue. Empty list
 * elements and parameters are allowed (RFC 9110 §5.6.1, §5.6.6), and left out; a quoted parameter value may hold
 * commas and semicolons. A bare `*` is taken as `*\/*`, as Java's HttpURLConnection sends it (`*; q=.2`).
 */
function rangesOf(accept: string): MediaRange[] | null {
  const ranges: MediaRange[] = [];
  for (const [index, part] of outsideQuotes(accept, ',').entries()) {
    const [range = '', ...params] = outsideQuotes(part, ';').map((p) => p.trim());
    if (range === '' && params.every((p) => p === '')) continue;
    const [type = '', subtype = '', ...rest] = (range === '*' ? '*/*' : range.toLowerCase()).split('/');
    if (!TOKEN.test(type) || !TOKEN.test(subtype) || rest.length > 0 || (type === '*' && subtype !== '*')) return null;
    const named = params.filter((p) => p !== '').map((p) => /^([^=\s]+)\s*=\s*(\S.*)$/.exec(p));
    if (named.some((m) => m === null || !TOKEN.test(m[1] ?? ''))) return null;
    const q = named.find((m) => m?.[1]?.toLowerCase() === 'q')?.[2];
    if (q !== undefined && !QVALUE.test(q)) return null;
    ranges.push({ type, subtype, q: q === undefined ? 1 : Number(q), index });
  }
  return ranges;
}

/** `text` split at each `separator` that is not inside a quoted string (RFC 9110 §5.6.4: `\"` escapes a quote). */
function outsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted && c === '\\') i += 1;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Whether `accept` is a valid Accept header (absent, or a list of media ranges, perhaps empty). */
export const wellFormedAccept = (accept: string | undefined): boolean => rangesOf(accept ?? '') !== null;

/** How closely a range matches a media type: 3 exactly, 2 as `type/*`, 1 as `*\/*`, 0 not at all. */
function closeness(range: MediaRange, mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  if (range.type === type && range.subtype === subtype) return 3;
  if (range.type === type && range.subtype === '*') return 2;
  return range.type === '*' && range.subtype === '*' ? 1 : 0;
}

/** Something an answer may be given as, under one or more media types (lower case, no parameters): its names. */
interface Offer<T> {
  value: T;
  types: readonly string[];
}

/**
 * The offer the Accept header prefers, or null when it accepts none or is no valid Accept header (a client that sent
 * one asked for something; answering the default would pretend it had not). Each offer takes the q of the closest range that
 * matches any of its names (RFC 9110: the most specific reference wins, so `application/x-ndjson;q=0` refuses NDJSON
 * though `application/*` would take its other name); the highest q above 0 wins, then the closer match, then the range
 * listed first, then the offer listed first. No header, or one of empty elements only: the first offer.
 */
export function preferredOffer<T>(accept: string | undefined, offers: readonly Offer<T>[]): T | null {
  const ranges = rangesOf(accept ?? '');
  if (ranges === null) return null;
  if (ranges.length === 0) return offers[0]?.value ?? null;
  type Candidate = { value: T; q: number; closeness: number; index: number };
  const order = (a: Candidate, b: Candidate) => a.q - b.q || a.closeness - b.closeness || b.index - a.index;
  let best: Candidate | null = null;
  for (const { value, types } of offers) {
    const matches = ranges.flatMap((range) => types.map((type) => ({ range, closeness: closeness(range, type) }))).filter((m) => m.closeness > 0);
    // The closest match; of equally close ones, the first listed.
    const match = matches.reduce<(typeof matches)[number] | null>((a, m) => (!a || m.closeness > a.closeness ? m : a), null);
    if (!match || match.range.q === 0) continue;
    const candidate = { value, q: match.range.q, closeness: match.closeness, index: match.range.index };
    if (!best || order(candidate, best) > 0) best = candidate;
  }
  return best?.value ?? null;
}
