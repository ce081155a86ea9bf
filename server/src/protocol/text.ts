// The one rule for text on the wire (docs/server.md, "Text fields"): every text field must be well-formed Unicode.
// JSON can carry an unpaired UTF-16 surrogate ("\udfff"), which no UTF-8 encoder can write: SQLite would keep
// bytes that read back as other characters, and the stored text would no longer be the text that was hashed.
// Refusing it here, once, covers every schema built from wellFormedString().
import { z } from 'zod';

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** Index (in UTF-16 code units, from 0) of the first surrogate without its other half; -1 for well-formed text. */
export function unpairedSurrogateAt(text: string): number {
  if (text.isWellFormed()) return -1;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHigh(unit) && isLow(text.charCodeAt(i + 1))) i++;
    else if (isHigh(unit) || isLow(unit)) return i;
  }
  return -1;
}

/** The problem message for text that is not well-formed, or null when it is. */
export function malformedTextProblem(text: string): string | null {
  const at = unpairedSurrogateAt(text);
  return at < 0 ? null : `must be well-formed Unicode text (found an unpaired surrogate at position ${at})`;
}

/**
 * z.string() that refuses text which is not well-formed Unicode, before any other check (abort: a malformed
 * value gets this one message). Every string of an input schema starts from here.
 */
export function wellFormedString(): z.ZodString {
  return z.string().refine((text) => text.isWellFormed(), { error: (issue) => malformedTextProblem(String(issue.input)) ?? undefined, abort: true });
}
