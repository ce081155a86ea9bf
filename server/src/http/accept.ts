// Proactive negotiation by the Accept header (RFC 9110 §12.5.1), for an answer offered in more than one media type:
// which offer a client prefers, or none (its route answers 406, problems.ts notAcceptable, rather than send a default
// the client said it does not take). No header, `*/*` or a browser's list ending in `*/*;q=0.8` takes the first offer.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  /** Its place in the header: of two ranges equally preferred, the one listed first wins. */
  index: number;
}

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The header's media ranges, parameters other than q aside; a part that is no media range, or whose q is malformed, is left out. */
function rangesOf(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((part, index) => {
    const [range = '', ...params] = part.split(';').map((p) => p.trim());
    const [type, subtype, ...rest] = range.toLowerCase().split('/');
    const q = params.map((p) => /^q\s*=\s*(.*)$/i.exec(p)?.[1]).find((v) => v !== undefined);
    if (!type || !subtype || rest.length > 0 || (q !== undefined && !QVALUE.test(q))) return;
    ranges.push({ type, subtype, q: q === undefined ? 1 : Number(q), index });
  });
  return ranges;
}

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
 * The offer the Accept header prefers, or null when it accepts none. Each offer takes the q of the closest range that
 * matches any of its names (RFC 9110: the most specific reference wins, so `application/x-ndjson;q=0` refuses NDJSON
 * though `application/*` would take its other name); the highest q above 0 wins, then the closer match, then the range
 * listed first, then the offer listed first. No header, or one without a media range in it: the first offer.
 */
export function preferredOffer<T>(accept: string | undefined, offers: readonly Offer<T>[]): T | null {
  const ranges = rangesOf(accept ?? '');
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
