// The value a caller most likely meant when it gave one that is not allowed: one rule for the command line (a
// mistyped command, action, scope or log level) and the API (any value not among those a field or parameter accepts,
// protocol/issues.ts oneOfMessage), so both suggest the same word.

/**
 * The one of `words` that `word` most likely mistypes (`keyz` → `keys`, `verfy` → `verify`, `rebuild` →
 * `rebuild-rollups`, `HARBOUR` → `harbour`), or undefined: the only one equal to it but for letter case, else within
 * one edit (two for words of five letters or more), a swap of neighbours being one, or the start of exactly one of
 * them (three letters at least). A tie names none.
 */
function nearMiss(word: string, words: readonly string[]): string | undefined {
  const folded = word.toLowerCase();
  const sameButCase = words.filter((w) => w.toLowerCase() === folded);
  if (sameButCase.length === 1) return sameButCase[0];
  const starting = word.length >= 3 ? words.filter((w) => w.startsWith(word)) : [];
  if (starting.length === 1) return starting[0];
  const within = word.length >= 5 ? 2 : 1;
  const scored = words.map((w) => ({ w, d: editDistance(word, w) })).filter((s) => s.d <= within);
  const best = Math.min(...scored.map((s) => s.d));
  const nearest = scored.filter((s) => s.d === best);
  return nearest.length === 1 ? nearest[0]!.w : undefined;
}

/** ` (did you mean "keys"?)` for a near miss of one of `words`, else nothing. */
export function didYouMean(word: string, words: readonly string[]): string {
  const near = nearMiss(word, words);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

/** Edits (insert, delete, replace, swap of neighbours) from `a` to `b`: optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Text a refusal echoes: quoted as JSON, at most its first 40 characters ("…" after a longer one). */
export function quotedText(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * What a refusal of `given` (not one of `words`) adds after saying what is allowed: the value given (quotedText), and
 * the one of `words` it most likely mistypes, if any: ` (got "reed") (did you mean "read"?)`.
 */
export function refusedValue(given: string, words: readonly string[]): string {
  return ` (got ${quotedText(given)})${didYouMean(given, words)}`;
}
