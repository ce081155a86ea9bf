// Twilio's request signature (X-Twilio-Signature), as Twilio documents it: take the full URL Twilio requested
// (with its query string), append each POST parameter's name and value with no separator, parameters sorted by
// name (case-sensitive), compute HMAC-SHA1 of that string with the account's auth token, and base64 it.
// Pure; the caller supplies the public URL Twilio used, which a proxy may hide from the request itself.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as posted: a parsed form body, or a plain record (a repeated name has an array). */
export type FormParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

/** The signature Twilio sends for a request to `url` with these POST parameters. */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  if (authToken === '') throw new Error('the Twilio auth token is empty: a signature made with an empty key proves nothing');
  const data = url + sortedPairs(params).map(([name, value]) => name + value).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `signature` (the X-Twilio-Signature header, absent = invalid) is Twilio's signature of this request.
 * The URL is tried as given and with its default port (443/80) added or removed, because Twilio signs the URL
 * exactly as configured and its own libraries accept both forms. Comparison is constant-time.
 */
export function isValidTwilioSignature(authToken: string, signature: string | undefined, url: string, params: FormParams): boolean {
  if (signature === undefined || signature === '') return false;
  const given = Buffer.from(signature, 'utf8');
  let valid = false;
  for (const candidate of urlForms(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    // Every candidate is checked (no early return), so the time taken does not depend on which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

/** Name/value pairs sorted by name, then (for a repeated name) by value; a value repeated under one name counts once, as in Twilio's libraries. */
function sortedPairs(params: FormParams): Array<[string, string]> {
  const byName = new Map<string, Set<string>>();
  const add = (name: string, value: string) => byName.set(name, (byName.get(name) ?? new Set()).add(value));
  if (params instanceof URLSearchParams) for (const [name, value] of params) add(name, value);
  else for (const [name, value] of Object.entries(params)) for (const v of typeof value === 'string' ? [value] : value) add(name, v);
  return [...byName.keys()].sort(byCodeUnit).flatMap((name) => [...byName.get(name)!].sort(byCodeUnit).map((v): [string, string] => [name, v]));
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The URL as given, plus the same URL with the scheme's default port written out or left out. */
function urlForms(url: string): string[] {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const withoutPort = authority.replace(new RegExp(`:${defaultPort}$`), '');
  const forms = new Set([url, `${scheme}://${withoutPort}${rest}`]);
  if (!/:\d+$/.test(withoutPort)) forms.add(`${scheme}://${withoutPort}:${defaultPort}${rest}`);
  return [...forms];
}
