// Request bodies must be UTF-8 (RFC 8259 §8.1 for JSON). body-parser would decode invalid bytes to U+FFFD
// without a word, so a client's text would be stored as something it never sent; this `verify` hook refuses
// the body first. Other charsets are refused too: one encoding, checked once, for every JSON route.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { nonUtf8Where } from '../protocol/utf8';

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

/** The labels of UTF-8 in the WHATWG Encoding Standard, which clients write as the charset (compared ignoring case). */
const UTF8_LABELS = new Set(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);
const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/**
 * Writes a Content-Type's charset `utf-8` when it names UTF-8 by another of its labels (`utf8`, `"UTF8"`): the
 * parsers take only that spelling (body-parser refuses `utf8` for JSON with 415), though the body is the same.
 * Run before a body parser; any other charset is left for the parser and rejectNonUtf8 to refuse.
 */
export function spellUtf8Charset(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type === undefined || !/charset/i.test(type)) return;
  const m = CHARSET.exec(type);
  const label = (m?.[1] ?? m?.[2] ?? '').trim().toLowerCase();
  if (!m || label === 'utf-8' || !UTF8_LABELS.has(label)) return;
  req.headers['content-type'] = `${type.slice(0, m.index)}; charset=utf-8${type.slice(m.index + m[0].length)}`;
}
