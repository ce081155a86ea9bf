// Percent-encoded text as clients send it in query strings, paths and form bodies. Node's parsers read a byte that
// is not UTF-8 (`%ff`) as U+FFFD and keep a broken escape (`%zz`, a lone `%`) as its raw text, so the value would be
// another one than the client meant: the API refuses such a parameter or field by name instead.
import { parse } from 'node:querystring';
import type { FieldProblem } from '../protocol';

export const NOT_PERCENT_UTF8 = 'is not valid percent-encoded UTF-8 (é is %C3%A9)';

/** The text a percent-encoded part stands for (`+` is a space, as in forms and query strings), or null. */
export const decoded = (text: string): string | null => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
};

/**
 * A query string's parameters as Express's default ("simple") parser reads them, node's querystring, but every one
 * of them: that parser stops at 1,000 (its maxKeys), and a parameter past them (an unknown one, a `from` or a `site`)
 * was dropped unseen, neither refused nor applied. The request line's length bounds how many there can be.
 */
export const readQueryString = (text: string) => parse(text, '&', '=', { maxKeys: 0 });

/** The query string of a URL (after `?`), '' when it has none. */
export const queryOf = (url: string): string => {
  const start = url.indexOf('?');
  return start < 0 ? '' : url.slice(start + 1);
};

/** The parameters of a query string or form body as sent (still percent-encoded): [name, value] each, empty parts left out. */
export function rawParams(text: string): Array<[string, string]> {
  return text
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const equals = part.indexOf('=');
      return equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
    });
}

/** The parameters whose name or value is not percent-encoded UTF-8 (`site=%ff`, `from=%`): named, once each. */
export function undecodableParams(text: string): FieldProblem[] {
  const names = new Set<string>();
  for (const [name, value] of rawParams(text)) if (decoded(name) === null || decoded(value) === null) names.add(decoded(name) ?? name);
  return [...names].map((path) => ({ path, message: NOT_PERCENT_UTF8 }));
}

/** Form bodies' undecodable fields, found by the parser's verify hook on the raw bytes (checkFormEncoding). */
const undecodableForms = new WeakMap<object, FieldProblem[]>();

/** For express.urlencoded({ verify }): remembers the fields of the raw body that are not percent-encoded UTF-8. */
export function checkFormEncoding(req: object, body: Buffer): void {
  const problems = undecodableParams(body.toString('utf8'));
  if (problems.length > 0) undecodableForms.set(req, problems);
}

/** The fields of the request's form body that are not percent-encoded UTF-8 (none unless it had a form body). */
export const undecodableFormFields = (req: object): FieldProblem[] => undecodableForms.get(req) ?? [];
