// How a field's problem reads in a sentence: the API's `detail` (http/problems.ts fieldsDetail) and the dashboard's
// words for a refusal (webview transport) both decide by this one rule whether a message already names its field.

/**
 * Whether `message` mentions its field by name (its path's last part or word, as a word: `unknown site "x"` at
 * `site`), so it is a sentence of its own; one that says only what the field must be (`must be later than from` at `to`) is not.
 * Text in quotes is what the request sent or a name suggested for it (`(got "window")`, `(did you mean "timeZone"?)`),
 * and a name in another case is another name (`Site` is not `site`): neither is the message naming its field. A place
 * in a list (`ids.2`) is never a name: a number in its message is what was sent.
 */
export function messageNamesField(path: string, message: string): boolean {
  // A feed names a record before its field ("line 3 (c1): site"): the field is the path's last word.
  const last = path.split(/[.\s]/).at(-1)!;
  // A place in a list (`ids.2`) is no name: a number in the message (`got 2`) is what was sent, not the field.
  if (/^\d+$/.test(last)) return false;
  const name = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ownWords = message.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return new RegExp(`(?<![\\p{L}\\p{N}])${name}(?![\\p{L}\\p{N}])`, 'u').test(ownWords);
}
