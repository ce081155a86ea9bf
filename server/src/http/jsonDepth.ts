// Deeply nested JSON is refused before it is parsed (a body-parser `verify` hook): no event needs more than
// a few levels, and a 1 MB body of "[[[[…" should not reach JSON.parse or the validators.
import { bodyError } from './bodyText';

export const MAX_JSON_DEPTH = 20;

export function jsonDepth(body: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** For express.json({ verify }). */
export function rejectDeepJson(_req: unknown, _res: unknown, body: Buffer): void {
  if (jsonDepth(body) > MAX_JSON_DEPTH) throw bodyError(400, 'entity.too.deep', `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`);
}
