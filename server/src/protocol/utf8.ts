// Where bytes stop being UTF-8, for whoever sent them to find: every path that refuses bytes that are not UTF-8
// (a request body, 400 invalid-utf8; an MQTT message the forwarder skips) names the first bad byte the same way,
// rather than decoding it as U+FFFD, which would turn two different Latin-1 names into the same text.

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

/**
 * Where bytes that are not UTF-8 go wrong: the first bad byte, its line and column (1-based, the column in bytes);
 * '' for UTF-8. `from`: where `bytes` begin in a larger text (a line of a file: its line number and byte offset).
 */
export function nonUtf8Where(bytes: Uint8Array, from: { line: number; byte: number } = { line: 1, byte: 0 }): string {
  const at = firstNonUtf8(bytes);
  if (at < 0) return '';
  let line = from.line;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < at; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `the first bad byte is 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}, at line ${line}, column ${at - lineStart + 1} (byte ${from.byte + at + 1})`;
}
