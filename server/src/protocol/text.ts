// The one rule for text on the wire (docs/api.md, "Conventions"): every text field must be well-formed Unicode
// without U+0000.
// JSON can carry an unpaired UTF-16 surrogate ("\udfff"), which no UTF-8 encoder can write: SQLite would keep
// bytes that read back as other characters, and the stored text would no longer be the text that was hashed.
// JSON, percent-encoding and queue_log lines can also carry U+0000 (NUL), which PostgreSQL cannot keep in text at
// all: the SQLite store would take what the PostgreSQL store fails on, and no id, name or queue needs it. Other
// control characters (tab, newline, U+0001…U+001F, U+007F) are kept as sent: both stores hold them alike.
// Refusing here, once, covers every schema built from wellFormedString(); every other way in (an integration's own
// format, a path or query parameter, the standards file, a command-line option) asks malformedTextProblem().
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

/**
 * Whether the text keeps the rule: well-formed and without NUL. The check every string on the ingest path pays, so
 * two native scans and nothing else: isWellFormed() answers a one-byte string (most ids and names) without reading
 * it, and includes() is V8's memchr; a regular expression or a loop over the code units that finds both is slower
 * (test/bench/NOTES.md, 18.AV).
 */
export const isStorableText = (text: string): boolean => text.isWellFormed() && !text.includes('\0');

/** The problem message for text that breaks the rule (the first offence in it), or null when it keeps it. */
export function malformedTextProblem(text: string): string | null {
  if (isStorableText(text)) return null;
  const nul = text.indexOf('\0');
  const surrogate = unpairedSurrogateAt(text);
  if (nul >= 0 && (surrogate < 0 || nul < surrogate)) return `must not contain the NUL character (U+0000, at position ${nul})`;
  return `must be well-formed Unicode text (found an unpaired surrogate at position ${surrogate})`;
}

/**
 * z.string() that refuses text which breaks the rule, before any other check (abort: such a value gets this one
 * message). Every string of an input schema starts from here.
 */
export function wellFormedString(): z.ZodString {
  return z.string().refine(isStorableText, { error: (issue) => malformedTextProblem(String(issue.input)) ?? undefined, abort: true });
}
