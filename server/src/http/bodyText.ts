// Request bodies must be UTF-8 (RFC 8259 §8.1 for JSON). body-parser would decode invalid bytes to U+FFFD
// without a word, so a client's text would be stored as something it never sent; this `verify` hook refuses
// the body first. Other charsets are refused too: one encoding, checked once, for every JSON route.
import { isUtf8 } from 'node:buffer';

type BodyError = Error & { status: number; type: string; where?: string };

/** An error as body-parser makes them: the fallback error handler answers by its `type`. */
export function bodyError(status: number, type: string, message: string): BodyError {
  return Object.assign(new Error(message), { status, type });
}

/** For express.json({ verify }): `encoding` is the request's charset (body-parser's default: utf-8). */
export function rejectNonUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8') throw bodyError(415, 'charset.unsupported', `unsupported charset "${encoding}"`);
  if (!isUtf8(body)) throw Object.assign(bodyError(400, 'entity.invalid.utf8', 'the request body is not valid UTF-8'), { where: nonUtf8Where(body) });
}

/** Where a body that is not UTF-8 goes wrong, for its sender to find: the first bad byte, its line and column. */
export function nonUtf8Where(body: Buffer): string {
  const at = firstNonUtf8(body);
  if (at < 0) return '';
  let line = 1;
  let lineStart = 0;
  for (let i = body.indexOf(0x0a); i >= 0 && i < at; i = body.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `the first bad byte is 0x${body[at]!.toString(16).toUpperCase().padStart(2, '0')}, at line ${line}, column ${at - lineStart + 1} (byte ${at + 1})`;
}

/**
 * The offset of the first byte that starts no well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF; a sequence cut short counts from its first byte), or -1 for UTF-8.
 */
export function firstNonUtf8(bytes: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < bytes.length && bytes[i]! >= lo && bytes[i]! <= hi;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let size = 0;
    if (b < 0x80) size = 1;
    else if (b >= 0xc2 && b <= 0xdf) size = cont(i + 1) ? 2 : 0;
    else if (b >= 0xe0 && b <= 0xef) size = cont(i + 1, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf) && cont(i + 2) ? 3 : 0;
    else if (b >= 0xf0 && b <= 0xf4) size = cont(i + 1, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (size === 0) return i;
    i += size;
  }
  return -1;
}
