// Where bytes stop being UTF-8, so that a forwarder can refuse them as the API does (400 invalid-utf8) and say where,
// rather than decoding them with U+FFFD in place of each bad byte: two different Latin-1 names would then become
// the same text.
import { isUtf8 } from 'node:buffer';

/** The offset of the first byte that does not begin a well-formed UTF-8 character, or null when all of them do. */
export function firstNonUtf8Byte(bytes: Uint8Array): number | null {
  if (isUtf8(bytes)) return null;
  for (let i = 0; i < bytes.length; ) {
    const length = utf8CharLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return null;
}

/** Bytes of the well-formed character (RFC 3629: no overlongs, surrogates or code points above U+10FFFF) at `i`, else 0. */
function utf8CharLength(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  const [count, low, high] = lead >= 0xc2 && lead <= 0xdf ? [1, 0x80, 0xbf]
    : lead === 0xe0 ? [2, 0xa0, 0xbf]
    : lead === 0xed ? [2, 0x80, 0x9f]
    : lead >= 0xe1 && lead <= 0xef ? [2, 0x80, 0xbf]
    : lead === 0xf0 ? [3, 0x90, 0xbf]
    : lead >= 0xf1 && lead <= 0xf3 ? [3, 0x80, 0xbf]
    : lead === 0xf4 ? [3, 0x80, 0x8f]
    : [0, 0, 0];
  if (count === 0 || i + count >= b.length) return 0;
  const second = b[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k <= count; k++) if (b[i + k]! < 0x80 || b[i + k]! > 0xbf) return 0;
  return count + 1;
}

/** Why `bytes` are refused, naming the first bad byte: `is not UTF-8 (byte 0xe9 at offset 9)`. */
export function notUtf8Reason(bytes: Uint8Array, at: number): string {
  return `is not UTF-8 (byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at})`;
}
